import CostModel
import Foundation
import Testing

@testable import SequenceParallel

/// `MicroBatchExchange.folded`: a step with a micro-batch more than its tokens need, two micro-batches merged and
/// their shortest sequences hosted by the others (docs/sequence-parallel.md §Optimizer, "Folding a micro-batch away").
@Suite struct MicroBatchFoldTests {
    /// Random batches on 16 ranks, built as a step whose last micro-batch is then split in two (one micro-batch more
    /// than memory needs), at nominal speed and with rank 5 at half speed. The fold gives back a step of as many
    /// micro-batches as before the split, shorter than the split one, with every sequence once, every group within
    /// memory on its own aligned block, and each micro-batch's stated time at least its slowest group's.
    @Test func splitStepsFoldBackValid() throws {
        let instances = (0..<24).compactMap(Self.splitStep)
        #expect(instances.count >= 20, "\(instances.count) of 24 instances split")
        var folds = 0
        for (seed, cost, lengths, speeds, exchange, split) in instances {
            guard let folded = exchange.folded(split) else { continue }
            folds += 1
            #expect(folded.count == split.count - 1, "seed \(seed)")
            #expect(folded.seconds < split.seconds, "seed \(seed)")
            try Self.expectValid(folded, cost: cost, lengths: lengths, speeds: speeds, seed: seed)
        }
        #expect(folds >= instances.count / 2, "\(folds) of \(instances.count) split steps folded")
    }

    /// A random batch of 24-47 sequences on 16 ranks (rank 5 at half speed for odd seeds), built as a step whose last
    /// micro-batch is split in two, alternate sequences longest first; nil where that micro-batch holds one sequence.
    static func splitStep(seed: Int) -> (
        seed: Int, cost: SequenceParallelCost, lengths: [Double], speeds: [Double]?, exchange: MicroBatchExchange,
        split: [BuiltMicroBatch]
    )? {
        var generator = SplitMix(seed: UInt64(4400 + seed))
        let cost = BruteForceTests.tinyCost(gpus: 16)
        let lengths = (0..<(24 + Int(generator.next() % 24))).map { _ in Double(200 + Int(generator.next() % 7800)) }
        let speeds: [Double]? = seed % 2 == 0 ? nil : (0..<16).map { $0 == 5 ? 0.5 : 1.0 }
        let builder = StepBuilder(cost: cost, lengths: lengths, speeds: speeds, roomiestFallback: false)
        guard let built = builder.best(grid: SequenceParallelPlanner.grid, deadline: nil)?.step,
            let last = built.last, last.groups.flatMap(\.sequences).count >= 2
        else { return nil }
        let exchange = MicroBatchExchange(packer: builder.packer, beta1: cost.beta1, layout: builder.speedLayout)
        let sequences = exchange.ordered(last.groups.flatMap(\.sequences))
        guard let first = exchange.packed(sequences.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)),
            let second = exchange.packed(sequences.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        else { return nil }
        return (
            seed, cost, lengths, speeds, exchange,
            built.dropLast().map { exchange.placedOnRanks($0) } + [first, second]
        )
    }

    /// Wikipedia batch 9 with rank 13 at half speed: its 102,912-token sequence needs 32 ranks without the slow one,
    /// so it runs 3.37 s beside the other half's memory-full groups, and the step took three micro-batches (6.624 s)
    /// where its tokens fill two. Folded, that sequence's group hosts the shortest sequences and the rest run as one
    /// micro-batch: 6.498 s.
    @Test func wikipediaBatchNineFoldsIntoTwoMicroBatches() throws {
        let (lengths, cost, speeds, result) = try SlowSingletonTests.planOn64GPUs("wikipedia-batch9.txt")
        #expect(result.microBatches.count == 2)
        #expect(result.stepSeconds <= 6.51, "step \(result.stepSeconds)")
        #expect(result.stepSeconds >= result.lowerBoundSeconds ?? .infinity)
        try SlowSingletonTests.expectStatedTimes(result, cost: cost, lengths: lengths, speeds: speeds)
        let placed = result.microBatches.flatMap(\.groups).flatMap(\.sequences).sorted()
        #expect(placed == Array(lengths.indices))
        for group in result.microBatches.flatMap(\.groups) {
            let tokens = group.sequences.reduce(0) { $0 + lengths[$1] }
            #expect(Double(tokens) <= Double(group.degree) * cost.tokensPerGPU)
        }
    }

    static func expectValid(
        _ step: [BuiltMicroBatch], cost: SequenceParallelCost, lengths: [Double], speeds: [Double]?, seed: Int
    ) throws {
        let table = SequenceTable(cost: cost, lengths: lengths)
        #expect(step.flatMap { $0.groups.flatMap(\.sequences) }.sorted() == Array(lengths.indices), "seed \(seed)")
        for microBatch in step {
            let firstRanks = microBatch.firstRanks ?? Layout.consecutiveFirstRanks(microBatch.groups)
            var used = [Bool](repeating: false, count: cost.gpus)
            for (group, start) in zip(microBatch.groups, firstRanks) {
                let degree = group.degree
                #expect(start % degree == 0 && start + degree <= cost.gpus, "seed \(seed)")
                for rank in start..<min(start + degree, cost.gpus) {
                    #expect(!used[rank], "seed \(seed): rank \(rank) in two groups")
                    used[rank] = true
                }
                let tokens = group.sequences.reduce(0.0) { $0 + lengths[$1] }
                #expect(tokens <= Double(degree) * cost.tokensPerGPU * (1 + 1e-9), "seed \(seed)")
                let load = group.sequences.reduce(0.0) { $0 + table.time[table.cell($1, degree: degree)] }
                let speed = speeds.map { $0[start..<(start + degree)].min() ?? 1 } ?? 1
                #expect(load / speed + cost.beta1 <= microBatch.seconds * (1 + 1e-9), "seed \(seed)")
            }
        }
    }
}
