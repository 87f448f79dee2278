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

    /// LPT: each item to the least-loaded bin that can take it, micro-batches filled first-fit as items arrive.
    /// Returns nil and the item that fits nowhere. `byTokens` orders by tokens instead of cost (first-fit
    /// decreasing), which packs tight caps better.
    func lpt(byTokens: Bool = false) -> (bins: [[Int]]?, stuck: Int?) {
        let order = byTokens ? weights.indices.sorted { tokens[$0] != tokens[$1] ? tokens[$0] > tokens[$1] : $0 < $1 } : self.order
        var contents = [[Int]](repeating: [], count: bins)
        var loads = [Double](repeating: 0, count: bins)
        var microLoads = [[Int]](repeating: [], count: bins)
        // Bins ordered by load in a heap would be faster; a linear scan keeps the tie rules simple at these sizes.
        for item in order {
            var best: Int?
            var bestSlot = -1
            for bin in 0..<bins {
                if let equalCount, contents[bin].count >= equalCount { continue }
                if let best, loads[bin] >= loads[best] { continue }
                if let cap {
                    guard let slot = slot(for: tokens[item], in: microLoads[bin], cap: cap) else { continue }
                    bestSlot = slot
                }
                best = bin
            }
            guard let chosen = best else { return (nil, item) }
            contents[chosen].append(item)
            loads[chosen] += weights[item]
            if cap != nil {
                if bestSlot < microLoads[chosen].count { microLoads[chosen][bestSlot] += tokens[item] } else { microLoads[chosen].append(tokens[item]) }
            }
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

    /// Moves (when counts are free) and swaps out of the busiest bin while they lower it; stops at `target` (a lower
    /// bound) or after `rounds`. `admits` re-checks caps on the two bins a step changes.
    func improve(_ start: [[Int]], rounds: Int = 400, target: Double = 0, admits: (([Int]) -> Bool)? = nil) -> [[Int]] {
        var contents = start
        var loads = contents.map(load)
        // Each bin's items sorted by weight, for a binary search of the best swap partner.
        var sorted = contents.map { $0.sorted { weights[$0] < weights[$1] } }
        for _ in 0..<rounds {
            guard let busiest = loads.indices.max(by: { loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 > $1 }) else { break }
            let top = loads[busiest]
            if top <= target * (1 + 1e-9) { break }
            // Steps smaller than 1e-5 of the makespan are not worth their search time.
            var bestGain = 1e-5 * top
            var bestAction: (item: Int, to: Int, partner: Int?)?
            for item in contents[busiest] {
                let w = weights[item]
                for other in contents.indices where other != busiest {
                    let room = top - loads[other]
                    guard room > 1e-15 else { continue }
                    if equalCount == nil, w < room {
                        let newMax = max(top - w, loads[other] + w)
                        if top - newMax > bestGain { bestGain = top - newMax; bestAction = (item, other, nil) }
                    }
                    // The ideal partner weighs w − room/2; check the two neighbours of that point.
                    let ideal = w - room / 2
                    let candidates = sorted[other]
                    var low = 0, high = candidates.count
                    while low < high {
                        let middle = (low + high) / 2
                        if weights[candidates[middle]] < ideal { low = middle + 1 } else { high = middle }
                    }
                    for position in [low - 1, low] where position >= 0 && position < candidates.count {
                        let partner = candidates[position]
                        let v = weights[partner]
                        guard v < w else { continue }
                        let newMax = max(top - w + v, loads[other] - v + w)
                        if top - newMax > bestGain { bestGain = top - newMax; bestAction = (item, other, partner) }
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
        }
        return contents
    }
}
