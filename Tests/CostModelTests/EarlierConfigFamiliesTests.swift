import Foundation
import InputFiles
import Testing

@testable import CostModel

/// Families added in the second round of config readers: Kimi K2 (DeepSeek-V3's keys under its own name),
/// Phi-3.5-MoE, Cohere, GPT-NeoX, StarCoder2, Nemotron, Falcon and GPT-2, each against its publisher's parameter
/// count (within 1 % unless the comment says why not), from the keys of its published `config.json`.
@Suite struct EarlierConfigFamiliesTests {
    static func load(_ json: String) throws -> TransformerModel {
        try TransformerModel.load(data: Data(json.utf8), source: "config.json")
    }

    static func within(_ value: Double, _ published: Double, _ tolerance: Double = 0.01) -> Bool {
        abs(value / published - 1) <= tolerance
    }

    /// Kimi K2 (`kimi_k2`): "1 T total, 32 B activated" (Moonshot's model card): 384 experts, 8 active, one shared,
    /// MLA. The card rounds both figures, hence 3 %.
    @Test func kimiK2() throws {
        let model = try Self.load(
            """
            {"architectures": ["DeepseekV3ForCausalLM"], "model_type": "kimi_k2", "hidden_size": 7168,
             "intermediate_size": 18432, "moe_intermediate_size": 2048, "n_routed_experts": 384, "n_shared_experts": 1,
             "num_experts_per_tok": 8, "first_k_dense_replace": 1, "num_attention_heads": 64, "num_key_value_heads": 64,
             "num_hidden_layers": 61, "kv_lora_rank": 512, "q_lora_rank": 1536, "qk_nope_head_dim": 128,
             "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 163840, "n_group": 1, "topk_group": 1}
            """)
        #expect(model.mla?.kvLoraRank == 512 && model.moe?.experts == 384 && model.moe?.denseLayers == 1)
        #expect(Self.within(model.parameters.total, 1.04e12, 0.03), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 32e9, 0.03), "\(model.parameters.active)")
    }

    /// Phi-3.5-MoE (`phimoe`): 41.9 B total, 6.6 B active (Microsoft's model card); Mixtral's keys.
    @Test func phi35MoE() throws {
        let model = try Self.load(
            """
            {"model_type": "phimoe", "hidden_size": 4096, "intermediate_size": 6400, "num_attention_heads": 32,
             "num_key_value_heads": 8, "num_hidden_layers": 32, "num_local_experts": 16, "num_experts_per_tok": 2,
             "vocab_size": 32064, "sliding_window": 131072, "tie_word_embeddings": false}
            """)
        #expect(model.moe?.experts == 16 && model.moe?.topK == 2 && model.gatedFFN)
        #expect(Self.within(model.parameters.total, 41.9e9), "\(model.parameters.total)")
        #expect(Self.within(model.parameters.active, 6.6e9), "\(model.parameters.active)")
    }

    /// Granite 3.0 3B-A800M (`granitemoe`): 3.3 B total, 800 M active without the embedding (IBM's model card);
    /// Mixtral's keys, 40 experts of width 512, 8 active.
    @Test func graniteMoE() throws {
        let model = try Self.load(
            """
            {"model_type": "granitemoe", "hidden_size": 1536, "intermediate_size": 512, "num_attention_heads": 24,
             "num_key_value_heads": 8, "num_hidden_layers": 32, "num_local_experts": 40, "num_experts_per_tok": 8,
             "vocab_size": 49155, "tie_word_embeddings": true}
            """)
        #expect(model.moe?.experts == 40 && model.moe?.expertFFNHiddenSize == 512 && model.tiedEmbeddings)
        #expect(Self.within(model.parameters.total, 3.3e9, 0.02), "\(model.parameters.total)")
        let counts = model.parameters
        #expect(Self.within(counts.active - counts.embedding, 0.8e9, 0.02), "\(counts.active)")
    }

