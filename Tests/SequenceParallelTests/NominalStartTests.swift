import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// Under speeds the exchange search starts from the plan made at nominal speed where planning is cheap
/// (`SequenceParallelPlanner.nominalPlanned`; docs/sequence-parallel.md §Ranks of unequal speed).
@Suite struct NominalStartTests {
    /// Wikipedia batch 16 with rank 13 at half speed. Its nominal plan (eight groups of eight, then one sequence set
    /// per GPU) placed and searched on the ranks beats every step the planner built before: 3.0078 s → 2.9776 s, the
    /// gap to the bound 3.0 % → 2.0 %.
    @Test func wikipediaBatchSixteenStartsFromTheNominalPlan() throws {
        let (lengths, cost, speeds, result) = try SlowSingletonTests.planOn64GPUs(
            "wikipedia-batch16.txt")
        #expect(lengths.count == 512 && lengths.reduce(0, +) == 484_608)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(result.stepSeconds <= 2.99, "step \(result.stepSeconds)")
        #expect(result.stepSeconds >= bound)
        try SlowSingletonTests.expectStatedTimes(result, cost: cost, lengths: lengths, speeds: speeds)
        #expect(try result.executionPlan().firstInvariantViolation() == nil)
        #expect(result.microBatches.flatMap(\.groups).flatMap(\.sequences).sorted() == Array(lengths.indices))
    }
}
