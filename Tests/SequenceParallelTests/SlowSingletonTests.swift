import CostModel
import ExecutionPlan
import Foundation
import Testing

@testable import SequenceParallel

/// Slow ranks packed as single-GPU groups that hold only what they finish at their speed
/// (`MicroBatchPacker.slowSingletons`; docs/sequence-parallel.md §Ranks of unequal speed).
@Suite struct SlowSingletonTests {
    /// The tiny cost on `ranks` GPUs with `slow` of them kept out, degrees up to `widest`.
    static func tinyCost(ranks: Int, slow: Int, widest: Int) -> SequenceParallelCost {
        var cost = BruteForceTests.tinyCost(gpus: ranks)
        cost.gpus = ranks - slow
        cost.degrees = cost.degrees.filter { $0 <= widest }
        return cost
    }

    /// Sequences of 200 to `longest` tokens while their sum stays within `memory` tokens.
    static func tinyBatch(_ generator: inout SplitMix, longest: Int, memory: Double) -> [Double] {
        var lengths: [Double] = []
        while true {
            let next = Double(200 + Int(generator.next() % UInt64(longest - 200)))
            guard lengths.reduce(next, +) <= memory else { return lengths }
            lengths.append(next)
        }
    }

    /// Tiny instances on seven GPUs and one slow singleton: every sequence placed once, within memory, and placed on
    /// eight ranks (the slow one anywhere) no group runs past the makespan the packing states. Some packings put
    /// sequences on the slow rank, which the check is for.
    @Test func packingsRunWithinTheirMakespanOnTheRanks() throws {
        var slowRankUsed = 0
        var unpacked = 0
        for seed in 0..<48 {
            var generator = SplitMix(seed: UInt64(4000 + seed))
            let speed = [0.25, 0.5, 0.75][seed % 3]
            let cost = Self.tinyCost(ranks: 8, slow: 1, widest: 4)
            // Sequences of 200-5,800 tokens (at most two GPUs each) up to six GPUs' memory.
            let lengths = Self.tinyBatch(&generator, longest: 5800, memory: 6 * cost.tokensPerGPU)
            let table = SequenceTable(cost: cost, lengths: lengths)
            var packer = MicroBatchPacker(table: table, roomiestFallback: false)
            packer.slowSingletons = [speed]
            let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
            // Whole sequences may not pack on seven GPUs (four needing two GPUs each); those are counted.
            guard let packed = packer.minimumMakespan(order) else {
                unpacked += 1
                continue
            }
            #expect(packed.groups.flatMap(\.sequences).sorted() == Array(lengths.indices))
            #expect(packed.groups.reduce(0) { $0 + $1.degree } <= 8)
            for group in packed.groups {
                #expect(group.tokensPerGPU <= cost.tokensPerGPU * (1 + 1e-9))
            }
            let slowRank = seed % 8
            let speeds = (0..<8).map { $0 == slowRank ? speed : 1.0 }
            let placed = SpeedLayout(table: table, speeds: speeds).place(packed.groups)
            let slowest = placed.map(\.seconds).max() ?? 0
            #expect(
                slowest <= packed.limit * (1 + 1e-9), "seed \(seed): \(slowest) on the ranks, \(packed.limit) stated")
            if placed.contains(where: { $0.firstRank <= slowRank && slowRank < $0.firstRank + $0.group.degree }) {
                slowRankUsed += 1
            }
        }
        #expect(unpacked <= 12, "\(unpacked) of 48 instances did not pack")
        #expect(slowRankUsed >= 14, "the slow rank held sequences in \(slowRankUsed) of 48 packings")
    }

    /// Where the other GPUs' memory is full, the slow singleton holds what no packing of them alone can.
    @Test func theSingletonAddsMemory() throws {
        var cost = BruteForceTests.tinyCost(gpus: 8)
        cost.gpus = 7
        cost.degrees = cost.degrees.filter { $0 <= 4 }
        // Eight sequences of nine tenths of a GPU's memory each: seven GPUs hold seven.
        let lengths = [Double](repeating: 0.9 * cost.tokensPerGPU, count: 8)
        let table = SequenceTable(cost: cost, lengths: lengths)
        var packer = MicroBatchPacker(table: table, roomiestFallback: false)
        #expect(packer.minimumMakespan(Array(lengths.indices)) == nil)
        packer.slowSingletons = [0.5]
        let packed = try #require(packer.minimumMakespan(Array(lengths.indices)))
        let time = table.time[0 * table.degrees.count]
        // One sequence per GPU; the slow one takes twice as long, and sets the makespan.
        #expect(abs(packed.limit - 2 * time) <= 1e-9 * time)
        #expect(packed.groups.count == 8 && packed.groups.allSatisfy { $0.degree == 1 })
    }

    /// Wikipedia batch 8 with rank 13 at half speed. Its two micro-batches are memory-bound but for the longest
    /// sequence's group, so the slow rank should sit alone, holding what it finishes: the plan went from 4.472 s
    /// (5.6 % above its bound; the slow rank inside a group of four in one micro-batch, 39 % of four GPUs' memory
    /// unused) to 4.371 s with singletons.
    @Test func wikipediaBatchEightRunsTheSlowRankAlone() throws {
        let (lengths, cost, speeds, result) = try Self.planOn64GPUs("wikipedia-batch8.txt")
        #expect(lengths.count == 512 && lengths.reduce(0, +) == 631_168)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(result.stepSeconds <= 4.40, "step \(result.stepSeconds)")
        #expect(result.stepSeconds <= bound * 1.036, "step \(result.stepSeconds) against bound \(bound)")
        for microBatch in result.microBatches {
            let holding = microBatch.groups.filter { $0.firstRank <= 13 && 13 < $0.firstRank + $0.degree }
            #expect(holding.allSatisfy { $0.degree == 1 }, "rank 13 in \(holding.map(\.degree))")
        }
        try Self.expectStatedTimes(result, cost: cost, lengths: lengths, speeds: speeds)
    }

    /// A batch of `Examples/batches` planned on 64 GPUs (FlexSP's GPT-7B profile) with rank 13 at half speed, or
    /// with `speeds`.
    static func planOn64GPUs(
        _ file: String, speeds: [Double] = (0..<64).map { $0 == 13 ? 0.5 : 1.0 }
    ) throws -> (lengths: [Int], cost: SequenceParallelCost, speeds: [Double], result: SequenceParallelResult) {
        let url = SequenceParallelSpeedTests.root.appendingPathComponent("Examples/batches/\(file)")
        let lengths = try LengthsFile.parse(try Data(contentsOf: url), source: file)
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let result = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(
            lengths: lengths)
        return (lengths, cost, speeds, result)
    }

    /// Each micro-batch's stated time is its slowest group's, under the attention scheme the group states, at that
    /// group's slowest rank.
    static func expectStatedTimes(
        _ result: SequenceParallelResult, cost: SequenceParallelCost, lengths: [Int], speeds: [Double]
    ) throws {
        for microBatch in result.microBatches {
            let slowest =
                try microBatch.groups.map { group in
                    let scheme = try cost.scheme(degree: group.degree, ulysses: group.ulysses, ring: group.ring).get()
                    let load = group.sequences.reduce(0.0) {
                        $0 + cost.time(Double(lengths[$1]), degree: group.degree, scheme: scheme)
                    }
                    return load / (speeds[group.firstRank..<(group.firstRank + group.degree)].min() ?? 1)
                }.max() ?? 0
            #expect(abs(slowest + cost.beta1 - microBatch.predictedSeconds) <= 1e-6 * microBatch.predictedSeconds)
        }
    }
}

