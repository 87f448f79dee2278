import CostModelValidation
import Foundation
import Testing

@testable import CostModel

/// A full-iteration CUDA graph (Megatron-Core's `--cuda-graph-impl full_iteration`): the host launches nothing within
/// the iteration, so the MoE host wait goes and nothing else moves.
@Suite struct FullIterationCUDAGraphTests {
    /// Qwen3-30B-A3B, as the validation runs shape it.
    static let qwen = PublishedRun.megatronBridge26.first { $0.label.contains("Qwen3-30B-A3B MXFP8") }!.model
    static let gb200 = Cluster(gpu: .preset(named: "gb200")!, nodes: 1, gpusPerNode: 8)

    /// Megatron-Bridge's GB200 Qwen3-30B-A3B MXFP8 recipe: 8 GPUs, EP 8, micro-batch 4.
    static func recipe(_ cudaGraph: CUDAGraphCapture?) -> ParallelStrategy {
        ParallelStrategy(
            dataParallel: 8, expertParallel: 8, expertTensorParallel: 1, microBatch: 4, globalBatch: 512,
            sequenceLength: 4096, fp8: true, fp8Recipe: .mxfp8, gradientReduceFP32: false, cudaGraph: cudaGraph)
    }

    @Test func theMoEHostWaitGoesAndNothingElseMoves() throws {
        let estimator = IterationEstimator(model: Self.qwen, cluster: Self.gb200)
        let launched = try estimator.estimate(Self.recipe(nil))
        let graphed = try estimator.estimate(Self.recipe(.fullIteration))
        let microBatches = Double(Self.recipe(nil).microBatchesPerPipeline)
        let hostWait = microBatches * Double(Self.qwen.layers) * IterationEstimator.defaultMoELayerHostSeconds
        #expect(abs(launched.breakdown.computeParts.hostSync - hostWait) < 1e-9)
        #expect(graphed.breakdown.computeParts.hostSync == 0)
        // The wait goes, and with it the slowest worker's share of it (`SynchronisationJitter` scales with compute).
        let jitter = launched.breakdown.synchronisation - graphed.breakdown.synchronisation
        #expect(jitter > 0 && jitter < 0.05 * hostWait)
        #expect(
            abs(launched.iterationSeconds - graphed.iterationSeconds - hostWait - jitter)
                < 1e-9 * launched.iterationSeconds)
        #expect(graphed.memory == launched.memory)
        #expect(graphed.breakdown.expertParallel == launched.breakdown.expertParallel)
    }

    /// A profile's measured host wait goes too: the graph leaves no host in the loop whatever it measured.
    @Test func aMeasuredHostWaitGoesToo() throws {
        let options = EstimateOptions(profile: CalibrationProfile(moeLayerHostSeconds: 0.01))
        let estimator = IterationEstimator(model: Self.qwen, cluster: Self.gb200, options: options)
        #expect(try estimator.estimate(Self.recipe(nil)).breakdown.computeParts.hostSync > 0)
        #expect(try estimator.estimate(Self.recipe(.fullIteration)).breakdown.computeParts.hostSync == 0)
    }

    /// Dense models have no MoE host wait, so the graph changes none of their figures; MoE ones are told what the
    /// graph needs of the dispatcher.
    @Test func denseModelsAreUnchangedAndMoEOnesWarned() throws {
        let llama = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let dense = ParallelStrategy(dataParallel: 8, globalBatch: 64, sequenceLength: 8192)
        var graphed = dense
        graphed.cudaGraph = .fullIteration
        let estimator = IterationEstimator(model: llama, cluster: Self.gb200)
        #expect(try estimator.estimate(dense).iterationSeconds == estimator.estimate(graphed).iterationSeconds)
        #expect(!graphed.warnings(model: llama).contains { $0.contains("CUDA graph") })
        #expect(Self.recipe(.fullIteration).warnings(model: Self.qwen).contains { $0.contains("rank-capacity-factor") })
        #expect(!Self.recipe(nil).warnings(model: Self.qwen).contains { $0.contains("CUDA graph") })
    }

    /// Saved strategies from before the field still load (no graph); the capture is written as Megatron names it.
    @Test func strategiesWithoutTheFieldStillLoad() throws {
        let encoded = try JSONEncoder().encode(Self.recipe(.fullIteration))
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("\"cudaGraph\":\"full_iteration\""))
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object.removeValue(forKey: "cudaGraph")
        let older = try JSONDecoder().decode(
            ParallelStrategy.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(older.cudaGraph == nil && older == Self.recipe(nil))
        #expect(try JSONDecoder().decode(ParallelStrategy.self, from: encoded) == Self.recipe(.fullIteration))
    }

    /// The published rows whose Megatron-Bridge recipe captures the whole iteration (26.06 on GB200) are priced so.
    @Test func theRecipesThatCaptureTheIterationArePricedSo() throws {
        let graphed = PublishedRun.megatronBridge26.filter { $0.strategy.fullIterationCUDAGraph }
        #expect(
            graphed.map(\.label).sorted() == [
                "26.06 GB200 DeepSeek-V3 MXFP8, 256 GPUs", "26.06 GB200 Qwen3-235B-A22B MXFP8, 256 GPUs, VP 3",
                "26.06 GB200 Qwen3-30B-A3B MXFP8, 8 GPUs",
            ])
        for run in graphed {
            let estimate = try run.estimate()
            #expect(estimate.breakdown.computeParts.hostSync == 0)
            // Within 5.2 % (26.06 GB200 Qwen3-30B-A3B, +5.2 % since Hopper-family attention is 0.45 of peak).
            #expect(abs(estimate.iterationSeconds / run.iterationSeconds - 1) < 0.055, "\(run.label)")
        }
    }
}
