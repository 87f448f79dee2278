import CostModel
import Foundation

extension TransformerModel {
    /// Reads a Hugging Face `config.json` (Llama, Mistral, Mixtral, Phi-3 and Phi-3.5-MoE, Qwen2/2.5/3 and their MoE
    /// variants, DeepSeek-MoE/V2/V3 and Kimi K2, DBRX, MiniMax-M2, gpt-oss, Gemma 1/2/3 (Gemma 3 with its SigLIP
    /// tower), InternLM2/3, OLMo 1-3, Granite and Granite MoE, GLM and GLM-4, Cohere, Nemotron, SmolLM3, Ministral,
    /// Seed-OSS, ERNIE 4.5, Helium, Arcee, Apertus, StarCoder2, GPT-NeoX, Falcon, GPT-2, Qwen2-VL, Qwen2.5-VL, Qwen3-VL
    /// (dense and MoE) and InternVL with their vision encoders) or ParaPlan's own YAML/JSON model file; which one is
    /// decided by the keys.
    public static func load(data: Data, source: String) throws(CostModelError) -> TransformerModel {
        let fields = try FieldReader.parse(data, source: source)
        let model =
            fields.has("num_hidden_layers") || fields.has("model_type")
            ? try huggingFace(fields)
            : try paraPlanFile(fields)
        try model.validate(source: source)
        return model
    }

    /// ParaPlan's model file: layers, hiddenSize, heads, kvHeads, ffnHiddenSize, gatedFFN, vocabSize,
    /// tiedEmbeddings, for MoE experts, topK, expertFFNHiddenSize, sharedExperts, and for sliding-window attention
    /// slidingWindow (tokens) and slidingWindowLayers.
    static func paraPlanFile(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        try fields.rejectUnknown(allowed: [
            "name", "layers", "hiddenSize", "heads", "kvHeads", "headDim", "ffnHiddenSize", "gatedFFN",
            "vocabSize", "tiedEmbeddings", "qkvBias", "experts", "topK", "expertFFNHiddenSize",
            "sharedExperts", "sharedExpertFFNHiddenSize", "denseLayers", "slidingWindow", "slidingWindowLayers",
        ])
        let heads = try fields.int("heads")
        var moe: MixtureOfExperts?
        if fields.has("experts") {
            moe = MixtureOfExperts(
                experts: try fields.int("experts"), topK: try fields.int("topK"),
                expertFFNHiddenSize: try fields.int("expertFFNHiddenSize"),
                sharedExperts: try fields.int("sharedExperts", default: 0),
                sharedExpertFFNHiddenSize: fields.has("sharedExpertFFNHiddenSize")
                    ? try fields.int("sharedExpertFFNHiddenSize") : nil,
                denseLayers: try fields.int("denseLayers", default: 0))
        }
        let hidden = try fields.int("hiddenSize")
        var model = TransformerModel(
            name: try fields.string("name") ?? fields.source,
            layers: try fields.int("layers"), hiddenSize: hidden, heads: heads,
            kvHeads: try fields.int("kvHeads", default: heads),
            headDim: fields.has("headDim") ? try fields.int("headDim") : nil,
            ffnHiddenSize: try fields.int("ffnHiddenSize"), gatedFFN: try fields.bool("gatedFFN", default: false),
            vocabSize: try fields.int("vocabSize"), tiedEmbeddings: try fields.bool("tiedEmbeddings", default: false),
            qkvBias: try fields.bool("qkvBias", default: false), moe: moe)
        model.slidingWindowLayers = try fields.int("slidingWindowLayers", default: 0)
        model.slidingWindow = try fields.int("slidingWindow", default: 0)
        return model
    }

    /// A vision-language model's text sub-config (`model.config.text_config`) is its LLM family's config.
    static let textConfigFamilies = [
        "qwen2_vl_text": "qwen2", "qwen2_5_vl_text": "qwen2", "qwen3_vl_text": "qwen3",
        "qwen3_vl_moe_text": "qwen3_moe",
    ]

    static func huggingFace(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        var declared = try fields.string("model_type") ?? ""
        if declared.isEmpty { declared = try familyOfUntypedConfig(fields) }
        let type = textConfigFamilies[declared] ?? declared
        // The type first: a family with other keys would otherwise be reported as missing a Llama key.
        try checkModelType(type, fields)
        if type == "dbrx" { return try dbrx(fields) }
        if type == "falcon" { return try falcon(fields) }
        if type == "gpt2" { return try gpt2(fields) }
        if type == "gemma3" { return try gemma3(fields) }
        if type == "llama4" { return try llama4(fields) }
        if type == "qwen3_vl" || type == "qwen3_vl_moe" { return try qwen3VL(fields, moe: type == "qwen3_vl_moe") }
        if type == "qwen2_vl" || type == "qwen2_5_vl", !fields.has("num_attention_heads"),
            let text = try fields.nested("text_config")
        {
            return try qwen2VLText(fields, text: text, type: type)
        }
        if type == "internvl_chat" || type == "internvl" { return try internVL(fields, native: type == "internvl") }
        return try huggingFaceText(fields, type: type)
    }

