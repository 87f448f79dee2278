import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// A rank's sequences fit both its memory and its speed × makespan: the bound's speed-class rows
/// (`LowerBound.addSpeedClassRows`, on while `slowRankMemoryRows`) stay below every plan and raise the bound where
/// memory binds, a slow rank's memory only half filled, a fast rank's speed unused.
@Suite struct SlowRankMemoryTests {
    /// Tiny instances with one rank at a quarter speed, solved exhaustively over every aligned placement: the bound
    /// with the rows never passes the optimum, never falls below the bound without them, and rises on some.
    @Test func rowsStayBelowTheOptimumAndBind() throws {
        var raised = 0
        for seed in 0..<24 {
            let (cost, lengths) = BruteForceTests.tinyInstance(seed: UInt64(3000 + seed), minimum: 5, spread: 3)
            let speeds = (0..<cost.gpus).map { $0 == seed % cost.gpus ? 0.25 : 1.0 }
            if try raisesWithinTheOptimum(cost: cost, lengths: lengths, speeds: speeds) { raised += 1 }
        }
        // 9 of the 24 when the rows were added (up to 6 %, the slow ranks pooled, nothing pinned); 13 since each
        // micro-batch has them, pinned or not, by bucket (up to 11.6 %).
        #expect(raised >= 11, "the rows raised \(raised) bounds")
    }

    /// Speeds of 0.25-2 on tiny instances, solved over every aligned placement: the rows by speed class never pass
    /// the optimum and raise some bounds, where a fast rank's memory caps what its speed could do.
    @Test func speedClassesStayBelowTheOptimumAndBind() throws {
        var raised = 0
        for seed in 0..<16 {
            let (cost, lengths) = BruteForceTests.tinyInstance(seed: UInt64(3100 + seed), minimum: 5, spread: 3)
            var generator = SplitMix(seed: UInt64(3200 + seed))
            let speeds = (0..<cost.gpus).map { _ in [0.25, 0.5, 1, 2][Int(generator.next() % 4)] }
            if try raisesWithinTheOptimum(cost: cost, lengths: lengths, speeds: speeds) { raised += 1 }
        }
        // 3 of the 16 (by 0.4-3.5 %) when the classes were added.
        #expect(raised >= 2, "the rows raised \(raised) bounds")
    }

    /// Checks the bound with the rows against the exhaustive optimum and the bound without them; whether it rose.
    private func raisesWithinTheOptimum(cost: SequenceParallelCost, lengths: [Int], speeds: [Double]) throws -> Bool {
        let with = LowerBound(cost: cost, lengths: lengths.map(Double.init), speeds: speeds)
        var without = with
        without.slowRankMemoryRows = false
        let bound = try #require(with.compute())
        let looser = try #require(without.compute())
        let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init), speeds: speeds).optimum()
        #expect(bound <= optimum * (1 + 1e-9), "bound \(bound) above optimum \(optimum) for \(lengths) on \(speeds)")
        #expect(bound >= looser * (1 - 1e-9))
        return bound > looser * 1.001
    }

    /// More distinct speeds than classes are pooled in equal numbers of ranks, each class at its fastest speed.
    @Test func distinctSpeedsArePooledIntoClasses() {
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let speeds = (0..<64).map { 0.5 + Double($0) / 64 }
        let classes = LowerBound(cost: cost, lengths: [1000], speeds: speeds).speedClasses ?? []
        #expect(classes.count == LowerBound.speedClassLimit)
        #expect(classes.map(\.ranks).reduce(0, +) == 64 && classes.allSatisfy { $0.ranks == 8 })
        #expect(classes.first?.speed == speeds.max() && classes.last?.speed == speeds[7])
        let two = LowerBound(cost: cost, lengths: [1000], speeds: (0..<64).map { $0 == 13 ? 0.5 : 1 }).speedClasses
        #expect(two?.map(\.ranks) == [63, 1] && two?.map(\.speed) == [1, 0.5])
        #expect(LowerBound(cost: cost, lengths: [1000], speeds: Array(repeating: 0.8, count: 64)).speedClasses == nil)
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
