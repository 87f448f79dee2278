import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// `SpeedLayout.arranged`: a group on a block of mixed speeds is also tried split into the block's one-speed blocks
/// (docs/sequence-parallel.md §Ranks of unequal speed, "Mixed blocks split").
@Suite struct MixedBlockSplitTests {
    @Test func mixedBlocksHalveDownToOneSpeed() {
        let table = SequenceTable(cost: BruteForceTests.tinyCost(gpus: 8), lengths: [1000])
        let speeds = (0..<8).map { $0 == 3 ? 0.5 : 1.0 }
        let layout = SpeedLayout(table: table, speeds: speeds)
        #expect(
            layout.uniformBlocks(start: 0, degree: 8).map { [$0.start, $0.degree] } == [
                [0, 2], [2, 1], [3, 1], [4, 4],
            ])
        #expect(layout.uniformBlocks(start: 4, degree: 4).map { [$0.start, $0.degree] } == [[4, 4]])
    }

    /// Eight ranks, rank 3 at half speed, a micro-batch packed as one group of four per half. The group holding the
    /// slow rank runs at half speed; split, its sequence takes the two fast ranks beside it, the short sequence of the
    /// other half moves to rank 2 alone and rank 3 stands idle: the exhaustive optimum over every aligned placement.
    @Test func aShortSequenceLeavesTheSlowRankIdle() throws {
        let cost = BruteForceTests.tinyCost(gpus: 8)
        let lengths: [Double] = [4337, 7306, 2485]
        let table = SequenceTable(cost: cost, lengths: lengths)
        var slowHalf = PackedGroup(degree: 4, load: 0, tokensPerGPU: 0, sequences: [])
        slowHalf.add(0, table)
        var fastHalf = PackedGroup(degree: 4, load: 0, tokensPerGPU: 0, sequences: [])
        fastHalf.add(1, table)
        fastHalf.add(2, table)
        let speeds = (0..<8).map { $0 == 3 ? 0.5 : 1.0 }
        let layout = SpeedLayout(table: table, speeds: speeds)
        let before = SpeedLayout.makespan(layout.rebalance(layout.place([slowHalf, fastHalf])))
        let arranged = layout.arranged([slowHalf, fastHalf])
        let after = SpeedLayout.makespan(arranged)
        let optimum = BruteForce(cost: cost, lengths: lengths, speeds: speeds).optimum() - cost.beta1
        #expect(abs(after - optimum) <= 1e-9 * optimum, "\(after) against the optimum \(optimum)")
        #expect(after < before * 0.9, "\(after) against \(before) without the split")
        #expect(!arranged.contains { $0.firstRank <= 3 && 3 < $0.firstRank + $0.group.degree })
    }

    /// Random micro-batches on 8 or 16 ranks of mixed speeds: the arrangement is never slower than placing and
    /// rebalancing alone, keeps every sequence once, within memory, on disjoint aligned blocks, each group timed at its
    /// block's slowest speed; and on some the split wins.
    @Test func arrangedNeverLosesAndStaysValid() throws {
        var wins = 0
        for seed in 0..<48 {
            var generator = SplitMix(seed: UInt64(9100 + seed))
            let ranks = seed % 2 == 0 ? 8 : 16
            let cost = BruteForceTests.tinyCost(gpus: ranks)
            // 3-12 sequences of up to three GPUs' memory, within 70 % of the ranks' memory (one micro-batch).
            var lengths: [Double] = []
            for _ in 0..<(3 + Int(generator.next() % 10)) {
                let length = Double(200 + Int(generator.next() % UInt64(3 * 3000)))
                if lengths.reduce(length, +) <= 0.7 * Double(ranks) * cost.tokensPerGPU { lengths.append(length) }
            }
            let speeds = (0..<ranks).map { _ in [0.25, 0.5, 0.7, 1, 1, 1, 2][Int(generator.next() % 7)] }
            let table = SequenceTable(cost: cost, lengths: lengths)
            let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
            let packed = try #require(MicroBatchPacker(table: table, roomiestFallback: false).minimumMakespan(order))
            let layout = SpeedLayout(table: table, speeds: speeds)
            let plain = SpeedLayout.makespan(layout.rebalance(layout.place(packed.groups)))
            let arranged = layout.arranged(packed.groups)
            let makespan = SpeedLayout.makespan(arranged)
            #expect(makespan <= plain * (1 + 1e-12), "seed \(seed): \(makespan) against \(plain)")
            if makespan < plain * (1 - 1e-9) { wins += 1 }
            #expect(arranged.flatMap(\.group.sequences).sorted() == Array(lengths.indices))
            var used = [Bool](repeating: false, count: ranks)
            for placed in arranged {
                let (start, degree) = (placed.firstRank, placed.group.degree)
                #expect(start % degree == 0 && start + degree <= ranks)
                for rank in start..<(start + degree) {
                    #expect(!used[rank], "seed \(seed): rank \(rank) in two groups")
                    used[rank] = true
                }
                #expect(placed.speed == speeds[start..<(start + degree)].min())
                #expect(placed.group.tokensPerGPU <= cost.tokensPerGPU * (1 + 1e-9))
                let load = placed.group.sequences.reduce(0.0) { $0 + table.time[table.cell($1, degree: degree)] }
                #expect(abs(load - placed.group.load) <= 1e-9 * max(1, load))
            }
        }
        #expect(wins > 0)
    }
}
