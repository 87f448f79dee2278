import CostModel
import Testing

@testable import SequenceParallel

/// Degree indicators in the lower bound (docs/sequence-parallel.md §Lower bound): for the longest single sequences a
/// binary says at which degree each runs, so the bound no longer mixes a slow and a fast degree of one sequence. They
/// must never cut off a plan (brute force, in `TimeRowBoundTests.rowsNeverExceedTheOptimum`), the lazy search must
/// give what solving every case gives, and they must raise the bound where long sequences choose between degrees.
@Suite struct IntegralDegreeBoundTests {
    @Test(arguments: 0..<4)
    func lazySearchMatchesEveryCase(seed: Int) throws {
        let instance = TimeRowBoundTests.paretoInstance(seed: UInt64(1900 + seed), count: 120)
        let (bound, longest, second, buckets) = (instance.bound, instance.longest, instance.second, instance.buckets)
        let above = instance.rest[instance.rest.count - 3]
        for microBatches in instance.microBatches {
            let lazy = try #require(
                bound.pinnedBound(
                    microBatches: microBatches, longest: longest, second: second, buckets: buckets,
                    timeRowsAbove: 0, integralAbove: above))
            let eager = try #require(
                bound.pinnedBound(
                    microBatches: microBatches, longest: longest, second: second, buckets: buckets,
                    timeRowsAbove: 0, integralAbove: above, lazily: false))
            let relaxed = try #require(
                bound.pinnedBound(
                    microBatches: microBatches, longest: longest, second: second,
                    buckets: buckets, timeRowsAbove: 0))
            #expect(abs(lazy - eager) <= 1e-5 * eager, "M \(microBatches): lazy \(lazy), every case \(eager)")
            #expect(lazy >= relaxed * (1 - 1e-9))
        }
    }

    /// 1,024 GPUs, long sequences that could run at a cheap slow degree or a costly fast one: the indicators raise the
    /// bound, which stays below the plan, and the plan (built around the LP's solution) does not change.
    @Test func indicatorsRaiseTheBoundWhereLongSequencesChoose() throws {
        let (cost, lengths) = TimeRowBoundTests.wideGroupsInstance()
        let exact = try #require(LowerBound(cost: cost, lengths: lengths).compute())
        let relaxed = try #require(LowerBound(cost: cost, lengths: lengths).compute(integralSequences: 0))
        #expect(exact > relaxed * (1 + 1e-4), "indicators \(exact), LP \(relaxed)")
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths.map { Int($0) })
        #expect(exact <= plan.stepSeconds)
        let exactGuide = LowerBound(cost: cost, lengths: lengths).computeGuided().guide?.shares
        let relaxedGuide = LowerBound(cost: cost, lengths: lengths).computeGuided(integralSequences: 0).guide?.shares
        #expect(exactGuide == relaxedGuide)
    }
}
