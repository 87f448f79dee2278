import CostModel
import Foundation

/// Hugging Face configs whose keys do not follow Llama's: DBRX (`attn_config`/`ffn_config`), Gemma 3 (a `gemma3`
/// wrapper whose `text_config` leaves out what transformers fills in), DeepSeek-MoE (`model_type: deepseek`) and
/// MiniMax-M2; and the families ParaPlan refuses by name, with the reason.
extension TransformerModel {
    /// Every `model_type` a config may name, checked before any other key is read.
    static let supportedModelTypes: Set<String> = [
        "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek", "deepseek_v2",
        "deepseek_v3",
        "gpt_oss", "gemma", "gemma2", "gemma3", "gemma3_text", "internlm2", "phi3", "olmo", "olmo2", "granite", "dbrx",
        "minimax_m2", "qwen2_vl", "qwen2_5_vl", "qwen3_vl", "qwen3_vl_moe", "internvl_chat", "internvl", "glm4",
        "glm4_moe",
        "olmoe", "llama4", "llama4_text", "kimi_k2", "phimoe", "cohere", "cohere2", "nemotron", "starcoder2",
        "gpt_neox",
        "falcon", "gpt2", "granitemoe", "smollm3", "olmo3", "ministral", "ministral3", "seed_oss", "internlm3",
        "ernie4_5",
        "helium", "arcee", "apertus", "glm", "qwen2_vl_text", "qwen2_5_vl_text", "qwen3_vl_text", "qwen3_vl_moe_text",
    ]

    /// Families whose layers ParaPlan's cost model cannot price, and why.
    static let refusedModelTypes: [String: String] = [
        "minimax":
            "MiniMax-Text-01 and MiniMax-M1 interleave lightning (linear) attention layers, which the cost model does"
            + " not price; MiniMax-M2 (minimax_m2) is supported",
        "minimax_text_01":
            "MiniMax-Text-01 interleaves lightning (linear) attention layers, which the cost model does not price",
        "mamba": "state-space layers are not priced by the cost model",
        "mamba2": "state-space layers are not priced by the cost model",
        "jamba": "Jamba's Mamba layers are not priced by the cost model",
        "nemotron_h": "Nemotron-H's Mamba layers are not priced by the cost model",
        "rwkv": "RWKV's recurrent layers are not priced by the cost model",
        "qwen3_next": "Qwen3-Next's Gated DeltaNet (linear attention) layers are not priced by the cost model",
        "falcon_h1": "Falcon-H1's Mamba layers are not priced by the cost model",
        "granitemoehybrid": "Granite 4's Mamba-2 layers are not priced by the cost model",
        "deepseek_v32":
            "DeepSeek-V3.2's sparse attention (its indexer and top-k key selection) is not priced by the cost"
            + " model",
    ].merging(encoderModelTypes.map { ($0, encoderReason) }) { kept, _ in kept }

    static let encoderReason = "the cost model prices decoder-only language models, not encoder or encoder-decoder ones"

    /// Encoder-only and encoder-decoder families, refused by name.
    static let encoderModelTypes = [
        "bert", "roberta", "xlm-roberta", "distilbert", "deberta", "deberta-v2", "electra",
        "modernbert", "t5", "mt5", "umt5", "bart", "mbart", "pegasus", "whisper",
    ]

