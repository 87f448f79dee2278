import CostModel
import Foundation
import PlanTimeline
import Testing

/// An estimate's pipeline schedule: Megatron's 1F1B or interleaved order, simulated from the per-micro-batch time,
/// takes the estimate's time (its bubble is the estimator's (p − 1)/v micro-batch times).
@Suite struct EstimateTimelineTests {
    @Test(arguments: [(1, 1, 64), (4, 1, 64), (4, 2, 64), (8, 3, 128), (2, 4, 32)])
    func simulatedScheduleTakesTheEstimatedTime(stages: Int, interleave: Int, batch: Int) throws {
        try Self.check(stages: stages, interleave: interleave, batch: batch, fp8: false)
    }

    /// Delayed FP8 scaling's amax all-reduces are part of every micro-batch's time, so of the schedule's too.
    @Test(arguments: [(4, 2, 64), (8, 3, 128)])
    func delayedFP8ScheduleTakesTheEstimatedTime(stages: Int, interleave: Int, batch: Int) throws {
        try Self.check(stages: stages, interleave: interleave, batch: batch, fp8: true)
    }

    static func check(stages: Int, interleave: Int, batch: Int, fp8: Bool) throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:4")
        let strategy = ParallelStrategy(
            tensorParallel: 2, pipelineParallel: stages, dataParallel: 16 / stages, microBatch: 1,
            globalBatch: batch, sequenceLength: 4096, sequenceParallel: true, interleave: interleave, fp8: fp8)
        let estimate = try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
        #expect((estimate.breakdown.fp8AmaxReduction > 0) == fp8)
        let data = EstimateTimeline.render(strategy: strategy, estimate: estimate)
        #expect(EstimateTimeline.render(strategy: strategy, estimate: estimate) == data)
        let (events, names) = try SequenceParallelTimelineTests.events(data)
        #expect(names.contains("stage 0 (\(32 / stages) GPUs)") && names.contains("step"))
        let simulated = try #require(events.first { $0.category == "simulated" })
        let estimated = try #require(events.first { $0.category == "estimate" })
        #expect(
            abs(simulated.duration - estimated.duration) <= 1e-6 * estimated.duration,
            "\(simulated.duration) vs \(estimated.duration)")
        let perStage = strategy.microBatchesPerPipeline * interleave
        for stage in 0..<stages {
            let compute = events.filter { $0.pid == stage && $0.tid == 0 }.sorted { $0.start < $1.start }
            #expect(compute.filter { $0.category == "forward" }.count == perStage)
            #expect(compute.filter { $0.category == "backward" }.count == perStage)
            for (a, b) in zip(compute, compute.dropFirst()) { #expect(a.start + a.duration <= b.start + 2e-9) }
        }
    }
}