    /// SmolLM3-3B (`smollm3`, 3.08 B: Hugging Face's count) and Command R (`cohere`, 35 B: Cohere's model card),
    /// whose configs leave `tie_word_embeddings` out: transformers ties them by default, and so do we.
    @Test(arguments: [
        (
            #"{"model_type": "smollm3", "hidden_size": 2048, "intermediate_size": 11008, "num_attention_heads": 16, "#
                + #""num_key_value_heads": 4, "num_hidden_layers": 36, "vocab_size": 128256, "hidden_act": "silu"}"#,
            3.08e9
        ),
        (
            #"{"model_type": "cohere", "hidden_size": 8192, "intermediate_size": 22528, "num_attention_heads": 64, "#
                + #""num_key_value_heads": 64, "num_hidden_layers": 40, "vocab_size": 256000, "hidden_act": "silu"}"#,
            35e9
        ),
    ])
    func tiedByDefault(json: String, published: Double) throws {
        let model = try Self.load(json)
        #expect(model.tiedEmbeddings && model.gatedFFN)
        #expect(Self.within(model.parameters.total, published), "\(model.parameters.total)")
    }

    /// Pythia-6.9B (`gpt_neox`): 6,857,302,016 parameters (Biderman et al. 2023, Table 1); an ungated GELU MLP.
    @Test func pythia() throws {
        let model = try Self.load(
            """
            {"model_type": "gpt_neox", "hidden_size": 4096, "intermediate_size": 16384, "num_attention_heads": 32,
             "num_hidden_layers": 32, "vocab_size": 50432, "hidden_act": "gelu", "tie_word_embeddings": false}
            """)
        #expect(!model.gatedFFN && model.qkvBias && !model.tiedEmbeddings)
        #expect(Self.within(model.parameters.total, 6_857_302_016), "\(model.parameters.total)")
    }

    /// StarCoder2-15B (`starcoder2`): an ungated GELU MLP with biases, a 4,096-token window in every layer.
    @Test func starCoder2() throws {
        let model = try Self.load(
            """
            {"model_type": "starcoder2", "hidden_size": 6144, "intermediate_size": 24576, "num_attention_heads": 48,
             "num_key_value_heads": 4, "num_hidden_layers": 40, "vocab_size": 49152, "hidden_act": "gelu_pytorch_tanh",
             "sliding_window": 4096, "use_bias": true}
            """)
        #expect(!model.gatedFFN && model.qkvBias && model.kvHeads == 4)
        #expect(model.slidingWindowLayers == 40 && model.slidingWindow == 4096)
    }

    /// Nemotron (`nemotron`): squared-ReLU MLP, so ungated.
    @Test func nemotron() throws {
        let model = try Self.load(
            """
            {"model_type": "nemotron", "hidden_size": 4096, "intermediate_size": 16384, "num_attention_heads": 48,
             "num_key_value_heads": 8, "head_dim": 128, "num_hidden_layers": 32, "vocab_size": 256000, "hidden_act": "relu2"}
            """)
        #expect(!model.gatedFFN && model.headDim == 128 && !model.tiedEmbeddings)
    }

    /// Falcon-7B: multi-query attention (one KV head), MLP 4 × hidden, tied embeddings; 7 B (TII's model card,
    /// rounded: 6.9 B with the tied head, hence 2 %).
    @Test func falcon7B() throws {
        let model = try Self.load(
            """
            {"model_type": "falcon", "hidden_size": 4544, "num_attention_heads": 71, "num_hidden_layers": 32,
             "multi_query": true, "new_decoder_architecture": false, "parallel_attn": true, "vocab_size": 65024}
            """)
        #expect(model.kvHeads == 1 && model.ffnHiddenSize == 4 * 4544 && !model.gatedFFN && model.tiedEmbeddings)
        #expect(Self.within(model.parameters.total, 7e9, 0.02), "\(model.parameters.total)")
    }