    /// transformers' class names of the families read here, for configs that leave `model_type` out.
    static let architectureFamilies: [String: String] = [
        "LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral", "MixtralForCausalLM": "mixtral",
        "Qwen2ForCausalLM": "qwen2", "Qwen2MoeForCausalLM": "qwen2_moe", "Qwen3ForCausalLM": "qwen3",
        "Qwen3MoeForCausalLM": "qwen3_moe", "DeepseekV2ForCausalLM": "deepseek_v2",
        "DeepseekV3ForCausalLM": "deepseek_v3", "GptOssForCausalLM": "gpt_oss", "GemmaForCausalLM": "gemma",
        "Gemma2ForCausalLM": "gemma2", "Gemma3ForCausalLM": "gemma3_text", "Phi3ForCausalLM": "phi3",
        "PhimoeForCausalLM": "phimoe", "OlmoForCausalLM": "olmo", "Olmo2ForCausalLM": "olmo2",
        "OlmoeForCausalLM": "olmoe", "GraniteForCausalLM": "granite",
        "GraniteMoeForCausalLM": "granitemoe", "Glm4ForCausalLM": "glm4", "Glm4MoeForCausalLM": "glm4_moe",
        "CohereForCausalLM": "cohere", "Cohere2ForCausalLM": "cohere2", "NemotronForCausalLM": "nemotron",
        "Starcoder2ForCausalLM": "starcoder2", "GPTNeoXForCausalLM": "gpt_neox", "FalconForCausalLM": "falcon",
        "GPT2LMHeadModel": "gpt2", "DbrxForCausalLM": "dbrx", "MiniMaxM2ForCausalLM": "minimax_m2",
        "SmolLM3ForCausalLM": "smollm3", "InternLM2ForCausalLM": "internlm2",
    ]

    /// Keys that only a mixture-of-experts or latent-attention config has: read as Llama, they would be ignored.
    static let familyOnlyKeys = [
        "num_local_experts", "num_experts", "n_routed_experts", "moe_intermediate_size",
        "kv_lora_rank", "ffn_config",
    ]

    /// The family of a config without `model_type`: from `architectures`, else Llama's, unless keys only another
    /// family has would then be silently ignored.
    static func familyOfUntypedConfig(_ fields: FieldReader) throws(CostModelError) -> String {
        let architectures = (try? fields.strings("architectures")) ?? nil
        if let family = architectures?.lazy.compactMap({ architectureFamilies[$0] }).first { return family }
        if let key = familyOnlyKeys.first(where: fields.has) {
            throw fields.fail(
                "model_type", nil,
                "missing, and the config has \(key), which Llama's keys do not: "
                    + "name its family (e.g. mixtral, qwen3_moe, deepseek_v3)")
        }
        return "llama"
    }

    static func checkModelType(_ type: String, _ fields: FieldReader) throws(CostModelError) {
        if let reason = refusedModelTypes[type] { throw fields.fail("model_type", type, "not supported: \(reason)") }
        guard supportedModelTypes.contains(type) else {
            throw fields.fail(
                "model_type", type,
                "not supported; use one of \(supportedModelTypes.sorted().joined(separator: ", ")), or a ParaPlan"
                    + " model file"
            )
        }
    }

    /// DBRX: d_model, n_heads, n_layers at the top; KV heads under `attn_config`; experts, top-k and the expert width
    /// under `ffn_config`. Every layer is MoE, each expert a GLU of `ffn_hidden_size` (SiLU); embeddings untied.
    static func dbrx(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        guard let attention = try fields.nested("attn_config") else {
            throw fields.fail("attn_config", nil, "is required for DBRX")
        }
        guard let ffn = try fields.nested("ffn_config") else {
            throw fields.fail("ffn_config", nil, "is required for DBRX")
        }
        let heads = try fields.int("n_heads")
        let width = try ffn.int("ffn_hidden_size")
        let moe = MixtureOfExperts(
            experts: try ffn.int("moe_num_experts"), topK: try ffn.int("moe_top_k"), expertFFNHiddenSize: width)
        return TransformerModel(
            name: try fields.string("_name_or_path") ?? fields.source, layers: try fields.int("n_layers"),
            hiddenSize: try fields.int("d_model"), heads: heads,
            kvHeads: try attention.int("kv_n_heads", default: heads),
            ffnHiddenSize: width, gatedFFN: true, vocabSize: try fields.int("vocab_size"),
            tiedEmbeddings: try fields.bool("tie_word_embeddings", default: false), moe: moe)
    }

