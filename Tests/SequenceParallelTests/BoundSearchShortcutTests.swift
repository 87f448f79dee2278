import CostModel
import Dispatch
import Testing

@testable import SequenceParallel

/// The case search of the lower bound, made faster without changing what it finds (docs/sequence-parallel.md §Lower
/// bound, "Solving the cases"): an LP solution whose single sequences already run at degrees whose times fit their
/// part's makespan stands for the MILP of degree indicators, and the cases' next stages are solved ahead on idle cores.
@Suite struct BoundSearchShortcutTests {
    /// Every case of random instances, at the stage before the MILP: where the LP's solution keeps the indicator rows,
    /// the MILP has the LP's value; and that happens, so the search skips MILPs.
    @Test(arguments: 0..<3)
    func solutionsThatKeepTheIndicatorsHaveTheMILPValue(seed: Int) throws {
        let pareto = TimeRowBoundTests.paretoInstance(seed: UInt64(2600 + seed), count: 160)
        let indicatorsFrom = pareto.rest[pareto.rest.count - 3]
        var kept = 0
        var broken = 0
        let cost = pareto.bound.cost
        for microBatches in pareto.microBatches {
            for d1 in cost.degrees where cost.fits(pareto.longest + pareto.second, degree: d1) {
                let pinned = [LowerBound.Pinned(lead: pareto.longest, degree: d1, companions: [(pareto.second, nil)])]
                let relaxed = try #require(
                    pareto.bound.solvePinnedLP(
                        microBatches: microBatches, buckets: pareto.buckets, pinned: pinned, timeRowsAbove: 0,
                        withTimeRows: true, indicatorsAbove: indicatorsFrom))
                let exact = try #require(
                    pareto.bound.solvePinnedLP(
                        microBatches: microBatches, buckets: pareto.buckets, pinned: pinned, timeRowsAbove: 0,
                        withTimeRows: true, integralAbove: indicatorsFrom))
                #expect(exact.value >= relaxed.value * (1 - 1e-6))
                if relaxed.breaksIndicators {
                    broken += 1
                } else {
                    kept += 1
                    #expect(
                        abs(exact.value - relaxed.value) <= 1e-6 * exact.value,
                        "M \(microBatches), d \(d1): LP \(relaxed.value), MILP \(exact.value)")
                }
            }
        }
        #expect(kept > 0, "no case kept the indicator rows (\(broken) broke them)")
    }

    /// Solving ahead on spare cores gives the same bound and the same guide as solving one case at a time.
    @Test(arguments: [0, 1, 2])
    func solvingAheadChangesNothing(seed: Int) throws {
        let cost: SequenceParallelCost
        let lengths: [Double]
        if seed == 0 {
            (cost, lengths) = TimeRowBoundTests.wideGroupsInstance()
        } else {
            let instance = TimeRowBoundTests.paretoInstance(seed: UInt64(2700 + seed), count: 400)
            (cost, lengths) = (instance.bound.cost, instance.bound.lengths)
        }
        let alone = LowerBound(cost: cost, lengths: lengths).computeGuided()
        var helped = LowerBound(cost: cost, lengths: lengths)
        helped.spareCores = SpareCores(cores: 4, running: 1)
        let ahead = helped.computeGuided()
        #expect(ahead.bound == alone.bound)
        #expect(ahead.guide?.shares == alone.guide?.shares)
        #expect(ahead.guide?.microBatches == alone.guide?.microBatches)
    }

    @Test func solveAheadHandsBackWhatItsKeyNames() {
        let spare = SpareCores(cores: 3, running: 1)
        let ahead = SolveAhead<Int, Int>(spare: spare)
        #expect(spare.idle == 2)
        for key in 0..<4 { ahead.start(key) { key * key } }
        ahead.start(2) { -1 }  // known already: not started again
        #expect(ahead.knows(3) && !ahead.knows(9))
        #expect((0..<4).map { key in ahead.value(key) { -1 } } == [0, 1, 4, 9])
        #expect(ahead.value(9) { 81 } == 81)
        ahead.drain()
        #expect(spare.idle == 2)
    }
}
