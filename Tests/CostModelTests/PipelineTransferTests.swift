import Foundation
import Testing

@testable import CostModel

/// Pipeline sends (docs/cost-model.md §Iteration time, PP): every chunk of every micro-batch receives its input and
/// sends its output, forward and backward, so the interleaved schedule moves v times the bytes (SC'21 §2.2).
@Suite struct PipelineTransferTests {
    /// GPT-175B as MegaScale's baseline ran it: TP 8 × PP 8 on 32 DGX A100 nodes, each stage on its own nodes.
    static let model = TransformerModel(
        name: "gpt-175b", layers: 96, hiddenSize: 12_288, heads: 128, ffnHiddenSize: 49_152, vocabSize: 64_000,
        tiedEmbeddings: true, gptStyle: true, maxPositions: 2048)

    static func estimate(
        interleave: Int, overlap: Bool, sequenceParallel: Bool = true, scatterGather: Bool = false
    ) throws -> IterationEstimate {
        let cluster = Cluster(gpu: try #require(GPUSpec.preset(named: "a100-80gb")), nodes: 32, gpusPerNode: 8)
        let strategy = ParallelStrategy(
            tensorParallel: 8, pipelineParallel: 8, dataParallel: 4, globalBatch: 768, sequenceLength: 2048,
            recompute: .selective, sequenceParallel: sequenceParallel, interleave: interleave,
            overlapGradientReduce: false, overlapPipelineTransfers: overlap, pipelineScatterGather: scatterGather)
        return try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
    }

    @Test func waitedTransfersAreTwoPerChunkAndMicroBatch() throws {
        let cluster = Cluster(gpu: try #require(GPUSpec.preset(named: "a100-80gb")), nodes: 32, gpusPerNode: 8)
        // 1 sequence × 2,048 tokens × 12,288 × 2 bytes, split over the 8 TP ranks by sequence parallelism.
        let bytes = 2.0 * 2048 * 12_288 / 8
        let oneTransfer = cluster.interNodeLatency + bytes / cluster.effectiveInterNodeBandwidth
        let microBatches = 768.0 / 4
        for interleave in [1, 2, 6] {
            let estimate = try Self.estimate(interleave: interleave, overlap: false)
            let expected = microBatches * 2 * Double(interleave) * oneTransfer
            #expect(abs(estimate.breakdown.pipelineTransfers - expected) <= 1e-9 * expected)
        }
    }

    @Test func overlapHidesTheInterleavedTransfersBehindTheNextChunk() throws {
        let waited = try Self.estimate(interleave: 6, overlap: false)
        let overlapped = try Self.estimate(interleave: 6, overlap: true)
        // A chunk's two transfers (about 0.5 ms) are far shorter than its compute (about 30 ms): only the slowdown of
        // the compute they share the GPU with is left.
        let ratio = overlapped.breakdown.pipelineTransfers / waited.breakdown.pipelineTransfers
        #expect(abs(ratio - IterationEstimator.overlapSlowdown) < 1e-9)
        #expect(overlapped.iterationSeconds < waited.iterationSeconds)
        // The plain 1F1B schedule has nothing to overlap them with.
        let plain = try Self.estimate(interleave: 1, overlap: true)
        let plainWaited = try Self.estimate(interleave: 1, overlap: false)
        #expect(plain.breakdown.pipelineTransfers == plainWaited.breakdown.pipelineTransfers)
    }

    @Test func scatterGatherSendsATensorParallelShareAcrossNodes() throws {
        let full = try Self.estimate(interleave: 2, overlap: false, sequenceParallel: false)
        let scattered = try Self.estimate(interleave: 2, overlap: false, sequenceParallel: false, scatterGather: true)
        let split = try Self.estimate(interleave: 2, overlap: false)
        // Scattered, each rank sends what it sends with sequence parallelism, then gathers the rest over NVLink.
        #expect(scattered.breakdown.pipelineTransfers > split.breakdown.pipelineTransfers)
        #expect(scattered.breakdown.pipelineTransfers < full.breakdown.pipelineTransfers / 4)
        // With sequence parallelism the activation is already split: scatter/gather changes nothing.
        let both = try Self.estimate(interleave: 2, overlap: false, scatterGather: true)
        #expect(both.breakdown.pipelineTransfers == split.breakdown.pipelineTransfers)
    }

    @Test func theBubbleCarriesTheTransfersOfItsMicroBatches() throws {
        let waited = try Self.estimate(interleave: 6, overlap: false)
        let overlapped = try Self.estimate(interleave: 6, overlap: true)
        // (p − 1)/v micro-batch times, each with its transfers: 7/6 of one micro-batch's difference.
        let perMicroBatch = (waited.breakdown.pipelineTransfers - overlapped.breakdown.pipelineTransfers) / 192
        let bubbleGrowth = waited.breakdown.pipelineBubble - overlapped.breakdown.pipelineBubble
        #expect(abs(bubbleGrowth - perMicroBatch * 7 / 6) <= 1e-9 * bubbleGrowth)
    }
}

/// Strategies saved before the pipeline-transfer fields existed still load, with Megatron-Core's defaults.
@Suite struct PipelineTransferFieldTests {
    @Test func strategiesWithoutTheFieldsStillLoad() throws {
        let strategy = ParallelStrategy(
            tensorParallel: 8, pipelineParallel: 8, dataParallel: 4, globalBatch: 768, sequenceLength: 2048,
            interleave: 6)
        let encoded = try JSONEncoder().encode(strategy)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(
            object["overlapPipelineTransfers"] as? Bool == true && object["pipelineScatterGather"] as? Bool == false)
        for key in ["overlapPipelineTransfers", "pipelineScatterGather"] { object.removeValue(forKey: key) }
        let older = try JSONDecoder().decode(
            ParallelStrategy.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(older == strategy)
        var waited = strategy
        waited.overlapPipelineTransfers = false
        waited.pipelineScatterGather = true
        #expect(try JSONDecoder().decode(ParallelStrategy.self, from: JSONEncoder().encode(waited)) == waited)
    }
}
