import CostModel
import Testing

@testable import SequenceParallel

/// Micro-batch 0 split around the longest sequence's group: never below the aggregate LP, never above a plan, and
/// much tighter where the longest sequence needs most of the cluster (the brute-force suite checks it against exact
/// optima on tiny instances).
@Suite struct SplitBoundTests {
    @Test(arguments: 0..<12)
    func splitIsAtLeastTheAggregateAndAtMostThePlan(seed: Int) throws {
        var random = SplitMix(seed: UInt64(300 + seed))
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        // A long tail: one sequence of 12-30 GPUs' memory, the rest short.
        let longest = Double(12 + Int(random.next() % 19)) * cost.tokensPerGPU
        let lengths = [longest] + (0..<400).map { _ in Double(256 + random.next() % 6_000) }
        let bound = LowerBound(cost: cost, lengths: lengths)
        let sorted = Array(lengths.sorted().dropLast())
        let work = { (s: Double) in
            cost.degrees.filter { cost.fits(s, degree: $0) }.map { Double($0) * cost.time(s, degree: $0) }.min()
                ?? .infinity
        }
        let buckets = LowerBound.buckets(sorted, ratio: 1.05).map {
            (count: $0.count, length: $0.length, work: work($0.length))
        }
        let memoryMinimum = Int((lengths.reduce(0, +) / (64 * cost.tokensPerGPU)).rounded(.up))
        var tighter = false
        for microBatches in memoryMinimum...(memoryMinimum + 2) {
            for degree in cost.degrees where cost.fits(longest, degree: degree) {
                let aggregate = try #require(
                    bound.solveLP(
                        microBatches: microBatches, buckets: buckets,
                        longest: (
                            longest, Double(degree) * cost.time(longest, degree: degree),
                            cost.time(longest, degree: degree)
                        )))
                let split = try #require(
                    bound.solveSplitLP(microBatches: microBatches, buckets: buckets, longest: longest, degree: degree))
                #expect(split >= aggregate * (1 - 1e-9), "M \(microBatches), d \(degree)")
                if split > aggregate * 1.01 { tighter = true }
            }
        }
        #expect(tighter)
        let result = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths.map { Int($0) })
        #expect(try #require(result.lowerBoundSeconds) <= result.stepSeconds)
    }
}
