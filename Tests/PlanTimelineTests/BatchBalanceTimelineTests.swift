import BatchBalance
import CostModel
import ExecutionPlan
import Foundation
import PlanTimeline
import Testing

/// A batch-balancing plan's timeline reproduces each rank's predicted time and the step, under every phase model.
@Suite struct BatchBalanceTimelineTests {
    static let root = SequenceParallelTimelineTests.root

    static func samples() throws -> [Sample] {
        let path = root.appendingPathComponent("Examples/samples/multimodal-256.jsonl")
        return try SamplesFile.parse(Data(contentsOf: path), source: path.path)
    }

    static let cost = BatchBalanceCost(
        llm: PhaseCost(secondsPerToken: 1.84e-4, secondsPerToken2: 5.13e-9, secondsPerSample: 0.001),
        encoder: PhaseCost(secondsPerToken: 4e-5, secondsPerToken2: 2e-8))

    @Test(arguments: [
        BatchBalancer.Options(ranks: 8),
        BatchBalancer.Options(
            ranks: 8, microBatches: 4, equalCounts: true, separateEncoder: true, keepEncoderPhase: true),
        BatchBalancer.Options(ranks: 16, microBatches: 2, syncEveryPhase: true),
    ])
    func eventsReproduceEachRankAndTheStep(options: BatchBalancer.Options) throws {
        let samples = try Self.samples()
        let plan = try BatchBalancer(cost: Self.cost, options: options).plan(samples).executionPlan()
        let render = { () throws in
            try BatchBalanceTimeline.render(
                plan, tokens: samples.map(\.tokens), images: samples.map(\.images),
                loadedRanks: samples.map(\.loadedRank), cost: Self.cost)
        }
        let data = try render()
        #expect(try render() == data)
        let (events, names) = try SequenceParallelTimelineTests.events(data)
        #expect(names.contains("rank 0") && names.contains("LLM micro-batches") && names.contains("step"))
        for rank in plan.body.ranks {
            let llm = events.filter { $0.pid == rank.rank && $0.category == "llm" }
            #expect(llm.count == rank.microBatches.count)
            #expect(abs(llm.reduce(0) { $0 + $1.duration } - rank.predictedSeconds) < 1e-5)
            let sorted = llm.sorted { $0.start < $1.start }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.start + a.duration <= b.start + 2e-9) }
        }
        let phases = events.filter { $0.category == "phase" }
        #expect(abs(phases.reduce(0) { $0 + $1.duration } - plan.predicted.cost.stepSeconds) < 1e-5)
        #expect((plan.body.encoder != nil) == phases.contains { $0.name == "encoder phase" })
    }

    @Test func otherSamplesOrAnotherCostAreRefused() throws {
        let samples = try Self.samples()
        let plan = try BatchBalancer(cost: Self.cost, options: .init(ranks: 8)).plan(samples).executionPlan()
        var tokens = samples.map(\.tokens)
        tokens[0] += 1
        #expect(throws: TimelineError.self) {
            try BatchBalanceTimeline.render(
                plan, tokens: tokens, images: samples.map(\.images), loadedRanks: samples.map(\.loadedRank),
                cost: Self.cost)
        }
        var other = Self.cost
        other.llm.secondsPerToken *= 1.1
        #expect(throws: TimelineError.self) {
            try BatchBalanceTimeline.render(
                plan, tokens: samples.map(\.tokens), images: samples.map(\.images),
                loadedRanks: samples.map(\.loadedRank), cost: other)
        }
        let slow = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: 8, speedFactors: [1, 1, 0.5, 1, 1, 1, 1, 1])
        )
        .plan(samples).executionPlan()
        #expect(throws: TimelineError.self) {
            try BatchBalanceTimeline.render(
                slow, tokens: samples.map(\.tokens), images: samples.map(\.images),
                loadedRanks: samples.map(\.loadedRank), cost: Self.cost)
        }
    }
}
