import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// The memory-time class rows of the lower bound (docs/sequence-parallel.md §Lower bound): short sequences' memory
/// costs GPU-seconds in a micro-batch that a long sequence keeps open.
@Suite struct MemoryTimeClassTests {
    static func bound(_ cost: SequenceParallelCost, _ lengths: [Int], speeds: [Double]? = nil, classes: Bool) -> Double?
    {
        var bound = LowerBound(cost: cost, lengths: lengths.map(Double.init), speeds: speeds)
        bound.memoryTimeClasses = classes
        return bound.compute()
    }

    /// Tiny instances mixing one or two long sequences (at least 1.5 GPUs' memory) with short ones, where memory
    /// binds: the bound with the rows never passes the exhaustive optimum (every aligned placement under speeds), and
    /// the rows raise it on some of them.
    @Test func neverAboveTheOptimum() throws {
        var raised = 0
        for seed in 0..<120 {
            var generator = SplitMix(seed: UInt64(70_000 + seed))
            var cost = BruteForceTests.tinyCost(gpus: seed % 2 == 0 ? 8 : 4)
            cost.tokensPerGPU = 1000
            let longCount = 1 + Int(generator.next() % 2)
            let shortCount = 3 + Int(generator.next() % 5)
            var lengths = (0..<longCount).map { _ in 1500 + Int(generator.next() % UInt64(cost.gpus * 1000 - 1500)) }
            lengths += (0..<shortCount).map { _ in 100 + Int(generator.next() % 900) }
            let speeds: [Double]? =
                seed % 4 == 3 || cost.gpus > 4
                ? nil
                : (0..<cost.gpus).map { _ in [1.0, 1.0, 0.5, 0.8, 1.5][Int(generator.next() % 5)] }
            let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init), speeds: speeds).optimum()
            let without = try #require(Self.bound(cost, lengths, speeds: speeds, classes: false))
            let with = try #require(Self.bound(cost, lengths, speeds: speeds, classes: true))
            #expect(with <= optimum * (1 + 1e-9), "seed \(seed): bound \(with) above optimum \(optimum) for \(lengths)")
            #expect(with >= without * (1 - 1e-9), "seed \(seed): \(with) below \(without)")
            if with > without * (1 + 1e-6) { raised += 1 }
        }
        // Measured: 4 of the 120 are raised (by up to 0.34 %); the rows bind where a long sequence keeps a micro-batch
        // open, which few tiny instances do, and Wikipedia batch 17 below does.
        #expect(raised >= 3, "\(raised) raised")
    }

    /// Wikipedia batch 17 at 64 GPUs: its three longest sequences keep micro-batch 0 open for 1.66 s, so the short
    /// sequences that fill memory there cost more than their work. The bound rises by 3.2 % (3.7921 → 3.9144 s) and
    /// the plan is 1.6 % above it (4.6 % before).
    @Test func wikipediaBatch17() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/batches/wikipedia-batch17.txt")
        let lengths = try LengthsFile.parse(try Data(contentsOf: url), source: url.lastPathComponent)
        #expect(lengths.count == 512)
        let cost = SequenceParallelCost.flexSPGPT7B()
        let without = try #require(Self.bound(cost, lengths, classes: false))
        let with = try #require(Self.bound(cost, lengths, classes: true))
        #expect(with >= without * 1.03, "\(with) vs \(without)")
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths)
        #expect(plan.lowerBoundSeconds.map { abs($0 - with) < 1e-9 } == true)
        #expect(plan.stepSeconds <= with * 1.02, "plan \(plan.stepSeconds), bound \(with)")
    }
}