/// The memory-dense steps built beside slow ranks: no group narrower than a floor, each on an aligned block without
/// a slow rank (`FreeBlocks`), the ranks beside a slow one and the singletons taking what fits no wider group.
@Suite struct SlowRankDenseStepTests {
    /// Sixteen ranks, ranks 5 and 10 at half speed (kept out: fourteen GPUs and two singletons), no group narrower
    /// than four: fourteen GPUs would take three groups of four, but only two blocks of four lack a slow rank. Every
    /// packing runs with no wide group on a slow rank, within the makespan it states, and some use the ranks beside
    /// the slow ones (narrower than the floor) or the singletons.
    @Test func floorsKeepGroupsOffSlowBlocks() throws {
        var besideTheFloor = 0
        var packings = 0
        for seed in 0..<32 {
            var generator = SplitMix(seed: UInt64(7000 + seed))
            let cost = SlowSingletonTests.tinyCost(ranks: 16, slow: 2, widest: 8)
            let lengths = SlowSingletonTests.tinyBatch(&generator, longest: 6200, memory: 10 * cost.tokensPerGPU)
            let table = SequenceTable(cost: cost, lengths: lengths)
            var packer = MicroBatchPacker(table: table, roomiestFallback: false)
            packer.slowSingletons = [0.5, 0.5]
            packer.freeBlocks = FreeBlocks(ranks: 16, excluded: (0..<16).map { $0 == 5 || $0 == 10 })
            packer.firstColumn = try #require(table.degrees.firstIndex(of: 4))
            let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
            guard let packed = packer.minimumMakespan(order) else { continue }
            packings += 1
            #expect(packed.groups.flatMap(\.sequences).sorted() == Array(lengths.indices))
            let degrees = packed.groups.map(\.degree)
            let speeds = (0..<16).map { $0 == 5 || $0 == 10 ? 0.5 : 1.0 }
            let placed = SpeedLayout(table: table, speeds: speeds).place(packed.groups)
            for group in placed where group.group.degree > 1 {
                let ranks = group.firstRank..<(group.firstRank + group.group.degree)
                #expect(!ranks.contains(5) && !ranks.contains(10), "seed \(seed): \(degrees)")
            }
            let slowest = placed.map(\.seconds).max() ?? 0
            #expect(
                slowest <= packed.limit * (1 + 1e-9), "seed \(seed): \(slowest) on the ranks, \(packed.limit) stated")
            if degrees.contains(where: { $0 < 4 }) { besideTheFloor += 1 }
        }
        #expect(packings >= 28, "\(packings) of 32 instances packed")
        #expect(besideTheFloor >= 16, "\(besideTheFloor) packings used ranks beside the floor")
    }

    /// Wikipedia batch 8 with a node (ranks 8-15) at 0.7. At nominal speed its two micro-batches keep 18 % of their
    /// memory free, so the memory-dense steps were not built beside the slow ranks: 4.552 s. Built whatever the fill
    /// (`denseBesideSlowRanks`), 4.506 s.
    @Test func denseStepsBesideASlowNodeWhereMemoryHasRoom() throws {
        let speeds = (0..<64).map { (8..<16).contains($0) ? 0.7 : 1.0 }
        let (lengths, cost, _, result) = try SlowSingletonTests.planOn64GPUs(
            "wikipedia-batch8.txt", speeds: speeds)
        #expect(result.stepSeconds <= 4.52, "step \(result.stepSeconds)")
        #expect(result.stepSeconds >= result.lowerBoundSeconds ?? .infinity)
        try SlowSingletonTests.expectStatedTimes(result, cost: cost, lengths: lengths, speeds: speeds)
    }

    /// Llama-3-70B on 128 H100s with the benchmark's Wikipedia lengths (four micro-batches, 99 % of their memory
    /// used at nominal speed), rank 13 at half speed. The nominal plan's first micro-batch is one group of all 128
    /// ranks; without it, the plan took 15.454 s (10 % above the nominal 13.994 s × 128/127.5). With the dense steps
    /// beside the slow rank it takes 14.949 s, each micro-batch's time its slowest group's at its slowest rank.
    @Test func memoryBoundStepAroundASlowRank() throws {
        let file = HeadLimitTests.models.deletingLastPathComponent()
            .appendingPathComponent("batches/wikipedia-128gpu.txt")
        let lengths = try LengthsFile.parse(try Data(contentsOf: file), source: file.lastPathComponent)
        let model = try #require(TransformerModel.preset(named: "llama-3-70b"))
        let cost = try SequenceParallelCost.derive(model: model, cluster: try Cluster.preset("hgx-h100:16"))
        let speeds = (0..<128).map { $0 == 13 ? 0.5 : 1.0 }
        let result = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(
            lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(result.stepSeconds <= 15.0, "step \(result.stepSeconds)")
        #expect(result.stepSeconds >= bound)
        #expect(try result.executionPlan().firstInvariantViolation() == nil)
        try SlowSingletonTests.expectStatedTimes(result, cost: cost, lengths: lengths, speeds: speeds)
        for microBatch in result.microBatches {
            for group in microBatch.groups {
                let tokens = group.sequences.reduce(0.0) { $0 + Double(lengths[$1]) }
                #expect(tokens / Double(group.degree) <= cost.tokensPerGPU * (1 + 1e-9))
                #expect(model.heads % (group.ulysses ?? group.degree) == 0)
            }
        }
    }
}
