import CostModel
import Testing

@testable import SequenceParallel

/// The step the lower bound's LP suggests: its rounding keeps every bucket's count, and the step holds every
/// sequence once, each micro-batch packed within memory at the time it states.
@Suite struct LPGuidedStepTests {
    @Test(arguments: [([0.4, 1.3, 2.3], 4), ([0.0, 0.0, 5.0], 5), ([1.5, 1.5], 3), ([0.2, 0.2, 0.2, 0.2, 0.2], 1)])
    func roundingKeepsTheTotalAndStaysWithinOneOfTheShare(shares: [Double], total: Int) {
        let counts = LPGuidedStep.rounded(shares, total: total)
        #expect(counts.reduce(0, +) == total)
        let scale = Double(total) / shares.reduce(0, +)
        for (count, share) in zip(counts, shares) {
            #expect(Double(count) >= (share * scale).rounded(.down) && Double(count) <= (share * scale).rounded(.up))
        }
    }

    @Test func guidedStepHoldsEverySequenceOnceWithinMemory() throws {
        let cost = SequenceParallelCost.flexSPGPT7BWide(gpus: 256)
        // The two longest of Wikipedia's 2,048, short ones, and medium ones of 2K-6K tokens.
        let lengths = GuestPackingTests.lengths.map(Double.init) + (0..<100).map { Double(2_048 + 128 * ($0 % 32)) }
        let solved = LowerBound(cost: cost, lengths: lengths).computeGuided()
        guard let guide = solved.guide, let bound = solved.bound else {
            Issue.record("the bound gave no guide")
            return
        }
        let table = SequenceTable(cost: cost, lengths: lengths)
        guard let step = LPGuidedStep(packer: MicroBatchPacker(table: table), beta1: cost.beta1).build(guide) else {
            Issue.record("no guided step")
            return
        }
        #expect(step.count == guide.microBatches)
        let placed = step.flatMap { $0.groups.flatMap(\.sequences) }
        #expect(placed.sorted() == Array(lengths.indices))
        for microBatch in step {
            #expect(microBatch.groups.reduce(0) { $0 + $1.degree } <= cost.gpus)
            for group in microBatch.groups {
                let tokens = group.sequences.reduce(0.0) { $0 + lengths[$1] }
                #expect(tokens / Double(group.degree) <= cost.tokensPerGPU + 1e-9)
                #expect(group.load + cost.beta1 <= microBatch.seconds + 1e-9)
            }
        }
        #expect(step.reduce(0) { $0 + $1.seconds } >= bound)
    }
}
