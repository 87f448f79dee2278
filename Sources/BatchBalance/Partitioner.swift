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

    /// Heaviest first (ties by index): the LPT order, sorted once for placement and every local search.
    let order: [Int]
    /// Work each bin holds before any item (split images' shares); only the uncapped placement without a count rule
    /// and the local search read it.
    let baseLoads: [Double]?

    /// `order` may be given when the caller has it cheaper (it must be the weights descending, in some tie order).
    init(
        weights: [Double], tokens: [Int], bins: Int, equalCount: Int?, cap: Int?, microBatches: Int?,
        order: [Int]? = nil,
        baseLoads: [Double]? = nil
    ) {
        self.weights = weights
        self.tokens = tokens
        self.bins = bins
        self.equalCount = equalCount
        self.cap = cap
        self.microBatches = microBatches
        self.order = order ?? KeyedIndex.descending(weights)
        self.baseLoads = baseLoads
    }

    func base(_ bin: Int) -> Double { baseLoads?[bin] ?? 0 }

    /// LPT: each item to the least-loaded bin that can take it (lowest index on ties), micro-batches filled first-fit
    /// as items arrive. Returns nil and the item that fits nowhere. `byTokens` orders by tokens instead of cost
    /// (first-fit decreasing), which packs tight caps better. Under caps bins come off a heap by load (a bin that
    /// reaches the equal count is not pushed back); without caps `uncappedLPT` places the items.
    /// `fillingSmallItems` lets the uncapped placement fill bins to the average once items are small (below); the
    /// reported `lpt` baseline stays plain LPT.
    func lpt(byTokens: Bool = false, fillingSmallItems: Bool = false) -> (bins: [[Int]]?, stuck: Int?) {
        let order = byTokens ? KeyedIndex.descending(tokens.map(Double.init)) : self.order
        guard cap != nil else { return uncappedLPT(order, fillingSmallItems: fillingSmallItems && equalCount == nil) }
        var contents = [[Int]](repeating: [], count: bins)
        var microLoads = [[Int]](repeating: [], count: bins)
        var heap = Heap((0..<bins).map { BinLoad(load: 0, bin: $0) })
        var skipped: [BinLoad] = []
        for item in order {
            var chosen: (bin: BinLoad, slot: Int)?
            while let candidate = heap.popMin() {
                guard let cap else {
                    chosen = (candidate, 0)
                    break
                }
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
                if slot < microLoads[least.bin].count {
                    microLoads[least.bin][slot] += tokens[item]
                } else {
                    microLoads[least.bin].append(tokens[item])
                }
            }
            if equalCount.map({ contents[least.bin].count < $0 }) ?? true { heap.insert(least) }
        }
        return (contents, nil)
    }

    /// Without caps the least-loaded bin always takes the item. When filling (no count rule), once items weigh under
    /// 1/64 of the average load, bins are instead filled to that average one after another (each stops less than one
    /// item short of it), and the items left over, the smallest, go to the least-loaded bins as in LPT: the same
    /// guarantee (no bin ends more than one small item above the average) without a tree update per item. The separate
    /// encoder phase places every image of the batch here, over 100,000 at 8,192 samples, most of them small video
    /// frames.
    private func uncappedLPT(_ order: [Int], fillingSmallItems: Bool) -> (bins: [[Int]]?, stuck: Int?) {
        var contents = [[Int]](repeating: [], count: bins)
        var open = LeastLoadedBins(count: bins)
        if let baseLoads { for (bin, load) in baseLoads.enumerated() where load != 0 { open.set(load, of: bin) } }
        let average = (weights.reduce(0, +) + (baseLoads?.reduce(0, +) ?? 0)) / Double(bins)
        var position = 0
        func placeOnLeastLoaded() -> Bool {
            guard let least = open.least else { return false }
            let item = order[position]
            contents[least].append(item)
            open.add(weights[item], to: least)
            if let equalCount, contents[least].count >= equalCount { open.close(least) }
            position += 1
            return true
        }
        while position < order.count, !fillingSmallItems || weights[order[position]] * 64 > average {
            guard placeOnLeastLoaded() else { return (nil, order[position]) }
        }
        if position < order.count {
            let loads = open.loads
            for bin in KeyedIndex.ascending(loads) {
                var load = loads[bin]
                while position < order.count, load + weights[order[position]] <= average {
                    contents[bin].append(order[position])
                    load += weights[order[position]]
                    position += 1
                }
                open.set(load, of: bin)
            }
        }
        while position < order.count {
            guard placeOnLeastLoaded() else { return (nil, order[position]) }
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

    /// Moves (when counts are free) and swaps out of the busiest bin while they lower it; stops within `tolerance`
    /// (by default 1e-4 of it) of `target` (a lower bound: what is left is below the cost model's precision) or
    /// after `rounds`. `admits` re-checks caps on the two bins a step changes.
    ///
    /// A swap of w (busiest bin, load T) with v (bin b) leaves max(T − δ, load_b + δ), δ = w − v: it gains
    /// min(δ, room_b − δ), room_b = T − load_b. So only partners with bestGain < δ < maxRoom − bestGain can beat the
    /// best step found, and those lie in a window of the items sorted by weight. Weights never change, only bins do, so
    /// that order is built once; the window narrows as the best gain grows.
    func improve(
        _ start: [[Int]], rounds: Int = 400, target: Double = 0, tolerance: Double? = nil,
        admits: (([Int]) -> Bool)? = nil
    ) -> [[Int]] {
        let stop = target + (tolerance ?? 1e-4 * target)
        var contents = start
        var loads = contents.enumerated().map { base($0.offset) + load($0.element) }
        var binOf = [Int](repeating: -1, count: weights.count)
        for (bin, items) in contents.enumerated() { for item in items { binOf[item] = bin } }
        // Lightest first; when every item is placed (always, in practice) that is the LPT order reversed.
        let byWeight: [Int]
        if contents.reduce(0, { $0 + $1.count }) == weights.count {
            byWeight = order.reversed()
        } else {
            var placed = contents.flatMap { $0 }.map { KeyedIndex(key: weights[$0], index: $0) }
            placed.sort()
            byWeight = placed.map(\.index)
        }
        let sortedWeights = byWeight.map { weights[$0] }
        for _ in 0..<rounds {
            // Busiest bin: highest load, lowest index on ties; lightest: lowest load among the others.
            var busiest = -1
            var lightest = -1
            for bin in loads.indices {
                if busiest < 0 || loads[bin] > loads[busiest] { busiest = bin }
            }
            for bin in loads.indices where bin != busiest {
                if lightest < 0 || loads[bin] < loads[lightest] { lightest = bin }
            }
            guard busiest >= 0, lightest >= 0 else { break }
            let top = loads[busiest]
            if top <= stop { break }
            let maxRoom = top - loads[lightest]
            // Steps smaller than 1e-5 of the makespan are not worth their search time.
            var bestGain = 1e-5 * top
            var bestAction: (item: Int, to: Int, partner: Int?)?
            if equalCount == nil {
                // A move gains most into the lightest bin.
                for item in contents[busiest] where weights[item] < maxRoom {
                    let newMax = max(top - weights[item], loads[lightest] + weights[item])
                    if top - newMax > bestGain {
                        bestGain = top - newMax
                        bestAction = (item, lightest, nil)
                    }
                }
            }
            // This window scan runs once per busiest-bin item per round: it reads through unchecked views.
            binOf.withUnsafeBufferPointer { binOf in
                sortedWeights.withUnsafeBufferPointer { sortedWeights in
                    loads.withUnsafeBufferPointer { loads in
                        for item in contents[busiest] {
                            let w = weights[item]
                            guard w > bestGain else { continue }
                            // First position weighing at least w − bestGain: partners sit below it.
                            var low = 0
                            var high = sortedWeights.count
                            let ceiling = w - bestGain
                            while low < high {
                                let middle = (low + high) / 2
                                if sortedWeights[middle] < ceiling { low = middle + 1 } else { high = middle }
                            }
                            var position = low - 1
                            while position >= 0 {
                                let v = sortedWeights[position]
                                let delta = w - v
                                if delta >= maxRoom - bestGain { break }
                                let partner = byWeight[position]
                                let other = binOf[partner]
                                position -= 1
                                if other == busiest { continue }
                                let newMax = max(top - delta, loads[other] + delta)
                                if top - newMax > bestGain {
                                    bestGain = top - newMax
                                    bestAction = (item, other, partner)
                                }
                            }
                        }
                    }
                }
            }
            guard let action = bestAction else { break }
            let (from, to) = exchange(
                contents, item: action.item, from: busiest, to: action.to, partner: action.partner)
            if let admits, !admits(from) || !admits(to) { break }
            if let partner = action.partner { binOf[partner] = busiest }
            binOf[action.item] = action.to
            contents[busiest] = from
            contents[action.to] = to
            loads[busiest] = base(busiest) + load(from)
            loads[action.to] = base(action.to) + load(to)
        }
        return contents
    }
}

/// The two bins' contents after `item` moves from bin `from` to bin `to` and, in a swap, `partner` moves back.
func exchange(_ contents: [[Int]], item: Int, from: Int, to: Int, partner: Int?) -> (from: [Int], to: [Int]) {
    var source = contents[from].filter { $0 != item }
    var destination = contents[to]
    if let partner {
        destination.removeAll { $0 == partner }
        source.append(partner)
    }
    destination.append(item)
    return (source, destination)
}

struct BinLoad: Comparable {
    var load: Double
    let bin: Int

    static func < (lhs: BinLoad, rhs: BinLoad) -> Bool {
        lhs.load != rhs.load ? lhs.load < rhs.load : lhs.bin < rhs.bin
    }
}
