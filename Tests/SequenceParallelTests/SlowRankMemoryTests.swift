import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// A slow rank holds at most speed × makespan ÷ (the least GPU-seconds per token) tokens, whatever its memory: the
/// bound's rows for it (`LowerBound.slowRankMemoryRows`) stay below every plan and raise the bound where memory binds.
@Suite struct SlowRankMemoryTests {
    /// Tiny instances with one rank at a quarter speed, solved exhaustively over every aligned placement: the bound
    /// with the rows never passes the optimum, never falls below the bound without them, and rises on some.
    @Test func rowsStayBelowTheOptimumAndBind() throws {
        var raised = 0
        for seed in 0..<24 {
            let (cost, lengths) = BruteForceTests.tinyInstance(seed: UInt64(3000 + seed), minimum: 5, spread: 3)
            let speeds = (0..<cost.gpus).map { $0 == seed % cost.gpus ? 0.25 : 1.0 }
            let with = LowerBound(cost: cost, lengths: lengths.map(Double.init), speeds: speeds)
            var without = with
            without.slowRankMemoryRows = false
            let bound = try #require(with.compute())
            let looser = try #require(without.compute())
            let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init), speeds: speeds).optimum()
            #expect(bound <= optimum * (1 + 1e-9), "bound \(bound) above optimum \(optimum) for \(lengths)")
            #expect(bound >= looser * (1 - 1e-9))
            if bound > looser * 1.001 { raised += 1 }
        }
        // 9 of the 24 when the rows were added (up to 6 %).
        #expect(raised >= 6, "the rows raised \(raised) bounds")
    }

    /// Wikipedia batch 9 with rank 13 at half speed: its 102,912-token sequence takes the half of the ranks without
    /// the slow one, and the other micro-batches are memory-bound, where the slow rank's memory only half fills.
    @Test func wikipediaBatchNineBoundRises() throws {
        let text = try String(
            contentsOf: SequenceParallelSpeedTests.root.appendingPathComponent("Examples/batches/wikipedia-batch9.txt"),
            encoding: .utf8)
        let lengths = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(lengths.count == 512 && lengths.max() == 102_912)
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let speeds = (0..<64).map { $0 == 13 ? 0.5 : 1.0 }
        let with = LowerBound(cost: cost, lengths: lengths.map(Double.init), speeds: speeds)
        var without = with
        without.slowRankMemoryRows = false
        let bound = try #require(with.compute())
        let looser = try #require(without.compute())
        // 6.305 → 6.342 s when the rows were added.
        #expect(bound >= looser * 1.004, "bound \(bound) against \(looser) without the rows")
        let plan = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(lengths: lengths)
        #expect(plan.stepSeconds >= bound)
        #expect(try #require(plan.lowerBoundSeconds) >= bound * (1 - 1e-9))
    }
}