    /// Qwen3-VL keeps the LLM's keys under `text_config` (a Qwen3 or Qwen3-MoE decoder) beside `vision_config`.
    static func qwen3VL(_ fields: FieldReader, moe: Bool) throws(CostModelError) -> TransformerModel {
        guard let text = try fields.nested("text_config") else {
            throw fields.fail("text_config", nil, "is required for a Qwen3-VL config (the language model's keys)")
        }
        var model = try wrappedText(fields, text: text, type: moe ? "qwen3_moe" : "qwen3")
        if let vision = try fields.nested("vision_config") {
            model.vision = try qwen3VisionEncoder(vision, llmHidden: model.hiddenSize)
        }
        return model
    }

    /// Qwen2-VL and Qwen2.5-VL as transformers 5 writes them: the LLM's keys under `text_config`, the ViT's under the
    /// top-level `vision_config` (earlier releases kept the LLM's keys at the top).
    static func qwen2VLText(
        _ fields: FieldReader, text: FieldReader, type: String
    ) throws(CostModelError) -> TransformerModel {
        var model = try wrappedText(fields, text: text, type: type)
        if let vision = try fields.nested("vision_config") {
            model.vision = try visionEncoder(vision, qwen25: type == "qwen2_5_vl", llmHidden: model.hiddenSize)
        }
        return model
    }

    /// Qwen MoE's dense layers (an MLP of intermediate_size): those listed in `mlp_only_layers`, and those a
    /// `decoder_sparse_step` of s skips (layer i is MoE when (i + 1) is a multiple of s), as transformers builds them.
    static func qwenDenseLayers(_ fields: FieldReader) throws(CostModelError) -> Int {
        let layers = try fields.int("num_hidden_layers")
        let step = try fields.int("decoder_sparse_step", default: 1)
        guard step >= 1, step <= max(layers, 1) else {
            throw fields.fail("decoder_sparse_step", step, "must be from 1 to the \(layers) layers")
        }
        let listed = try fields.doubles("mlp_only_layers") ?? []
        guard listed.allSatisfy({ $0 >= 0 && $0 < Double(layers) && $0 == $0.rounded() }) else {
            throw fields.fail(
                "mlp_only_layers", "\(listed.map { Int($0) })", "must list layers from 0 to \(layers - 1)")
        }
        let dense = Set(listed.map { Int($0) })
        return (0..<max(layers, 0)).filter { dense.contains($0) || ($0 + 1) % step != 0 }.count
    }

    /// The language model of a multimodal config, read from its `text_config` as `type`; the wrapper names it and,
    /// where the text keys leave it out, says whether the embeddings are tied.
    static func wrappedText(
        _ fields: FieldReader, text: FieldReader, type: String
    ) throws(CostModelError) -> TransformerModel {
        var model = try huggingFaceText(text, type: type)
        model.name = try fields.string("_name_or_path") ?? fields.source
        if !text.has("tie_word_embeddings") {
            model.tiedEmbeddings = try fields.bool("tie_word_embeddings", default: false)
        }
        return model
    }

