import CostModel
import Testing
@testable import SequenceParallel

/// The bound over makespan ranges (docs/sequence-parallel.md §Lower bound, "Makespan ranges"): never above the
/// optimum (brute force on tiny instances), never below the planner's bound, and above it where a micro-batch's
/// memory-bound GPUs idle for want of a floor on its makespan.
@Suite struct TightLowerBoundTests {
    @Test(arguments: 0..<32)
    func neverAboveTheOptimumNorBelowThePlannersBound(seed: Int) throws {
        let (cost, sizes) = BruteForceTests.tinyInstance(seed: UInt64(8100 + seed), minimum: 3, spread: 6)
        let bound = LowerBound(cost: cost, lengths: sizes.map(Double.init))
        let tight = try #require(bound.computeTight(resolution: 0.01))
        #expect(tight >= (bound.compute() ?? .infinity) - 1e-9)
        let optimum = BruteForce(cost: cost, lengths: bound.lengths).optimum()
        #expect(tight <= optimum + 1e-9, "bound \(tight) above optimum \(optimum) for \(sizes) on \(cost.gpus) GPUs")
    }

    /// Tiny instances of two micro-batches where the ranges bind: some gain, and none passes the optimum.
    @Test func rangesRaiseTheBoundOnSomeTinyInstance() throws {
        var gains = 0
        for seed in 0..<40 {
            var generator = SplitMix(seed: UInt64(8300 + seed))
            let cost = BruteForceTests.tinyCost(gpus: 8)
            let lengths = (0..<6).map { _ in Double(200 + Int(generator.next() % 9_000)) }
            let bound = LowerBound(cost: cost, lengths: lengths)
            guard let tight = bound.computeTight(resolution: 0.01), let plain = bound.compute() else { continue }
            if tight > plain * (1 + 1e-6) {
                gains += 1
                let optimum = BruteForce(cost: cost, lengths: lengths).optimum()
                #expect(tight <= optimum + 1e-9, "bound \(tight) above optimum \(optimum) for \(lengths)")
            }
        }
        #expect(gains > 0)
    }

    /// A second micro-batch's GPUs idle where memory, not time, decides what they hold: 300 sequences on 1,024 GPUs.
    @Test func rangesRaiseTheBoundWhereMemoryBoundGPUsIdle() throws {
        let (cost, lengths) = TimeRowBoundTests.wideGroupsInstance()
        var bound = LowerBound(cost: cost, lengths: lengths)
        bound.spareCores = SpareCores(cores: 2, running: 1)
        let tight = try #require(bound.computeTight())
        let plain = try #require(bound.compute())
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths.map { Int($0) })
        #expect(tight > plain * 1.01, "ranges \(tight), planner's bound \(plain)")
        #expect(tight <= plan.stepSeconds)
    }

    /// Under unequal speeds the ranges are not used: the bound over every micro-batch count, two included.
    @Test func unequalSpeedsKeepThePlannersBound() throws {
        let instance = TimeRowBoundTests.paretoInstance(seed: 8400, count: 120)
        try #require(instance.microBatches.lowerBound == 2)
        var speeds = [Double](repeating: 1, count: 64)
        speeds[13] = 0.5
        let bound = LowerBound(cost: instance.bound.cost, lengths: instance.bound.lengths, speeds: speeds)
        #expect(bound.computeTight() == bound.compute(integralSequences: LowerBound.tightIntegralSequences))
    }
}
