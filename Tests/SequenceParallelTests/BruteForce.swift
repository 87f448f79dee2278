import CostModel

/// Exhaustive optimum for tiny instances: every split into micro-batches, every multiset of power-of-two groups
/// with Σ degree ≤ N, every assignment of a micro-batch's sequences to its groups. With `slowSpeed`, one rank runs at
/// that speed: it sits in any one of a micro-batch's groups (which then runs at its speed) or, where ranks are left
/// over, in none; that covers every placement of the groups on the ranks.
struct BruteForce {
    let cost: SequenceParallelCost
    let lengths: [Double]
    var slowSpeed: Double? = nil
    /// Every rank's speed: groups then sit on aligned blocks (the plan format), every placement tried, each group at
    /// its block's slowest speed.
    var speeds: [Double]? = nil

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
        for structure in structures(remaining: cost.gpus, largest: cost.gpus)
        where !structure.isEmpty && structure.count <= members.count {
            for speeds in groupSpeeds(structure) {
                let empty = [Double](repeating: 0, count: structure.count)
                best = min(best, assign(members, 0, structure, speeds: speeds, loads: empty, tokens: empty))
            }
        }
        return best
    }

    /// Each group's speed for every place the slow rank can take, or for every aligned placement under `speeds`.
    private func groupSpeeds(_ structure: [Int]) -> [[Double]] {
        if let speeds {
            let placements = alignedPlacements(structure, free: [Bool](repeating: true, count: speeds.count))
            let bySpeed = placements.map { starts in
                zip(structure, starts).map { degree, start in speeds[start..<(start + degree)].min() ?? 1 }
            }
            return Set(bySpeed).sorted { $0.lexicographicallyPrecedes($1) }
        }
        let nominal = [Double](repeating: 1, count: structure.count)
        guard let slowSpeed else { return [nominal] }
        var result = structure.reduce(0, +) < cost.gpus ? [nominal] : []
        for group in structure.indices {
            var speeds = nominal
            speeds[group] = slowSpeed
            result.append(speeds)
        }
        return result
    }

    /// Every way to put the groups (largest first) on free aligned blocks: each group's first rank.
    private func alignedPlacements(_ degrees: [Int], free: [Bool]) -> [[Int]] {
        guard let degree = degrees.first else { return [[]] }
        var result: [[Int]] = []
        for start in stride(from: 0, through: free.count - degree, by: degree)
        where free[start..<(start + degree)].allSatisfy({ $0 }) {
            var next = free
            for rank in start..<(start + degree) { next[rank] = false }
            result += alignedPlacements(Array(degrees.dropFirst()), free: next).map { [start] + $0 }
        }
        return result
    }

    /// Non-increasing lists of allowed degrees with sum ≤ remaining.
    private func structures(remaining: Int, largest: Int) -> [[Int]] {
        var result: [[Int]] = [[]]
        for degree in cost.degrees.reversed() where degree <= remaining && degree <= largest {
            for rest in structures(remaining: remaining - degree, largest: degree) { result.append([degree] + rest) }
        }
        return result
    }

    private func assign(
        _ members: [Int], _ position: Int, _ degrees: [Int], speeds: [Double], loads: [Double],
        tokens: [Double]
    ) -> Double {
        if position == members.count {
            // Every group must be used (an empty group would just be a smaller structure).
            guard tokens.allSatisfy({ $0 > 0 }) else { return .infinity }
            return degrees.indices.map { loads[$0] / speeds[$0] }.max().map { $0 + cost.beta1 } ?? .infinity
        }
        let length = lengths[members[position]]
        var best = Double.infinity
        var openedEmpty = Set<Int>()
        for group in degrees.indices {
            // Empty groups of one degree and speed are interchangeable: try only the first of them.
            if tokens[group] == 0 {
                guard openedEmpty.insert(degrees[group] * 2 + (speeds[group] != 1 ? 1 : 0)).inserted else { continue }
            }
            let share = length / Double(degrees[group])
            guard tokens[group] + share <= cost.tokensPerGPU else { continue }
            var nextLoads = loads
            var nextTokens = tokens
            nextLoads[group] += cost.time(length, degree: degrees[group])
            nextTokens[group] += share
            best = min(
                best,
                assign(
                    members, position + 1, degrees, speeds: speeds, loads: nextLoads,
                    tokens: nextTokens))
        }
        return best
    }
}