    static func huggingFaceText(_ fields: FieldReader, type: String) throws(CostModelError) -> TransformerModel {
        let heads = try fields.int("num_attention_heads")
        let hidden = try fields.int("hidden_size")
        let activation = try fields.string("hidden_act") ?? "silu"
        var moe: MixtureOfExperts?
        var mla: MultiHeadLatentAttention?
        var ffn = try fields.int("intermediate_size")
        switch type {
        case "mixtral", "phimoe", "granitemoe":
            moe = MixtureOfExperts(
                experts: try fields.int("num_local_experts"), topK: try fields.int("num_experts_per_tok"),
                expertFFNHiddenSize: ffn)
        case "qwen2_moe", "qwen3_moe":
            let shared = try fields.int("shared_expert_intermediate_size", default: 0)
            // transformers 5 writes Qwen3-MoE's expert count as num_local_experts, earlier releases num_experts.
            let expertsKey = fields.has("num_local_experts") ? "num_local_experts" : "num_experts"
            moe = MixtureOfExperts(
                experts: try fields.int(expertsKey), topK: try fields.int("num_experts_per_tok"),
                expertFFNHiddenSize: try fields.int("moe_intermediate_size"),
                sharedExperts: shared > 0 ? 1 : 0, sharedExpertFFNHiddenSize: shared > 0 ? shared : nil,
                denseLayers: try qwenDenseLayers(fields))
        case "deepseek", "glm4_moe", "deepseek_v2", "deepseek_v3", "kimi_k2":
            // DeepSeek's expert keys: DeepSeek-MoE (standard multi-head attention), GLM-4.5 (grouped-query attention)
            // and DeepSeek-V2/V3 and Kimi K2, DeepSeek-V3's architecture under its own name (MLA), with group-limited
            // routing where the config sets n_group and topk_group.
            moe = MixtureOfExperts(
                experts: try fields.int("n_routed_experts"), topK: try fields.int("num_experts_per_tok"),
                expertFFNHiddenSize: try fields.int("moe_intermediate_size"),
                sharedExperts: try fields.int("n_shared_experts", default: 0),
                denseLayers: try fields.int("first_k_dense_replace", default: 0))
            moe?.groups = try fields.int("n_group", default: 0)
            moe?.groupsPerToken = try fields.int("topk_group", default: 0)
            if type.hasPrefix("deepseek_v") || type == "kimi_k2" {
                mla = MultiHeadLatentAttention(
                    qLoraRank: try fields.int("q_lora_rank", default: 0),
                    kvLoraRank: try fields.int("kv_lora_rank"),
                    qkNopeHeadDim: try fields.int("qk_nope_head_dim"),
                    qkRopeHeadDim: try fields.int("qk_rope_head_dim"),
                    vHeadDim: try fields.int("v_head_dim"))
            }
        case "llama4_text":
            // Llama 4: MoE every `interleave_moe_layer_step`-th layer (experts of intermediate_size and one shared
            // expert as wide), dense layers of intermediate_size_mlp between them.
            let step = try fields.int("interleave_moe_layer_step", default: 1)
            let layers = try fields.int("num_hidden_layers")
            guard step >= 1, step <= max(layers, 1) else {
                throw fields.fail("interleave_moe_layer_step", step, "must be from 1 to the \(layers) layers")
            }
            let moeLayers = try fields.doubles("moe_layers")?.count ?? layers / step
            guard moeLayers <= layers else {
                throw fields.fail("moe_layers", "\(moeLayers) entries", "must list at most the \(layers) layers")
            }
            moe = MixtureOfExperts(
                experts: try fields.int("num_local_experts"), topK: try fields.int("num_experts_per_tok"),
                expertFFNHiddenSize: ffn, sharedExperts: 1, denseLayers: layers - moeLayers)
            if fields.has("intermediate_size_mlp") {
                ffn = try fields.int("intermediate_size_mlp")
                guard ffn >= 1 else { throw fields.fail("intermediate_size_mlp", ffn, "must be a positive width") }
            }
        case "olmoe":
            // Every layer MoE; each expert a SwiGLU of intermediate_size, no shared expert.
            moe = MixtureOfExperts(
                experts: try fields.int("num_experts"), topK: try fields.int("num_experts_per_tok"),
                expertFFNHiddenSize: ffn)
        case "minimax_m2":
            // Every layer MoE; each expert a SwiGLU of intermediate_size.
            moe = MixtureOfExperts(
                experts: try fields.int("num_local_experts"), topK: try fields.int("num_experts_per_tok"),
                expertFFNHiddenSize: ffn)
        case "gpt_oss":
            // Every layer is MoE; each expert is a SwiGLU of intermediate_size.
            let topK =
                fields.has("num_experts_per_tok")
                ? try fields.int("num_experts_per_tok") : try fields.int("experts_per_token")
            moe = MixtureOfExperts(experts: try fields.int("num_local_experts"), topK: topK, expertFFNHiddenSize: ffn)
        case "llama", "mistral", "qwen2", "qwen3", "qwen2_vl", "qwen2_5_vl", "gemma", "gemma2", "gemma3_text",
            "internlm2",
            "phi3", "olmo", "olmo2", "granite", "glm4", "cohere", "cohere2", "nemotron", "starcoder2", "gpt_neox",
            "smollm3", "olmo3", "ministral", "ministral3", "seed_oss", "internlm3", "ernie4_5", "helium", "arcee",
            "apertus", "glm":
            // Llama's shape: Phi-3/Phi-4 pack Q, K, V and gate/up into one matrix each (the same parameters), OLMo 2
            // adds Q/K norms, Granite scaling multipliers and GLM-4 norms after attention and the MLP, Cohere and
            // GPT-NeoX run attention and the MLP in parallel, none of which moves the FLOP or memory counts.
            // Nemotron and Arcee (squared ReLU), Apertus (xIELU), StarCoder2 and GPT-NeoX (GELU) have an ungated MLP,
            // read from hidden_act.
            break
        default:
            try checkModelType(type, fields)
            throw fields.fail("model_type", type, "is not read by this loader")
        }
        if ffn <= 0, let moe { ffn = moe.expertFFNHiddenSize }
        // These families all use SwiGLU (hidden_act "silu") unless hidden_act says otherwise, Gemma's GeGLU is gated
        // too (its act is a GELU); Qwen2 always has Q, K, V biases.
        let gemma = type.hasPrefix("gemma")
        let gated = gemma || ["silu", "swish", "swiglu"].contains(activation)
        // transformers' defaults where the config is silent: GPT-NeoX's attention and StarCoder2's layers have biases.
        let layerBias = type == "starcoder2" ? try fields.bool("use_bias", default: true) : false
        let declaredBias = try fields.bool("attention_bias", default: type == "gpt_neox") || layerBias
        let qkvBias = type.hasPrefix("qwen2") || declaredBias
        var vision: VisionEncoder?
        if type == "qwen2_vl" || type == "qwen2_5_vl", let reader = try fields.nested("vision_config") {
            vision = try visionEncoder(reader, qwen25: type == "qwen2_5_vl", llmHidden: hidden)
        }
        let layers = try fields.int("num_hidden_layers")
        var model = TransformerModel(
            name: try fields.string("_name_or_path") ?? fields.source,
            layers: layers, hiddenSize: hidden, heads: heads,
            kvHeads: try fields.int("num_key_value_heads", default: heads),
            headDim: fields.has("head_dim") ? try fields.int("head_dim") : nil,
            ffnHiddenSize: ffn,
            gatedFFN: gated,
            vocabSize: try fields.int("vocab_size"),
            tiedEmbeddings: try fields.bool("tie_word_embeddings", default: Self.tiesEmbeddingsByDefault(type)),
            qkvBias: qkvBias,
            moe: moe, mla: mla, vision: vision)
        (model.slidingWindowLayers, model.slidingWindow) = try slidingWindow(fields, type: type, layers: layers)
        return model
    }

