import CostModel
import Testing

@testable import SequenceParallel

/// The local search inside a packed micro-batch: a sequence of the busiest group moves to a group (or free GPUs)
/// where it finishes below the busiest load; nothing is lost or duplicated and loads stay consistent.
@Suite struct GroupDescentTests {
    @Test func busiestGroupShedsASequenceToALighterGroup() throws {
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 8)
        let lengths: [Double] = [4_000, 3_500, 3_000, 1_000]
        let table = SequenceTable(cost: cost, lengths: lengths)
        func time(_ sequence: Int, _ degree: Int) -> Double { cost.time(lengths[sequence], degree: degree) }
        // Three sequences on one GPU, the fourth alone on another; six GPUs free.
        let crowded = PackedGroup(
            degree: 1, load: time(0, 1) + time(1, 1) + time(2, 1),
            tokensPerGPU: 10_500, sequences: [0, 1, 2])
        let light = PackedGroup(degree: 1, load: time(3, 1), tokensPerGPU: 1_000, sequences: [3])
        let improved = GroupDescent(table: table).improve([crowded, light])
        let before = crowded.load
        let after = try #require(improved.map(\.load).max())
        #expect(after < before * 0.7, "busiest \(before) -> \(after)")
        #expect(improved.flatMap(\.sequences).sorted() == [0, 1, 2, 3])
        #expect(improved.reduce(0) { $0 + $1.degree } <= 8)
        for group in improved {
            let load = group.sequences.reduce(0.0) { $0 + time($1, group.degree) }
            #expect(abs(load - group.load) <= 1e-12 * max(1, load))
            #expect(group.sequences.reduce(0.0) { $0 + lengths[$1] } / Double(group.degree) <= cost.tokensPerGPU + 1e-9)
        }
    }

    @Test func balancedGroupsStayAsTheyAre() {
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 2)
        let lengths: [Double] = [2_000, 2_000]
        let table = SequenceTable(cost: cost, lengths: lengths)
        let groups = [0, 1].map {
            PackedGroup(degree: 1, load: cost.time(lengths[$0], degree: 1), tokensPerGPU: 2_000, sequences: [$0])
        }
        let improved = GroupDescent(table: table).improve(groups)
        #expect(improved.map(\.sequences) == [[0], [1]])
    }
}
