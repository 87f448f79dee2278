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

    /// Under unequal speeds (one rank at half speed, or speeds of 0.25 to 2) the ranges stay below the optimum over
    /// every aligned placement of the groups, and never below the planner's bound.
    @Test(arguments: 0..<24)
    func underUnequalSpeedsNeverAboveTheOptimum(seed: Int) throws {
        let (cost, sizes) = BruteForceTests.tinyInstance(seed: UInt64(8500 + seed), minimum: 3, spread: 5)
        var generator = SplitMix(seed: UInt64(8600 + seed))
        let speeds = seed % 2 == 0 ? (0..<cost.gpus).map { $0 == seed % cost.gpus ? 0.5 : 1.0 }
            : (0..<cost.gpus).map { _ in [0.25, 0.5, 1, 1, 2][Int(generator.next() % 5)] }
        let bound = LowerBound(cost: cost, lengths: sizes.map(Double.init), speeds: speeds)
        let tight = try #require(bound.computeTight(resolution: 0.01))
        #expect(tight >= (bound.compute() ?? .infinity) - 1e-9)
        let optimum = BruteForce(cost: cost, lengths: bound.lengths, speeds: speeds).optimum()
        #expect(tight <= optimum + 1e-9, "bound \(tight) above optimum \(optimum) for \(sizes) on \(speeds)")
    }

    /// The 300 sequences on 1,024 GPUs with one rank at half speed: the ranges raise the bound there too.
    @Test func underUnequalSpeedsRangesRaiseTheBoundWhereMemoryBoundGPUsIdle() throws {
        let (cost, lengths) = TimeRowBoundTests.wideGroupsInstance()
        var speeds = [Double](repeating: 1, count: cost.gpus)
        speeds[13] = 0.5
        var bound = LowerBound(cost: cost, lengths: lengths, speeds: speeds)
        bound.spareCores = SpareCores(cores: 2, running: 1)
        let tight = try #require(bound.computeTight())
        let plain = try #require(bound.compute())
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        let plan = try planner.plan(lengths: lengths.map { Int($0) })
        #expect(tight > plain * 1.01, "ranges \(tight), planner's bound \(plain)")
        #expect(tight <= plan.stepSeconds)
    }
}
