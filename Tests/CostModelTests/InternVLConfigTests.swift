import Foundation
import InputFiles
import Testing

@testable import CostModel

/// InternVL: the LLM under `llm_config` (OpenGVLab) or `text_config` (transformers), an InternViT attending within
/// 448-pixel tiles, so its encoder cost is linear in an image's tokens.
@Suite struct InternVLConfigTests {
    /// InternVL2.5-8B: InternLM2.5-7B, InternViT-300M and the projector, 8.08 B parameters as published.
    @Test func internVL25With8BMatchesItsPublishedSize() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("internvl2.5-8b.config.json")
        let model = try TransformerModel.load(data: try Data(contentsOf: url), source: url.path)
        let vision = try #require(model.vision)
        #expect(model.name == "OpenGVLab/InternVL2_5-8B" && model.layers == 32 && model.kvHeads == 8 && model.gatedFFN)
        #expect(vision.layers == 24 && vision.hiddenSize == 1024 && vision.mlpHiddenSize == 4096 && !vision.gatedMLP)
        #expect(
            vision.spatialMergeSize == 2 && vision.windowedLayers == 24 && vision.patchesPerWindow == 1024
                && vision.mergerHiddenSize == 4096)
        let total = model.parameters.total + vision.parameters
        #expect(abs(total / 8.08e9 - 1) < 0.01, "\(total)")
    }

    /// Hand count per LLM token (4 patches): 6 × (24 × (4·1024² + 2·1024·4096) × 4 + (4096·4096 + 4096·4096)) plus
    /// 12 × 1024 × 24 × 1,024 × 4 for attention within a tile = 8,657,043,456 FLOPs; nothing grows with the image².
    @Test func tiledAttentionIsLinearInTheImage() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("internvl2.5-8b.config.json")
        let vision = try #require(try TransformerModel.load(data: try Data(contentsOf: url), source: url.path).vision)
        #expect(vision.trainingFlops.perToken == 8_657_043_456)
        #expect(vision.trainingFlops.perToken2 == 0)
    }

    /// transformers' own InternVL config: `text_config`, and sizes as [height, width] pairs.
    @Test func transformersConfigReadsTheSame() throws {
        let model = try VisionEncoderTests.model(
            """
            {"model_type": "internvl", "downsample_ratio": 0.5,
             "text_config": {"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
                             "num_hidden_layers": 28, "num_key_value_heads": 4, "vocab_size": 151674},
             "vision_config": {"hidden_size": 1024, "num_hidden_layers": 24, "intermediate_size": 4096,
                               "image_size": [448, 448], "patch_size": [14, 14]}}
            """)
        #expect(model.vision?.patchesPerWindow == 1024 && model.vision?.outputSize == 3584 && model.qkvBias)
    }

    @Test func badFieldsNameTheField() {
        func failure(_ json: String) -> String? {
            do {
                _ = try VisionEncoderTests.model(json)
                return nil
            } catch { return "\(error)" }
        }
        #expect(failure(#"{"model_type": "internvl_chat", "downsample_ratio": 0.5}"#)?.contains("llm_config") == true)
        let llm =
            #""llm_config": {"model_type": "internlm2", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32, "vocab_size": 92553}"#
        let vit =
            #""vision_config": {"hidden_size": 1024, "num_hidden_layers": 24, "intermediate_size": 4096, "image_size": 448, "patch_size": 14}"#
        #expect(
            failure("{\"model_type\": \"internvl_chat\", \"downsample_ratio\": 0.3, \(llm), \(vit)}")?.contains(
                "downsample_ratio") == true)
        #expect(failure("{\"model_type\": \"internvl_chat\", \(llm), \(vit)}")?.contains("downsample_ratio") == true)
        let oblong = vit.replacingOccurrences(of: #""image_size": 448"#, with: #""image_size": [448, 224]"#)
        #expect(
            failure("{\"model_type\": \"internvl_chat\", \"downsample_ratio\": 0.5, \(llm), \(oblong)}")?.contains(
                "image_size") == true)
    }
}
