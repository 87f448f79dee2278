import Foundation
import InputFiles
import Testing

@testable import CostModel

/// Qwen3-VL configs: the LLM under `text_config`, a GELU ViT with DeepStack mergers under `vision_config`.
@Suite struct Qwen3VLConfigTests {
    /// Qwen3-VL-8B: a Qwen3-8B decoder and a 27-layer ViT, 8.77 B parameters in all as published.
    @Test func qwen3VL8BGivesItsPublishedSize() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("qwen3-vl-8b.config.json")
        let model = try TransformerModel.load(data: try Data(contentsOf: url), source: url.path)
        #expect(model.name == "Qwen/Qwen3-VL-8B-Instruct")
        #expect(
            model.layers == 36 && model.hiddenSize == 4096 && model.headDim == 128 && model.kvHeads == 8
                && model.moe == nil)
        #expect(model.gatedFFN && !model.tiedEmbeddings)
        let vision = try #require(model.vision)
        #expect(vision.layers == 27 && vision.hiddenSize == 1152 && vision.mlpHiddenSize == 4304 && !vision.gatedMLP)
        #expect(
            vision.spatialMergeSize == 2 && vision.outputSize == 4096 && vision.windowedLayers == 0
                && vision.deepstackMergers == 3)
        let total = model.parameters.total + vision.parameters
        #expect(abs(total / 8.77e9 - 1) < 0.01, "\(total)")
    }

    /// Hand count per LLM token (4 patches): 6 × (27 × (4·1152² + 2·1152·4304) × 4 + 4 mergers × (4608² + 4608·4096))
    /// = 10,828,283,904 FLOPs; attention 12 × 1152 × 27 × 4² = 5,971,968 FLOPs per token².
    @Test func deepstackMergersAreCounted() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("qwen3-vl-8b.config.json")
        let vision = try #require(try TransformerModel.load(data: try Data(contentsOf: url), source: url.path).vision)
        #expect(vision.trainingFlops.perToken == 10_828_283_904)
        #expect(vision.trainingFlops.perToken2 == 5_971_968)
    }

    /// Qwen3-VL-30B-A3B: the MoE decoder's keys come from `text_config` too.
    @Test func moeVariantReadsItsExperts() throws {
        let model = try VisionEncoderTests.model(
            """
            {"model_type": "qwen3_vl_moe", "tie_word_embeddings": false,
             "text_config": {"model_type": "qwen3_vl_moe_text", "head_dim": 128, "hidden_size": 2048, "intermediate_size": 6144,
                             "moe_intermediate_size": 768, "num_attention_heads": 32, "num_experts": 128, "num_experts_per_tok": 8,
                             "num_hidden_layers": 48, "num_key_value_heads": 4, "vocab_size": 151936},
             "vision_config": {"deepstack_visual_indexes": [8, 16, 24], "depth": 27, "hidden_act": "gelu_pytorch_tanh",
                               "hidden_size": 1152, "intermediate_size": 4304, "out_hidden_size": 2048, "patch_size": 16,
                               "spatial_merge_size": 2}}
            """)
        let moe = try #require(model.moe)
        #expect(moe.experts == 128 && moe.topK == 8 && moe.expertFFNHiddenSize == 768)
        #expect(model.vision?.outputSize == 2048 && model.vision?.deepstackMergers == 3)
        // Qwen3-VL-30B-A3B: about 31 B parameters, 3 B active in the decoder.
        #expect(abs(model.parameters.total / 30.5e9 - 1) < 0.02, "\(model.parameters.total)")
    }

    @Test func missingTextConfigAndBadFieldsNameTheField() {
        func failure(_ json: String) -> String? {
            do {
                _ = try VisionEncoderTests.model(json)
                return nil
            } catch { return "\(error)" }
        }
        #expect(
            failure(#"{"model_type": "qwen3_vl", "vision_config": {"depth": 27}}"#)?.contains("text_config") == true)
        #expect(
            failure(
                """
                {"model_type": "qwen3_vl", "text_config": {"num_attention_heads": 32, "num_hidden_layers": 36, "intermediate_size": 12288,
                                                           "vocab_size": 151936}}
                """)?.contains("text_config.hidden_size") == true)
        #expect(
            failure(
                """
                {"model_type": "qwen3_vl", "text_config": {"hidden_size": 4096, "num_attention_heads": 32, "num_hidden_layers": 36,
                                                           "intermediate_size": 12288, "vocab_size": 151936},
                 "vision_config": {"depth": 2, "hidden_size": 1152, "intermediate_size": 4304, "deepstack_visual_indexes": [0, 1, 2]}}
                """)?.contains("vision_config.deepstack_visual_indexes") == true)
    }
}
