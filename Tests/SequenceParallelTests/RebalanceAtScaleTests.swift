import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// `SpeedLayout.rebalance` where a micro-batch has more groups than `SpeedLayout.targetGroups`: each round then tries
/// a chosen part of them (docs/sequence-parallel.md §Ranks of unequal speed).
@Suite struct RebalanceAtScaleTests {
    /// A micro-batch of short sequences packed on 256 ranks, one of them at half speed, placed and rebalanced: every
    /// sequence stays exactly once, within memory, and the slowest group's time falls, to within 2 % of the
    /// nominal makespan × 256/255.5 (what an even spread of the lost capacity would give).
    @Test(arguments: 0..<4)
    func slowRankShedsItsLoadAmongManyGroups(seed: Int) throws {
        var generator = SplitMix(seed: UInt64(5000 + seed))
        var cost = BruteForceTests.tinyCost(gpus: 256)
        cost.tokensPerGPU = 8000
        let lengths = (0..<2000).map { _ in Double(100 + Int(generator.next() % 1200)) }
        let table = SequenceTable(cost: cost, lengths: lengths)
        let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        let packer = MicroBatchPacker(table: table, roomiestFallback: false)
        guard let packed = packer.minimumMakespan(order) else {
            Issue.record("2,000 sequences of 100-1,300 tokens did not pack on 256 GPUs")
            return
        }
        #expect(packed.groups.count > SpeedLayout.targetGroups)
        let slowRank = [0, 13, 128, 255][seed]
        let speeds = (0..<256).map { $0 == slowRank ? 0.5 : 1.0 }
        let layout = SpeedLayout(table: table, speeds: speeds)
        let placed = layout.place(packed.groups)
        let rebalanced = layout.rebalance(placed)
        #expect(rebalanced.flatMap(\.group.sequences).sorted() == Array(lengths.indices))
        for group in rebalanced {
            #expect(group.group.tokensPerGPU <= cost.tokensPerGPU * (1 + 1e-9))
            let load = group.group.sequences.reduce(0.0) { $0 + table.time[$1 * table.degrees.count] }
            #expect(group.group.degree > 1 || abs(load - group.group.load) <= 1e-9 * max(1, load))
        }
        let before = placed.map(\.seconds).max() ?? 0
        let after = rebalanced.map(\.seconds).max() ?? 0
        #expect(after < before, "\(after) after against \(before) before")
        #expect(after <= packed.limit * 256 / 255.5 * 1.02, "\(after) against nominal \(packed.limit)")
    }
}