    /// Falcon-40B: `new_decoder_architecture` with 8 KV heads. TII's card says 40 B; we count 41.3 B with the head
    /// tied (41.8 B untied), so the check is the shape and 5 %.
    @Test func falcon40B() throws {
        let model = try Self.load(
            """
            {"model_type": "falcon", "hidden_size": 8192, "num_attention_heads": 128, "num_hidden_layers": 60,
             "num_kv_heads": 8, "multi_query": true, "new_decoder_architecture": true, "vocab_size": 65024}
            """)
        #expect(model.kvHeads == 8 && model.layers == 60)
        #expect(Self.within(model.parameters.total, 40e9, 0.05), "\(model.parameters.total)")
        let legacy = try Self.load(
            """
            {"model_type": "falcon", "n_embed": 8192, "n_head": 128, "n_layer": 60, "n_head_kv": 8,
             "new_decoder_architecture": true, "vocab_size": 65024}
            """)
        #expect(legacy == model)
    }

    /// GPT-2 small: 124 M (Hugging Face's count, which includes 0.8 M learned positions this model leaves out).
    @Test func gpt2() throws {
        let model = try Self.load(
            """
            {"model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12, "n_inner": null, "n_positions": 1024,
             "vocab_size": 50257, "activation_function": "gelu_new"}
            """)
        #expect(model.ffnHiddenSize == 3072 && !model.gatedFFN && model.tiedEmbeddings && model.qkvBias)
        #expect(Self.within(model.parameters.total, 124.4e6), "\(model.parameters.total)")
    }

    /// transformers 5 writes Qwen2-VL's LLM keys under `text_config` and Qwen3-MoE's expert count as
    /// `num_local_experts`: the same model as the published files' layout.
    @Test func transformers5Layouts() throws {
        let url = ModelShapeTests.examples.appendingPathComponent("qwen2-vl-7b.config.json")
        let published = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let topLevel: Set<String> = ["model_type", "vision_config", "_name_or_path", "architectures"]
        var nested = published.filter { topLevel.contains($0.key) }
        nested["text_config"] = published.filter { !topLevel.contains($0.key) }
        let reread = try TransformerModel.load(
            data: JSONSerialization.data(withJSONObject: nested), source: url.lastPathComponent)
        #expect(reread == (try TransformerModel.load(data: Data(contentsOf: url), source: url.lastPathComponent)))
        #expect(reread.vision != nil)

        let qwen3MoE = """
            {"model_type": "qwen3_moe", "hidden_size": 2048, "intermediate_size": 6144, "moe_intermediate_size": 768,
             "EXPERTS": 128, "num_experts_per_tok": 8, "num_attention_heads": 32, "num_key_value_heads": 4, "head_dim": 128,
             "num_hidden_layers": 48, "vocab_size": 151936}
            """
        let old = try Self.load(qwen3MoE.replacingOccurrences(of: "EXPERTS", with: "num_experts"))
        let new = try Self.load(qwen3MoE.replacingOccurrences(of: "EXPERTS", with: "num_local_experts"))
        #expect(old == new && new.moe?.experts == 128)
    }

    /// Llama-shaped families whose MLP or tying differ from Llama's defaults: ERNIE 4.5 ties by transformers' default,
    /// Arcee (squared ReLU) and Apertus (xIELU) have an ungated MLP; a VL model's text sub-config reads as its LLM.
    @Test func llamaShapedDefaults() throws {
        let shape =
            #""hidden_size": 1024, "intermediate_size": 3072, "num_attention_heads": 16, "num_key_value_heads": 2, "#
            + #""head_dim": 128, "num_hidden_layers": 18, "vocab_size": 103424"#
        let ernie = try Self.load("{\"model_type\": \"ernie4_5\", \(shape)}")
        #expect(ernie.tiedEmbeddings && ernie.gatedFFN)
        for (type, activation) in [("arcee", "relu2"), ("apertus", "xielu")] {
            let model = try Self.load("{\"model_type\": \"\(type)\", \"hidden_act\": \"\(activation)\", \(shape)}")
            #expect(!model.gatedFFN && !model.tiedEmbeddings, "\(type)")
        }
        let text = try Self.load("{\"model_type\": \"qwen3_vl_text\", \(shape)}")
        #expect(text == (try Self.load("{\"model_type\": \"qwen3\", \(shape)}")))
    }

