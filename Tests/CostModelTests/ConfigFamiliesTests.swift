import Foundation
import InputFiles
import Testing

@testable import CostModel

/// Current model families whose configs do not follow Llama's keys, from copies of their published `config.json`
/// under Examples/models, against their published parameter counts (within 1 %).
@Suite struct ConfigFamiliesTests {
    static func load(_ name: String) throws -> TransformerModel {
        let url = ModelShapeTests.examples.appendingPathComponent(name)
        return try TransformerModel.load(data: try Data(contentsOf: url), source: url.lastPathComponent)
    }

    static func within(_ value: Double, _ published: Double, _ tolerance: Double = 0.01) -> Bool {
        abs(value / published - 1) <= tolerance
    }

    /// DBRX: 132 B total, 36 B active (Databricks' model card);
    /// 16 experts, 4 active, fields under attn_config/ffn_config.
    @Test func dbrx() throws {
        let model = try Self.load("dbrx-base.config.json")
        #expect(model.layers == 40 && model.kvHeads == 8 && model.moe?.experts == 16 && model.moe?.topK == 4)
        #expect(Self.within(model.parameters.total, 132e9), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 36e9, 0.02), "\(model.parameters.active)")
    }

    /// Gemma 3 27B: 27.43 B with its SigLIP tower (Hugging Face's count for gemma-3-27b-it); vocab, tying and the
    /// 5:1 local/global pattern come from transformers' defaults, which the config leaves out.
    @Test func gemma3() throws {
        let model = try Self.load("gemma-3-27b-it.config.json")
        #expect(model.vocabSize == 262_208 && model.tiedEmbeddings && model.gatedFFN)
        #expect(model.slidingWindow == 1024 && model.slidingWindowLayers == 62 - 62 / 6)
        let vision = try #require(model.vision)
        #expect(vision.poolsPatches && vision.spatialMergeSize == 4 && vision.layers == 27)
        #expect(
            Self.within(model.parameters.total + vision.parameters, 27.43e9),
            "\(model.parameters.total + vision.parameters)")
    }

    /// DeepSeek-MoE 16B (`model_type: deepseek`): 16.4 B total, 2.8 B active; 2 shared and 64 routed experts, the first
    /// layer dense.
    @Test func deepSeekMoE() throws {
        let model = try Self.load("deepseek-moe-16b-base.config.json")
        #expect(model.mla == nil && model.moe?.sharedExperts == 2 && model.moe?.denseLayers == 1)
        #expect(Self.within(model.parameters.total, 16.4e9), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 2.8e9, 0.02), "\(model.parameters.active)")
    }

    /// MiniMax-M2: 230 B total, 10 B active (MiniMax's model card, which counts the active figure without the
    /// embedding and output head); 256 experts, 8 active.
    @Test func miniMaxM2() throws {
        let model = try Self.load("minimax-m2.config.json")
        #expect(model.moe?.experts == 256 && model.moe?.expertFFNHiddenSize == 1536)
        #expect(Self.within(model.parameters.total, 230e9), "\(model.parameters.total)")
        let counts = model.parameters
        let activeInLayers = counts.active - counts.embedding - counts.outputHead
        #expect(Self.within(activeInLayers, 10e9, 0.03), "\(activeInLayers)")
    }

    /// GLM-4.5-Air (`glm4_moe`): 106 B total, 12 B active (Zhipu's model card, which counts the active figure without
    /// the embedding and output head); 128 routed experts, 8 active, one shared, the first layer dense, 96 query heads
    /// of 128 (wider than the hidden size) over 8 KV heads.
    @Test func glm45Air() throws {
        let model = try Self.load("glm-4.5-air.config.json")
        #expect(model.mla == nil && model.heads == 96 && model.kvHeads == 8 && model.headDim == 128 && model.qkvBias)
        #expect(model.moe?.experts == 128 && model.moe?.sharedExperts == 1 && model.moe?.denseLayers == 1)
        #expect(model.moe?.groups == 1 && model.moe?.groupsPerToken == 1)
        #expect(Self.within(model.parameters.total, 106e9), "\(model.parameters.total)")
        let counts = model.parameters
        #expect(Self.within(counts.active - counts.embedding - counts.outputHead, 12e9, 0.02), "\(counts.active)")
    }

    /// OLMoE-1B-7B (`olmoe`): 6.9 B total, 1.3 B active (AI2's paper, Table 1); 64 experts of width 1024, 8 active.
    @Test func olmoe() throws {
        let model = try Self.load("olmoe-1b-7b-0924.config.json")
        #expect(model.moe?.experts == 64 && model.moe?.topK == 8 && model.moe?.expertFFNHiddenSize == 1024)
        #expect(model.moe?.sharedExperts == 0 && model.moe?.denseLayers == 0 && !model.tiedEmbeddings)
        #expect(Self.within(model.parameters.total, 6.92e9), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 1.28e9, 0.02), "\(model.parameters.active)")
    }

    /// GLM-4 dense (`glm4`, GLM-4-9B-0414's keys): Llama's shape with Q, K, V biases and two KV heads; 9.4 B.
    @Test func glm4Dense() throws {
        let json = """
            {"model_type": "glm4", "hidden_size": 4096, "intermediate_size": 13696, "num_hidden_layers": 40,
             "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128, "attention_bias": true,
             "hidden_act": "silu", "partial_rotary_factor": 0.5, "vocab_size": 151552, "tie_word_embeddings": false}
            """
        let model = try TransformerModel.load(data: Data(json.utf8), source: "config.json")
        #expect(model.qkvBias && model.gatedFFN && model.moe == nil)
        #expect(Self.within(model.parameters.total, 9.4e9), "\(model.parameters.total)")
    }

    /// Llama 4 Scout (`llama4`): 109 B total with its vision tower, 17 B active (Meta's model card); 16 experts, one
    /// active plus a shared one, in every layer; 36 of the 48 layers attend within 8,192-token chunks.
    @Test func llama4Scout() throws {
        let model = try Self.load("llama-4-scout-17b-16e.config.json")
        let moe = try #require(model.moe)
        #expect(moe.experts == 16 && moe.topK == 1 && moe.sharedExperts == 1 && moe.denseLayers == 0)
        #expect(model.slidingWindowLayers == 36 && model.slidingWindow == 8192 && !model.tiedEmbeddings)
        let vision = try #require(model.vision)
        #expect(vision.layers == 34 && vision.spatialMergeSize == 2)
        #expect(Self.within(model.parameters.total + vision.parameters, 109e9), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 17e9, 0.02), "\(model.parameters.active)")
    }

    /// Llama 4 Maverick's text keys: MoE (128 experts) every other layer, dense layers of 16,384 between; 400 B total,
    /// 17 B active (Meta's model card).
    @Test func llama4MaverickInterleavesExperts() throws {
        let json = """
            {"model_type": "llama4", "text_config": {"model_type": "llama4_text", "hidden_size": 5120,
             "intermediate_size": 8192, "intermediate_size_mlp": 16384, "num_hidden_layers": 48, "num_attention_heads": 40,
             "num_key_value_heads": 8, "head_dim": 128, "num_local_experts": 128, "num_experts_per_tok": 1,
             "interleave_moe_layer_step": 2, "attention_chunk_size": 8192, "vocab_size": 202048}}
            """
        let model = try TransformerModel.load(data: Data(json.utf8), source: "config.json")
        #expect(model.moe?.denseLayers == 24 && model.ffnHiddenSize == 16384 && model.slidingWindowLayers == 36)
        #expect(Self.within(model.parameters.total, 400e9, 0.02), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 17e9, 0.03), "\(model.parameters.active)")
        // Bad keys are named with their section.
        let config = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let badValues: [(String, Any)] = [
            ("interleave_moe_layer_step", 0), ("attention_chunk_size", -5),
            ("intermediate_size_mlp", -1), ("moe_layers", Array(0..<60)),
            ("no_rope_layers", [1, 0]),
        ]
        for (field, value) in badValues {
            var broken = config
            var text = try #require(config["text_config"] as? [String: Any])
            text[field] = value
            broken["text_config"] = text
            let data = try JSONSerialization.data(withJSONObject: broken)
            #expect { try TransformerModel.load(data: data, source: "config.json") } throws: {
                ($0 as? CostModelError)?.field == "text_config." + field
            }
        }
    }

    /// The type is read first: an unsupported family says so, not that a Llama key is missing; families whose layers
    /// the cost model cannot price are refused with the reason.
    @Test(arguments: [
        ("{\"model_type\": \"minimax\", \"hidden_size\": 6144}", "lightning"),
        ("{\"model_type\": \"jamba\"}", "Mamba"),
        ("{\"model_type\": \"qwen3_next\", \"hidden_size\": 2048}", "Gated DeltaNet"),
        ("{\"model_type\": \"bloomz_future\", \"n_head\": 4}", "not supported; use one of"),
    ])
    func unsupportedFamiliesAreNamedFirst(json: String, reason: String) {
        #expect {
            try TransformerModel.load(data: Data(json.utf8), source: "config.json")
        } throws: { error in
            let error = error as? CostModelError
            return error?.field == "model_type" && error?.reason.contains(reason) == true
        }
    }
}