    /// Qwen2-VL: embed_dim, mlp_ratio (GELU MLP), hidden_size = the merger's output. Qwen2.5-VL: hidden_size,
    /// intermediate_size (SwiGLU), out_hidden_size, and windowed attention (window_size pixels) in every layer not
    /// listed in fullatt_block_indexes.
    static func visionEncoder(
        _ fields: FieldReader, qwen25: Bool, llmHidden: Int
    ) throws(CostModelError) -> VisionEncoder {
        let depth = try fields.int("depth")
        let merge = try fields.size("spatial_merge_size", default: 2)
        guard qwen25 else {
            let width = try fields.size("embed_dim")
            return VisionEncoder(
                layers: depth, hiddenSize: width, mlpHiddenSize: width * (try fields.size("mlp_ratio", default: 4)),
                spatialMergeSize: merge, outputSize: try fields.int("hidden_size", default: llmHidden))
        }
        let patch = try fields.int("patch_size", default: 14)
        try CostModelError.positive(patch, fields.source, "vision_config.patch_size")
        let window = try fields.size("window_size", default: 0)
        let fullLayers = try fields.doubles("fullatt_block_indexes")?.count ?? depth
        let side = window / patch
        return VisionEncoder(
            layers: depth, hiddenSize: try fields.int("hidden_size"),
            mlpHiddenSize: try fields.int("intermediate_size"),
            gatedMLP: true, spatialMergeSize: merge, outputSize: try fields.int("out_hidden_size", default: llmHidden),
            windowedLayers: window > 0 ? max(0, depth - fullLayers) : 0, patchesPerWindow: side * side)
    }

    /// Qwen3-VL: hidden_size, intermediate_size (a GELU MLP unless hidden_act says SwiGLU), out_hidden_size, full
    /// attention in every layer, and a DeepStack merger per `deepstack_visual_indexes` entry.
    static func qwen3VisionEncoder(_ fields: FieldReader, llmHidden: Int) throws(CostModelError) -> VisionEncoder {
        let activation = try fields.string("hidden_act") ?? "gelu_pytorch_tanh"
        return VisionEncoder(
            layers: try fields.size("depth"), hiddenSize: try fields.size("hidden_size"),
            mlpHiddenSize: try fields.size("intermediate_size"),
            gatedMLP: ["silu", "swish", "swiglu"].contains(activation),
            spatialMergeSize: try fields.size("spatial_merge_size", default: 2),
            outputSize: try fields.int("out_hidden_size", default: llmHidden),
            deepstackMergers: try fields.doubles("deepstack_visual_indexes")?.count ?? 0)
    }
}
