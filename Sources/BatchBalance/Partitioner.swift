import HeapModule

/// Assigns weighted items to k bins (ranks) minimising the largest bin, under an optional equal item count per bin
/// and optional micro-batch token caps. LPT placement, then local search on the busiest bin by moves and swaps.
struct Partitioner {
    let weights: [Double]
    let tokens: [Int]
    let bins: Int
    /// Items per bin when counts must be equal.
    let equalCount: Int?
    /// Token cap per micro-batch and micro-batches per bin (nil count: as many as needed).
    let cap: Int?
    let microBatches: Int?

    /// Heaviest first (ties by index): the LPT order.
    var order: [Int] { weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 } }

    /// LPT: each item to the least-loaded bin that can take it (lowest index on ties), micro-batches filled first-fit
    /// as items arrive. Returns nil and the item that fits nowhere. `byTokens` orders by tokens instead of cost
    /// (first-fit decreasing), which packs tight caps better. Bins come off a heap by load; a bin that reaches the
    /// equal count is not pushed back.
    func lpt(byTokens: Bool = false) -> (bins: [[Int]]?, stuck: Int?) {
        let order = byTokens ? weights.indices.sorted { tokens[$0] != tokens[$1] ? tokens[$0] > tokens[$1] : $0 < $1 } : self.order
        var contents = [[Int]](repeating: [], count: bins)
        var microLoads = [[Int]](repeating: [], count: bins)
        var heap = Heap((0..<bins).map { BinLoad(load: 0, bin: $0) })
        var skipped: [BinLoad] = []
        for item in order {
            var chosen: (bin: BinLoad, slot: Int)?
            while let candidate = heap.popMin() {
                guard let cap else { chosen = (candidate, 0); break }
                if let slot = slot(for: tokens[item], in: microLoads[candidate.bin], cap: cap) {
                    chosen = (candidate, slot)
                    break
                }
                skipped.append(candidate)
            }
            for bin in skipped { heap.insert(bin) }
            skipped.removeAll(keepingCapacity: true)
            guard let chosen else { return (nil, item) }
            var least = chosen.bin
            let slot = chosen.slot
            contents[least.bin].append(item)
            least.load += weights[item]
            if cap != nil {
                if slot < microLoads[least.bin].count { microLoads[least.bin][slot] += tokens[item] } else { microLoads[least.bin].append(tokens[item]) }
            }
            if equalCount.map({ contents[least.bin].count < $0 }) ?? true { heap.insert(least) }
        }
        return (contents, nil)
    }

    /// First micro-batch with room, or a new one while the count allows.
    private func slot(for size: Int, in loads: [Int], cap: Int) -> Int? {
        if let index = loads.firstIndex(where: { $0 + size <= cap }) { return index }
        if let microBatches, loads.count >= microBatches { return nil }
        return size <= cap ? loads.count : nil
    }

    func load(_ items: [Int]) -> Double { items.reduce(0) { $0 + weights[$1] } }

    /// Moves (when counts are free) and swaps out of the busiest bin while they lower it; stops within 1e-4 of
    /// `target` (a lower bound: what is left is below the cost model's precision) or after `rounds`. `admits`
    /// re-checks caps on the two bins a step changes.
    func improve(_ start: [[Int]], rounds: Int = 400, target: Double = 0, admits: (([Int]) -> Bool)? = nil) -> [[Int]] {
        var contents = start
        var loads = contents.map(load)
        // Each bin's items sorted by weight, for a binary search of the best swap partner.
        var sorted = contents.map { $0.sorted { weights[$0] < weights[$1] } }
        var sortedWeights = sorted.map { $0.map { weights[$0] } }
        // Bins by load (ties by index), kept sorted as steps change two bins at a time.
        var byLoad = loads.indices.sorted { BinLoad(load: loads[$0], bin: $0) < BinLoad(load: loads[$1], bin: $1) }
        func reposition(_ bin: Int) {
            byLoad.removeAll { $0 == bin }
            let key = BinLoad(load: loads[bin], bin: bin)
            var low = 0, high = byLoad.count
            while low < high {
                let middle = (low + high) / 2
                if BinLoad(load: loads[byLoad[middle]], bin: byLoad[middle]) < key { low = middle + 1 } else { high = middle }
            }
            byLoad.insert(bin, at: low)
        }
        for _ in 0..<rounds {
            guard let busiest = loads.indices.max(by: { loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 > $1 }) else { break }
            let top = loads[busiest]
            if top <= target * (1 + 1e-4) { break }
            // Steps smaller than 1e-5 of the makespan are not worth their search time.
            var bestGain = 1e-5 * top
            var bestAction: (item: Int, to: Int, partner: Int?)?
            // A step with bin `other` gains at most half the gap between it and the busiest bin: visiting bins from
            // the least loaded up, the scan stops once no remaining bin can beat the best step found.
            let busyItems = contents[busiest]
            let busyWeights = busyItems.map { weights[$0] }
            for other in byLoad where other != busiest {
                let room = top - loads[other]
                if room / 2 <= bestGain { break }
                // This scan runs items × bins times per round: the partner weights are read through an unchecked
                // view of the bin's sorted weights.
                sortedWeights[other].withUnsafeBufferPointer { partnerWeights in
                    for (position, w) in busyWeights.enumerated() {
                        if equalCount == nil, w < room {
                            let newMax = max(top - w, loads[other] + w)
                            if top - newMax > bestGain { bestGain = top - newMax; bestAction = (busyItems[position], other, nil) }
                        }
                        // The ideal partner weighs w − room/2; check the two neighbours of that point.
                        let ideal = w - room / 2
                        var low = 0, high = partnerWeights.count
                        while low < high {
                            let middle = (low + high) / 2
                            if partnerWeights[middle] < ideal { low = middle + 1 } else { high = middle }
                        }
                        for candidate in max(low - 1, 0)...low where candidate < partnerWeights.count {
                            let v = partnerWeights[candidate]
                            guard v < w else { continue }
                            let newMax = max(top - w + v, loads[other] - v + w)
                            if top - newMax > bestGain {
                                bestGain = top - newMax
                                bestAction = (busyItems[position], other, sorted[other][candidate])
                            }
                        }
                    }
                }
            }
            guard let action = bestAction else { break }
            var from = contents[busiest].filter { $0 != action.item }
            var to = contents[action.to]
            if let partner = action.partner {
                to.removeAll { $0 == partner }
                from.append(partner)
            }
            to.append(action.item)
            if let admits, !admits(from) || !admits(to) { break }
            contents[busiest] = from
            contents[action.to] = to
            loads[busiest] = load(from)
            loads[action.to] = load(to)
            sorted[busiest] = from.sorted { weights[$0] < weights[$1] }
            sorted[action.to] = to.sorted { weights[$0] < weights[$1] }
            sortedWeights[busiest] = sorted[busiest].map { weights[$0] }
            sortedWeights[action.to] = sorted[action.to].map { weights[$0] }
            reposition(busiest)
            reposition(action.to)
        }
        return contents
    }
}

struct BinLoad: Comparable {
    var load: Double
    let bin: Int

    static func < (lhs: BinLoad, rhs: BinLoad) -> Bool { lhs.load != rhs.load ? lhs.load < rhs.load : lhs.bin < rhs.bin }
}