    /// A config without `model_type` is read by its `architectures` class; without either, as Llama, unless it has
    /// keys Llama's do not (experts, latent attention), which would then be ignored: that is refused, naming the key.
    @Test func configsWithoutTheirType() throws {
        let mixtral =
            #""hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "#
            + #""num_key_value_heads": 8, "num_hidden_layers": 32, "vocab_size": 32000, "num_local_experts": 8, "#
            + #""num_experts_per_tok": 2"#
        let named = try Self.load("{\"model_type\": \"mixtral\", \(mixtral)}")
        let byClass = try Self.load("{\"architectures\": [\"MixtralForCausalLM\"], \(mixtral)}")
        #expect(named == byClass && byClass.moe?.experts == 8)
        #expect {
            try Self.load("{\(mixtral)}")
        } throws: { error in
            let error = error as? CostModelError
            return error?.field == "model_type" && error?.reason.contains("num_local_experts") == true
        }
        let llama = try Self.load(
            #"{"hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "#
                + #""num_hidden_layers": 32, "vocab_size": 32000}"#)
        #expect(llama.moe == nil && llama.gatedFFN)
    }

    /// Qwen MoE layers that transformers builds dense (`mlp_only_layers`, `decoder_sparse_step`) are priced dense.
    @Test func qwenDenseLayers() throws {
        let keys =
            #""model_type": "qwen3_moe", "hidden_size": 2048, "intermediate_size": 6144, "#
            + #""moe_intermediate_size": 768, "num_experts": 128, "num_experts_per_tok": 8, "num_attention_heads": 32, "#
            + #""num_key_value_heads": 4, "head_dim": 128, "num_hidden_layers": 48, "vocab_size": 151936"#
        #expect(try Self.load("{\(keys)}").moe?.denseLayers == 0)
        #expect(try Self.load("{\(keys), \"mlp_only_layers\": [0, 1, 47]}").moe?.denseLayers == 3)
        #expect(try Self.load("{\(keys), \"decoder_sparse_step\": 2}").moe?.denseLayers == 24)
        #expect(
            try Self.load("{\(keys), \"decoder_sparse_step\": 2, \"mlp_only_layers\": [1, 2]}").moe?.denseLayers == 25)
        for bad in [#""decoder_sparse_step": 0"#, #""mlp_only_layers": [48]"#] {
            #expect(throws: CostModelError.self) { try Self.load("{\(keys), \(bad)}") }
        }
    }

    /// Encoder-only and encoder-decoder families and DeepSeek-V3.2's sparse attention are refused with the reason;
    /// a bad key of a new family names the key.
    @Test(arguments: [
        ("{\"model_type\": \"bert\", \"hidden_size\": 768}", "decoder-only"),
        ("{\"model_type\": \"t5\", \"d_model\": 512}", "decoder-only"),
        ("{\"model_type\": \"deepseek_v32\", \"hidden_size\": 7168}", "sparse attention"),
        ("{\"model_type\": \"granitemoehybrid\"}", "Mamba-2"),
        ("{\"model_type\": \"gpt2\", \"n_embd\": \"wide\", \"n_head\": 12, \"n_layer\": 2}", "must be"),
        ("{\"model_type\": \"falcon\", \"hidden_size\": 64, \"num_attention_heads\": 4}", "missing"),
    ])
    func refusalsAndBadKeysAreNamed(json: String, reason: String) {
        #expect {
            try Self.load(json)
        } throws: { error in
            (error as? CostModelError)?.reason.contains(reason) == true
        }
    }
}
