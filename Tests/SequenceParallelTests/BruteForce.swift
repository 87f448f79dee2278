import CostModel

/// Exhaustive optimum for tiny instances: every split into micro-batches, every multiset of power-of-two groups
/// with Σ degree ≤ N, every assignment of a micro-batch's sequences to its groups.
struct BruteForce {
    let cost: SequenceParallelCost
    let lengths: [Double]

    func optimum() -> Double {
        let count = lengths.count
        var best = [Double](repeating: .infinity, count: 1 << count)
        // Best single micro-batch for every subset, then the cheapest cover by disjoint subsets.
        var single = [Double](repeating: .infinity, count: 1 << count)
        for subset in 1..<(1 << count) { single[subset] = microBatch(subset) }
        best[0] = 0
        for subset in 1..<(1 << count) {
            // Fix the lowest member in the first part to avoid counting orderings twice.
            let lowest = subset & -subset
            var part = subset
            while part > 0 {
                if part & lowest != 0, single[part].isFinite {
                    best[subset] = min(best[subset], single[part] + best[subset ^ part])
                }
                part = (part - 1) & subset
            }
        }
        return best[(1 << count) - 1]
    }

    private func microBatch(_ subset: Int) -> Double {
        let members = lengths.indices.filter { subset & (1 << $0) != 0 }
        var best = Double.infinity
        for structure in structures(remaining: cost.gpus, largest: cost.gpus) where !structure.isEmpty && structure.count <= members.count {
            best = min(best, assign(members, 0, structure, loads: Array(repeating: 0, count: structure.count),
                                    tokens: Array(repeating: 0, count: structure.count)))
        }
        return best
    }

    /// Non-increasing lists of allowed degrees with sum ≤ remaining.
    private func structures(remaining: Int, largest: Int) -> [[Int]] {
        var result: [[Int]] = [[]]
        for degree in cost.degrees.reversed() where degree <= remaining && degree <= largest {
            for rest in structures(remaining: remaining - degree, largest: degree) { result.append([degree] + rest) }
        }
        return result
    }

    private func assign(_ members: [Int], _ position: Int, _ degrees: [Int], loads: [Double], tokens: [Double]) -> Double {
        if position == members.count {
            // Every group must be used (an empty group would just be a smaller structure).
            guard tokens.allSatisfy({ $0 > 0 }) else { return .infinity }
            return loads.max().map { $0 + cost.beta1 } ?? .infinity
        }
        let length = lengths[members[position]]
        var best = Double.infinity
        var openedEmpty = Set<Int>()
        for group in degrees.indices {
            // Empty groups of one degree are interchangeable: try only the first of them.
            if tokens[group] == 0 {
                guard openedEmpty.insert(degrees[group]).inserted else { continue }
            }
            let share = length / Double(degrees[group])
            guard tokens[group] + share <= cost.tokensPerGPU else { continue }
            var nextLoads = loads, nextTokens = tokens
            nextLoads[group] += cost.time(length, degree: degrees[group])
            nextTokens[group] += share
            best = min(best, assign(members, position + 1, degrees, loads: nextLoads, tokens: nextTokens))
        }
        return best
    }
}
