import CostModel

/// The separate encoder phase with its heaviest images split over aligned groups of ranks (docs/batch-balancing.md
/// §Splitting images). An image heavier than a share limit (a fraction of the mean rank's encoder work) runs on the
/// smallest power-of-two group whose share per rank fits under it (or the largest group allowed); groups are aligned
/// blocks of ranks, the largest placed first, each where its busiest member is least loaded; the whole images then go
/// by LPT on top.
/// Every rank runs its shares first, larger groups first: the groups nest, so a group's members reach its image
/// together.
struct ImageSplitter {
    struct Shard: Equatable {
        let item: Int
        let firstRank: Int
        let degree: Int
    }

    struct Outcome {
        let shards: [Shard]
        /// Whole images (item indices) per rank.
        let assignment: [[Int]]
        /// Each rank's encoder seconds: its shares and its whole images.
        let rankSeconds: [Double]
        var slowest: Double { rankSeconds.max() ?? 0 }
    }

    let imageSeconds: [Double]
    let imageTokens: [Int]
    let phase: PhaseCost
    let split: EncoderSplitCost
    let ranks: Int

    /// The largest group: the cost's limit, at most the ranks (both powers of two once rounded down).
    var maxDegree: Int {
        var degree = 1
        while degree * 2 <= min(split.maxDegree, ranks) { degree *= 2 }
        return degree
    }

    func share(_ item: Int, degree: Int) -> Double {
        degree == 1 ? imageSeconds[item] : split.share(of: phase, tokens: Double(imageTokens[item]), degree: degree)
    }

    /// No encoder phase with splitting beats the mean rank's whole-image work (splitting only adds), nor any image's
    /// smallest share.
    var lowerBound: Double {
        let mean = imageSeconds.reduce(0, +) / Double(ranks)
        let largest = maxDegree
        let smallestShare = imageSeconds.indices.reduce(0.0) {
            max($0, min(imageSeconds[$1], share($1, degree: largest)))
        }
        return max(mean, smallestShare)
    }

    /// Nil when no image is worth splitting (each fits under the limit, or no group of two ranks exists). Shares as
    /// tall as the mean pack badly (two on one rank double it), so limits of 1, ½ and ¼ of the mean are tried and the
    /// placement with the fastest phase gets the local search.
    func plan(order: [Int], target bound: Double, tolerance: Double) -> Outcome? {
        guard maxDegree >= 2 else { return nil }
        var best: Placement?
        var tried: [[Int: Int]] = []
        for fraction in [1.0, 0.5, 0.25] {
            // A finer limit often picks the same groups (the largest allowed already): placed once.
            let degreeOf = degrees(order: order, shareLimit: fraction)
            guard !degreeOf.isEmpty, !tried.contains(degreeOf) else { continue }
            tried.append(degreeOf)
            let placement = place(degreeOf, order: order, bound: bound)
            if best.map({ placement.slowest < $0.slowest }) ?? true { best = placement }
        }
        // The local search runs once, on the best placement, and stops within 0.1 % of what the whole images can
        // reach around the shards: LPT usually ends there already, and the last 0.1 % of the encoder phase is below
        // the cost model's precision (closing it took most of the planning time at 4,096 samples on 512 ranks).
        guard let best else { return nil }
        let assignment = best.partitioner.improve(
            best.bins, target: best.fixedBound, tolerance: max(tolerance, 1e-3 * best.fixedBound))
        let rankSeconds = assignment.enumerated().map { rank, items in best.base[rank] + best.partitioner.load(items) }
        return Outcome(shards: best.shards, assignment: assignment, rankSeconds: rankSeconds)
    }

    /// Shards on their groups and the whole images placed by LPT, before the local search.
    private struct Placement {
        let shards: [Shard]
        let base: [Double]
        let partitioner: Partitioner
        let bins: [[Int]]
        /// No placement of the whole images around these shards beats it.
        let fixedBound: Double
        let slowest: Double
    }

    /// Images heavier than `shareLimit` × the mean, each with the smallest group whose share fits under that.
    private func degrees(order: [Int], shareLimit: Double) -> [Int: Int] {
        let largest = maxDegree
        let total = imageSeconds.reduce(0, +)
        var target = total / Double(ranks)
        var degreeOf: [Int: Int] = [:]
        var overhead = 0.0
        for item in order {
            let whole = imageSeconds[item]
            // Heaviest first: once one fits under the limit, the rest do.
            guard whole > shareLimit * target else { break }
            var degree = 2
            while degree < largest, share(item, degree: degree) > shareLimit * target { degree *= 2 }
            let each = share(item, degree: degree)
            guard each < whole else { continue }
            degreeOf[item] = degree
            overhead += Double(degree) * each - whole
            target = (total + overhead) / Double(ranks)
        }
        return degreeOf
    }

    /// The groups on aligned blocks of ranks, then the whole images on top.
    private func place(_ degreeOf: [Int: Int], order: [Int], bound: Double) -> Placement {

        // Largest groups first, then the larger shares; each to the aligned block whose busiest rank is least loaded.
        let splitItems = degreeOf.keys.sorted { lhs, rhs in
            let (a, b) = (degreeOf[lhs] ?? 0, degreeOf[rhs] ?? 0)
            if a != b { return a > b }
            let (x, y) = (share(lhs, degree: a), share(rhs, degree: b))
            return x != y ? x > y : lhs < rhs
        }
        var base = [Double](repeating: 0, count: ranks)
        var shards: [Shard] = []
        for item in splitItems {
            let degree = degreeOf[item] ?? 2
            let each = share(item, degree: degree)
            var bestFirst = 0
            var bestLoad = Double.infinity
            for first in stride(from: 0, through: ranks - degree, by: degree) {
                let busiest = base[first..<(first + degree)].max() ?? 0
                if busiest < bestLoad {
                    bestLoad = busiest
                    bestFirst = first
                }
            }
            for rank in bestFirst..<(bestFirst + degree) { base[rank] += each }
            shards.append(Shard(item: item, firstRank: bestFirst, degree: degree))
        }

        // The whole images, in the LPT order without the split ones, on top of the shares.
        let wholeOrder = order.filter { degreeOf[$0] == nil }
        let weights = imageSeconds.indices.map { degreeOf[$0] == nil ? imageSeconds[$0] : 0 }
        let partitioner = Partitioner(
            weights: weights, tokens: weights.map { _ in 0 }, bins: ranks, equalCount: nil, cap: nil,
            microBatches: nil, order: wholeOrder, baseLoads: base)
        let placed = partitioner.lpt(fillingSmallItems: true).bins ?? []
        // With the shares fixed, no placement of the whole images beats their mean with the shares, the heaviest
        // whole image, or the busiest rank's shares: the local search stops there instead of at the phase's bound.
        let fixedBound = max(
            bound, (weights.reduce(0, +) + base.reduce(0, +)) / Double(ranks), weights.max() ?? 0, base.max() ?? 0)
        let slowest = placed.enumerated().map { base[$0.offset] + partitioner.load($0.element) }.max() ?? 0
        return Placement(
            shards: shards, base: base, partitioner: partitioner, bins: placed, fixedBound: fixedBound, slowest: slowest
        )
    }
}