    /// Llama 4 (`llama4`): the language model under `text_config` (`llama4_text`) and a ViT under `vision_config`
    /// whose patches are pixel-shuffled by `pixel_shuffle_ratio` (0.5: 2 × 2 patches per token) before the projector.
    static func llama4(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        guard let text = try fields.nested("text_config") else {
            throw fields.fail("text_config", nil, "is required for a Llama 4 config (the language model's keys)")
        }
        var model = try wrappedText(fields, text: text, type: "llama4_text")
        if let vision = try fields.nested("vision_config") {
            let ratio = vision.has("pixel_shuffle_ratio") ? try vision.double("pixel_shuffle_ratio") : 0.5
            let merge = ratio > 0 ? Int((1 / ratio).rounded()) : 0
            guard merge >= 1, abs(Double(merge) * ratio - 1) < 1e-9 else {
                throw vision.fail(
                    "pixel_shuffle_ratio", ratio, "must be 1 over a whole number (0.5: 2 × 2 patches per token)")
            }
            model.vision = VisionEncoder(
                layers: try vision.size("num_hidden_layers"), hiddenSize: try vision.size("hidden_size"),
                mlpHiddenSize: try vision.size("intermediate_size"), spatialMergeSize: merge,
                outputSize: model.hiddenSize)
        }
        return model
    }

    /// transformers' `Gemma3TextConfig` defaults (v4.50), for the keys Gemma 3's published configs leave out.
    /// Numbers are boxed as the JSON reader boxes them, so the defaults read like the file's own keys.
    static var gemma3TextDefaults: [String: Any] {
        let numbers: [String: Int] = [
            "vocab_size": 262_208, "hidden_size": 2304, "intermediate_size": 9216,
            "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4,
            "head_dim": 256, "sliding_window": 4096, "sliding_window_pattern": 6,
        ]
        var defaults: [String: Any] = numbers.mapValues { NSNumber(value: $0) }
        defaults["hidden_activation"] = "gelu_pytorch_tanh"
        defaults["tie_word_embeddings"] = NSNumber(value: true)
        return defaults
    }

    /// Gemma 3 (`gemma3`): the language model under `text_config` with transformers' defaults filled in, and a
    /// SigLIP vision tower under `vision_config` whose patches are average-pooled to `mm_tokens_per_image` tokens and
    /// projected to the LLM's width by one linear map.
    static func gemma3(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        guard let text = try fields.nested("text_config") else {
            throw fields.fail("text_config", nil, "is required for a Gemma 3 config (the language model's keys)")
        }
        let filled = FieldReader(
            source: text.source, values: gemma3TextDefaults.merging(text.values) { _, given in given },
            prefix: text.prefix)
        var model = try huggingFaceText(filled, type: "gemma3_text")
        model.name = try fields.string("_name_or_path") ?? fields.source
        if let vision = try fields.nested("vision_config") {
            let image = try vision.int("image_size", default: 896)
            let patch = try vision.int("patch_size", default: 14)
            try CostModelError.positive(patch, vision.source, "vision_config.patch_size")
            let tokens = try fields.int("mm_tokens_per_image", default: 256)
            let patchesPerSide = image / patch
            let tokensPerSide = Int(Double(tokens).squareRoot())
            guard tokensPerSide > 0, tokensPerSide * tokensPerSide == tokens, patchesPerSide % tokensPerSide == 0 else {
                throw fields.fail(
                    "mm_tokens_per_image", tokens,
                    "must be a square number whose side divides the \(patchesPerSide) patches per side")
            }
            model.vision = VisionEncoder(
                layers: try vision.size("num_hidden_layers"), hiddenSize: try vision.size("hidden_size"),
                mlpHiddenSize: try vision.size("intermediate_size"),
                spatialMergeSize: patchesPerSide / tokensPerSide, outputSize: model.hiddenSize,
                poolsPatches: true)
        }
        return model
    }
}
