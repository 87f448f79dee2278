import Foundation
import Testing

@testable import CostModel

/// Per-rank pipeline memory: the split `--format megatron` writes, and the activations each rank holds at its peak
/// under Megatron-Core's 1F1B and interleaved schedules, checked against a step-by-step replay of those schedules.
@Suite struct PipelineMemoryTests {
    static func strategy(pp: Int, vp: Int, microBatches: Int) -> ParallelStrategy {
        ParallelStrategy(
            tensorParallel: 1, pipelineParallel: pp, dataParallel: 1, microBatch: 1, globalBatch: microBatches,
            sequenceLength: 4096, interleave: vp)
    }

    /// Megatron-Core's `get_schedule_table`: micro-batches in groups of PP (the last holds the rest), each group run
    /// through every chunk in turn; the chunk of each forward step.
    static func scheduleTable(pp: Int, vp: Int, microBatches: Int) -> [Int] {
        var table: [Int] = []
        var first = 0
        while first < microBatches {
            let last = first + pp >= microBatches ? microBatches : first + pp
            for chunk in 0..<vp { table += Array(repeating: chunk, count: last - first) }
            first += pp
        }
        return table
    }

    /// Replays one rank's whole schedule: the warm-up forwards, then one forward and one backward at a time (a
    /// backward runs its step's chunk in reverse order), then the remaining backwards. Returns the most layers whose
    /// activations are alive at once.
    static func replayedPeak(rank: Int, pp: Int, vp: Int, microBatches: Int, stages: [Int]) -> Int {
        let table =
            vp == 1
            ? Array(repeating: 0, count: microBatches) : scheduleTable(pp: pp, vp: vp, microBatches: microBatches)
        let total = table.count
        let warmup =
            vp == 1 ? min(pp - rank - 1, microBatches) : min(2 * (pp - rank - 1) + (vp - 1) * pp, total)
        var alive = 0
        var peak = 0
        var forwards = 0
        var backwards = 0
        func forward() {
            alive += stages[table[forwards] * pp + rank]
            forwards += 1
            peak = max(peak, alive)
        }
        func backward() {
            alive -= stages[(vp - 1 - table[backwards]) * pp + rank]
            backwards += 1
        }
        for _ in 0..<warmup { forward() }
        while forwards < total {
            forward()
            backward()
        }
        while backwards < total { backward() }
        #expect(alive == 0)
        return peak
    }

    @Test(arguments: [
        (126, 16, 4, 96), (126, 16, 8, 96), (126, 16, 1, 96), (80, 4, 5, 32), (61, 8, 2, 64), (32, 8, 2, 4),
        (32, 4, 1, 2), (48, 2, 3, 6), (94, 8, 3, 16),
    ])
    func inFlightLayersMatchTheReplayedSchedule(layers: Int, pp: Int, vp: Int, microBatches: Int) {
        let strategy = Self.strategy(pp: pp, vp: vp, microBatches: microBatches)
        let stages = strategy.virtualStageLayers(modelLayers: layers)
        #expect(stages.reduce(0, +) == layers)
        #expect((stages.max() ?? 0) - (stages.min() ?? 0) <= 1)
        let held = strategy.inFlightLayers(modelLayers: layers)
        for rank in 0..<pp {
            let replayed = Self.replayedPeak(
                rank: rank, pp: pp, vp: vp, microBatches: microBatches, stages: stages)
            #expect(held[rank] == replayed, "rank \(rank): \(held[rank]) against the replayed \(replayed)")
        }
    }

