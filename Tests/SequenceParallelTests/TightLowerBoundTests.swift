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
        #expect(Self.gainsBelowTheOptimum(seed: 8300, count: 6, lengths: 200..<9_200) > 0)
    }

    /// Tiny instances that fit one micro-batch, where the raised floor on its makespan charges its memory-bound GPUs:
    /// some gain, and none passes the optimum.
    @Test func raisedFloorLiftsTheBoundOfOneMicroBatchOnSomeTinyInstance() throws {
        #expect(Self.gainsBelowTheOptimum(seed: 8800, count: 5, lengths: 1_000..<8_000, oneMicroBatch: true) > 0)
    }

    /// On 40 random instances of 8 GPUs (those whose tokens fit one micro-batch, with `oneMicroBatch`): how many the
    /// ranges raise above the planner's bound, each checked against the brute-force optimum.
    static func gainsBelowTheOptimum(
        seed: UInt64, count: Int, lengths range: Range<Int>,
        oneMicroBatch: Bool = false
    ) -> Int {
        var gains = 0
        let cost = BruteForceTests.tinyCost(gpus: 8)
        for offset in 0..<40 {
            var generator = SplitMix(seed: seed + UInt64(offset))
            let lengths = (0..<count).map { _ in
                Double(range.lowerBound + Int(generator.next() % UInt64(range.count)))
            }
            if oneMicroBatch && lengths.reduce(0, +) > 8 * cost.tokensPerGPU { continue }
            let bound = LowerBound(cost: cost, lengths: lengths)
            guard let tight = bound.computeTight(resolution: 0.01), let plain = bound.compute(),
                tight > plain * (1 + 1e-6)
            else { continue }
            gains += 1
            let optimum = BruteForce(cost: cost, lengths: lengths).optimum()
            #expect(tight <= optimum + 1e-9, "bound \(tight) above optimum \(optimum) for \(lengths)")
        }
        return gains
    }

    /// One micro-batch of 300 sequences on 1,024 GPUs, where memory, not time, decides what most GPUs hold: the
    /// planner's bound leaves their idle time out above the longest sequence's group time; the range charges it.
    @Test func rangesRaiseTheBoundWhereMemoryBoundGPUsIdle() throws {
        let (cost, lengths) = TimeRowBoundTests.wideGroupsInstance()
        var bound = LowerBound(cost: cost, lengths: lengths)
        bound.spareCores = SpareCores(cores: 2, running: 1)
        let tight = try #require(bound.computeTight())
        let plain = try #require(bound.compute())
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths.map { Int($0) })
        try #require(plan.microBatches.count == 1)
        #expect(tight > plain * 1.10, "ranges \(tight), planner's bound \(plain)")
        #expect(tight <= plan.stepSeconds)
    }

    /// Under unequal speeds (one rank at half speed, or speeds of 0.25 to 2) the ranges stay below the optimum over
    /// every aligned placement of the groups, and never below the planner's bound.
    @Test(arguments: 0..<24)
    func underUnequalSpeedsNeverAboveTheOptimum(seed: Int) throws {
        let (cost, sizes) = BruteForceTests.tinyInstance(seed: UInt64(8500 + seed), minimum: 3, spread: 5)
        var generator = SplitMix(seed: UInt64(8600 + seed))
        let speeds =
            seed % 2 == 0
            ? (0..<cost.gpus).map { $0 == seed % cost.gpus ? 0.5 : 1.0 }
            : (0..<cost.gpus).map { _ in [0.25, 0.5, 1, 1, 2][Int(generator.next() % 5)] }
        let bound = LowerBound(cost: cost, lengths: sizes.map(Double.init), speeds: speeds)
        let tight = try #require(bound.computeTight(resolution: 0.01))
        #expect(tight >= (bound.compute() ?? .infinity) - 1e-9)
        let optimum = BruteForce(cost: cost, lengths: bound.lengths, speeds: speeds).optimum()
        #expect(tight <= optimum + 1e-9, "bound \(tight) above optimum \(optimum) for \(sizes) on \(speeds)")
    }

    /// The 300 sequences on 1,024 GPUs with one rank at half speed: the raised floor lifts the bound there too.
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
        #expect(tight > plain * 1.10, "ranges \(tight), planner's bound \(plain)")
        #expect(tight <= plan.stepSeconds)
    }
}
