import Foundation
import InputFiles
import Testing

@testable import CostModel

/// The vision encoder read from Qwen2-VL-family configs and the encoder phase derived from it.
@Suite struct VisionEncoderTests {
    static func model(_ json: String) throws -> TransformerModel {
        try TransformerModel.load(data: Data(json.utf8), source: "config.json")
    }

    /// Qwen2-VL-7B: a 675M-parameter ViT (Qwen2-VL paper, Table 1) next to a 7.6B LLM.
    @Test func qwen2VLConfigGivesItsPublishedSizes() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("qwen2-vl-7b.config.json")
        let model = try TransformerModel.load(data: try Data(contentsOf: url), source: url.path)
        let vision = try #require(model.vision)
        #expect(vision.layers == 32 && vision.hiddenSize == 1280 && vision.mlpHiddenSize == 5120 && !vision.gatedMLP)
        #expect(vision.spatialMergeSize == 2 && vision.outputSize == 3584 && vision.windowedLayers == 0)
        #expect(abs(vision.parameters / 675e6 - 1) < 0.01, "\(vision.parameters)")
        #expect(abs(model.parameters.total / 7.61e9 - 1) < 0.01, "\(model.parameters.total)")
    }

    /// Hand count for Qwen2-VL's encoder, per LLM token (4 patches): 6 × (32 × (4·1280² + 2·1280·5120) × 4 + 5120² +
    /// 5120·3584) = 15,366,881,280 FLOPs; attention 12 × 1280 × 32 × 4² = 7,864,320 FLOPs per token².
    @Test func derivedEncoderPhaseIsTheHandCountAtTheLLMsRate() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("qwen2-vl-7b.config.json")
        let model = try TransformerModel.load(data: try Data(contentsOf: url), source: url.path)
        let cluster = try Cluster.preset("hgx-h100:1")
        let cost = try BatchBalanceCost.derive(model: model, cluster: cluster)
        let encoder = try #require(cost.encoder)
        let rate = IterationEstimator(model: model, cluster: cluster).achievedFlopsPerSecond(
            ParallelStrategy(globalBatch: 1, sequenceLength: 1))
        #expect(abs(encoder.secondsPerToken * rate / 15_366_881_280 - 1) < 1e-12)
        #expect(abs(encoder.secondsPerToken2 * rate / 7_864_320 - 1) < 1e-12)
        #expect(encoder.secondsPerSample == 0)
        // Per LLM token², the bidirectional ViT over 4 patches per token costs more than the causal LLM.
        #expect(encoder.secondsPerToken2 > cost.llm.secondsPerToken2)
    }

    /// Qwen2.5-VL: SwiGLU MLP and windowed attention (112 px / 14 px = 8 × 8 patches) outside the four full layers.
    @Test func qwen25WindowedLayersMoveAttentionToTheLinearTerm() throws {
        let model = try Self.model(
            """
            {"model_type": "qwen2_5_vl", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
             "num_hidden_layers": 28, "num_key_value_heads": 4, "vocab_size": 152064,
             "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
                               "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2, "window_size": 112,
                               "fullatt_block_indexes": [7, 15, 23, 31]}}
            """)
        let vision = try #require(model.vision)
        #expect(vision.gatedMLP && vision.windowedLayers == 28 && vision.patchesPerWindow == 64)
        let fullAttention: Double = 12 * 1280 * 4 * 16
        #expect(vision.trainingFlops.perToken2 == fullAttention)
        let windowTerm: Double = 12 * 1280 * 28 * 64 * 4
        let perLayer: Double = 4 * 1280 * 1280 + 3 * 1280 * 3420
        let merger: Double = 5120 * 5120 + 5120 * 3584
        let weights: Double = 6 * (32 * perLayer * 4 + merger)
        #expect(abs(vision.trainingFlops.perToken / (weights + windowTerm) - 1) < 1e-12)
    }

    /// Sizes that would overflow the FLOP products are refused, naming the field.
    @Test func hugeVisionSizesAreRefused() {
        do {
            _ = try Self.model(
                """
                {"model_type": "qwen2_vl", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
                 "num_hidden_layers": 28, "vocab_size": 152064,
                 "vision_config": {"depth": 32, "embed_dim": 4611686018427387904, "mlp_ratio": 4}}
                """)
            Issue.record("accepted an overflowing embed_dim")
        } catch {
            #expect("\(error)".contains("vision_config.embed_dim"), "\(error)")
        }
    }

    @Test func badVisionConfigNamesTheField() throws {
        #expect(throws: CostModelError.self) {
            _ = try Self.model(
                """
                {"model_type": "qwen2_vl", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
                 "num_hidden_layers": 28, "vocab_size": 152064, "vision_config": {"depth": 0, "embed_dim": 1280}}
                """)
        }
        do {
            _ = try Self.model(
                """
                {"model_type": "qwen2_vl", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
                 "num_hidden_layers": 28, "vocab_size": 152064, "vision_config": {"depth": 0, "embed_dim": 1280}}
                """)
        } catch {
            #expect("\(error)".contains("vision_config.depth"), "\(error)")
        }
    }
}