    /// A grid of splits, even and uneven, with micro-batch counts below and above the warm-up.
    @Test(arguments: [2, 3, 4, 8, 16])
    func everySplitMatchesTheReplayedSchedule(pp: Int) {
        for vp in 1...5 {
            // Down to two stages more than layers (the embedding and the loss on stages of their own).
            for layers in [2 * pp * vp, 2 * pp * vp + 1, 2 * pp * vp + 7, 3 * pp * vp - 1, 2 * pp * vp + 37]
                + [pp * vp - 2, pp * vp - 1].filter({ $0 >= 1 })
            {
                for microBatches in [1, pp - 1, pp, pp + 1, 2 * pp + 3, 4 * pp, 9 * pp, 10 * pp + 3]
                where microBatches >= 1 {
                    let strategy = Self.strategy(pp: pp, vp: vp, microBatches: microBatches)
                    let stages = strategy.virtualStageLayers(modelLayers: layers)
                    let held = strategy.inFlightLayers(modelLayers: layers)
                    for rank in 0..<pp {
                        let replayed = Self.replayedPeak(
                            rank: rank, pp: pp, vp: vp, microBatches: microBatches, stages: stages)
                        #expect(
                            held[rank] == replayed, "\(layers) layers, \(pp) × \(vp), m \(microBatches), rank \(rank)")
                    }
                }
            }
        }
    }

    /// Why the memory model prices only the first, second and last ranks: no middle rank holds more layers or more
    /// activations than the second, over every uneven split of this grid (every rank replayed).
    @Test(arguments: [3, 4, 5, 6, 8, 12, 16, 32])
    func middleRanksNeverPassTheSecond(pp: Int) {
        for vp in 1...10 {
            let fewer = [pp * vp - 2, pp * vp - 1].filter { $0 >= 1 }
            for layers in fewer + Array(stride(from: pp * vp + 1, through: 3 * pp * vp + 5, by: max(1, pp * vp / 7)))
            where layers % (pp * vp) != 0 {
                for microBatches in [1, 2, pp - 1, pp, pp + 1, 2 * pp + 1, 3 * pp, 8 * pp + 3] {
                    let strategy = Self.strategy(pp: pp, vp: vp, microBatches: microBatches)
                    let held = strategy.inFlightLayers(modelLayers: layers)
                    let owned = strategy.rankLayers(modelLayers: layers)
                    #expect(strategy.rankCandidates(modelLayers: layers) == [0, 1, pp - 1])
                    for rank in 2..<(pp - 1) {
                        #expect(
                            held[rank] <= held[1] && owned[rank] <= owned[1],
                            "\(layers) layers, \(pp) × \(vp), m \(microBatches): rank \(rank)")
                    }
                }
            }
        }
    }

    /// On an even split the first rank holds p·(1 + (p−1)/(p·v)) micro-batches of its layers (Korthikanti et al.).
    @Test func evenSplitKeepsTheInterleavingFactor() {
        let strategy = Self.strategy(pp: 8, vp: 4, microBatches: 64)
        let held = strategy.inFlightLayers(modelLayers: 64)
        let factor: Double = 1 + 7.0 / 32
        #expect(Double(held[0]) == 64 * factor)
        #expect(held == held.sorted(by: >))
    }

    /// Llama 3.1 405B over 16 × 4 stages as Megatron-Bridge runs it: the first and last virtual stages take one layer
    /// (they also hold the embedding and the loss), so the first rank holds 7 layers and the second, with 8 and two
    /// chunk forwards fewer, holds the most activations and sets the peak.
    @Test func unevenSplitPeaksOnTheSecondRank() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3.1-405b"))
        var strategy = ParallelStrategy(
            tensorParallel: 4, pipelineParallel: 16, dataParallel: 4, microBatch: 1, globalBatch: 1536,
            sequenceLength: 8192, sequenceParallel: true, interleave: 4, fp8: true)
        strategy.gradientReduceFP32 = false
        #expect(strategy.rankLayers(modelLayers: 126) == [7] + Array(repeating: 8, count: 14) + [7])
        let held = strategy.inFlightLayers(modelLayers: 126)
        // The first rank: 31 forwards of its one-layer chunk and 48 of two-layer ones; the second: 77 of two.
        #expect(held[0] == 127)
        #expect(held[1] == 154)
        let memory = model.memory(strategy: strategy)
        let perLayer = model.activationBytesPerLayer(strategy: strategy)
        #expect(abs(memory.activations - perLayer * 154) <= 1e-6 * memory.activations)
        // The second rank's eighth layer outweighs the first rank's embedding.
        let (first, second) = (
            model.rankParameters(strategy: strategy, rank: 0), model.rankParameters(strategy: strategy, rank: 1)
        )
        #expect(second.total > first.total)
        #expect(abs(memory.parameters - 2 * second.total) <= 1e-6 * memory.parameters)
    }

    /// With interleaving the last rank runs (v − 1)·p + 1 chunk forwards before its first backward, not one.
    @Test func lastRankHoldsItsInterleavedWarmUp() {
        let strategy = Self.strategy(pp: 4, vp: 2, microBatches: 16)
        let held = strategy.inFlightLayers(modelLayers: 32)
        #expect(held[3] == 20)
        #expect(Self.strategy(pp: 4, vp: 1, microBatches: 16).inFlightLayers(modelLayers: 32)[3] == 8)
    }
}
