import CostModel
import ExecutionPlan
import Foundation
import Testing

@testable import SequenceParallel

/// Slow ranks packed as single-GPU groups that hold only what they finish at their speed
/// (`MicroBatchPacker.slowSingletons`; docs/sequence-parallel.md §Ranks of unequal speed).
@Suite struct SlowSingletonTests {
    /// Tiny instances on seven GPUs and one slow singleton: every sequence placed once, within memory, and placed on
    /// eight ranks (the slow one anywhere) no group runs past the makespan the packing states. Some packings put
    /// sequences on the slow rank, which the check is for.
    @Test func packingsRunWithinTheirMakespanOnTheRanks() throws {
        var slowRankUsed = 0
        var unpacked = 0
        for seed in 0..<48 {
            var generator = SplitMix(seed: UInt64(4000 + seed))
            let speed = [0.25, 0.5, 0.75][seed % 3]
            var cost = BruteForceTests.tinyCost(gpus: 8)
            cost.gpus = 7
            cost.degrees = cost.degrees.filter { $0 <= 4 }
            // Sequences of 200-5,800 tokens (at most two GPUs each) up to six GPUs' memory.
            var lengths: [Double] = []
            while true {
                let next = Double(200 + Int(generator.next() % 5600))
                guard lengths.reduce(next, +) <= 6 * cost.tokensPerGPU else { break }
                lengths.append(next)
            }
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
        let text = try String(
            contentsOf: SequenceParallelSpeedTests.root.appendingPathComponent("Examples/batches/wikipedia-batch8.txt"),
            encoding: .utf8)
        let lengths = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(lengths.count == 512 && lengths.reduce(0, +) == 631_168)
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let speeds = (0..<64).map { $0 == 13 ? 0.5 : 1.0 }
        let result = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(
            lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(result.stepSeconds <= 4.40, "step \(result.stepSeconds)")
        #expect(result.stepSeconds <= bound * 1.036, "step \(result.stepSeconds) against bound \(bound)")
        for microBatch in result.microBatches {
            let holding = microBatch.groups.filter { $0.firstRank <= 13 && 13 < $0.firstRank + $0.degree }
            #expect(holding.allSatisfy { $0.degree == 1 }, "rank 13 in \(holding.map(\.degree))")
        }
        // Each micro-batch's stated time is its slowest group's at that group's slowest rank.
        for microBatch in result.microBatches {
            let slowest =
                microBatch.groups.map { group in
                    let load = group.sequences.reduce(0.0) { $0 + cost.time(Double(lengths[$1]), degree: group.degree) }
                    return load / (speeds[group.firstRank..<(group.firstRank + group.degree)].min() ?? 1)
                }.max() ?? 0
            #expect(abs(slowest + cost.beta1 - microBatch.predictedSeconds) <= 1e-6 * microBatch.predictedSeconds)
        }
    }
}
