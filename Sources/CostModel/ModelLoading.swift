import Foundation

extension TransformerModel {
    /// Reads a Hugging Face `config.json` (Llama, Mistral, Mixtral, Qwen2/2.5/3 and their MoE variants,
    /// DeepSeek-MoE/V2/V3, DBRX, MiniMax-M2, gpt-oss, Gemma 1/2/3 (Gemma 3 with its SigLIP tower), InternLM2,
    /// Qwen2-VL, Qwen2.5-VL, Qwen3-VL (dense and MoE) and InternVL with their vision encoders) or ParaPlan's own YAML/JSON model file; which one is decided by the keys.
    public static func load(data: Data, source: String) throws(CostModelError) -> TransformerModel {
        let fields = try FieldReader.parse(data, source: source)
        let model = fields.has("num_hidden_layers") || fields.has("model_type")
            ? try huggingFace(fields)
            : try paraPlanFile(fields)
        try model.validate(source: source)
        return model
    }

    /// ParaPlan's model file: layers, hiddenSize, heads, kvHeads, ffnHiddenSize, gatedFFN, vocabSize,
    /// tiedEmbeddings, for MoE experts, topK, expertFFNHiddenSize, sharedExperts, and for sliding-window attention
    /// slidingWindow (tokens) and slidingWindowLayers.
    static func paraPlanFile(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        try fields.rejectUnknown(allowed: ["name", "layers", "hiddenSize", "heads", "kvHeads", "headDim", "ffnHiddenSize", "gatedFFN",
                                           "vocabSize", "tiedEmbeddings", "qkvBias", "experts", "topK", "expertFFNHiddenSize",
                                           "sharedExperts", "sharedExpertFFNHiddenSize", "denseLayers", "slidingWindow", "slidingWindowLayers"])
        let heads = try fields.int("heads")
        var moe: MixtureOfExperts?
        if fields.has("experts") {
            moe = MixtureOfExperts(experts: try fields.int("experts"), topK: try fields.int("topK"),
                                   expertFFNHiddenSize: try fields.int("expertFFNHiddenSize"),
                                   sharedExperts: try fields.int("sharedExperts", default: 0),
                                   sharedExpertFFNHiddenSize: fields.has("sharedExpertFFNHiddenSize") ? try fields.int("sharedExpertFFNHiddenSize") : nil,
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

    static func huggingFace(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        let type = try fields.string("model_type") ?? "llama"
        // The type first: a family with other keys would otherwise be reported as missing a Llama key.
        try checkModelType(type, fields)
        if type == "dbrx" { return try dbrx(fields) }
        if type == "gemma3" { return try gemma3(fields) }
        if type == "llama4" { return try llama4(fields) }
        if type == "qwen3_vl" || type == "qwen3_vl_moe" { return try qwen3VL(fields, moe: type == "qwen3_vl_moe") }
        if type == "internvl_chat" || type == "internvl" { return try internVL(fields, native: type == "internvl") }
        return try huggingFaceText(fields, type: type)
    }

    /// Qwen3-VL keeps the LLM's keys under `text_config` (a Qwen3 or Qwen3-MoE decoder) beside `vision_config`.
    static func qwen3VL(_ fields: FieldReader, moe: Bool) throws(CostModelError) -> TransformerModel {
        guard let text = try fields.nested("text_config") else {
            throw fields.fail("text_config", nil, "is required for a Qwen3-VL config (the language model's keys)")
        }
        var model = try huggingFaceText(text, type: moe ? "qwen3_moe" : "qwen3")
        model.name = try fields.string("_name_or_path") ?? fields.source
        if !text.has("tie_word_embeddings") { model.tiedEmbeddings = try fields.bool("tie_word_embeddings", default: false) }
        if let vision = try fields.nested("vision_config") {
            model.vision = try qwen3VisionEncoder(vision, llmHidden: model.hiddenSize)
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
        case "mixtral":
            moe = MixtureOfExperts(experts: try fields.int("num_local_experts"), topK: try fields.int("num_experts_per_tok"),
                                   expertFFNHiddenSize: ffn)
        case "qwen2_moe", "qwen3_moe":
            let shared = try fields.int("shared_expert_intermediate_size", default: 0)
            moe = MixtureOfExperts(experts: try fields.int("num_experts"), topK: try fields.int("num_experts_per_tok"),
                                   expertFFNHiddenSize: try fields.int("moe_intermediate_size"),
                                   sharedExperts: shared > 0 ? 1 : 0, sharedExpertFFNHiddenSize: shared > 0 ? shared : nil)
        case "deepseek", "glm4_moe", "deepseek_v2", "deepseek_v3":
            // DeepSeek's expert keys: DeepSeek-MoE (standard multi-head attention), GLM-4.5 (grouped-query attention)
            // and DeepSeek-V2/V3 (MLA), with group-limited routing where the config sets n_group and topk_group.
            moe = MixtureOfExperts(experts: try fields.int("n_routed_experts"), topK: try fields.int("num_experts_per_tok"),
                                   expertFFNHiddenSize: try fields.int("moe_intermediate_size"),
                                   sharedExperts: try fields.int("n_shared_experts", default: 0),
                                   denseLayers: try fields.int("first_k_dense_replace", default: 0))
            moe?.groups = try fields.int("n_group", default: 0)
            moe?.groupsPerToken = try fields.int("topk_group", default: 0)
            if type.hasPrefix("deepseek_v") {
                mla = MultiHeadLatentAttention(qLoraRank: try fields.int("q_lora_rank", default: 0),
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
            moe = MixtureOfExperts(experts: try fields.int("num_local_experts"), topK: try fields.int("num_experts_per_tok"),
                                   expertFFNHiddenSize: ffn, sharedExperts: 1, denseLayers: layers - moeLayers)
            if fields.has("intermediate_size_mlp") {
                ffn = try fields.int("intermediate_size_mlp")
                guard ffn >= 1 else { throw fields.fail("intermediate_size_mlp", ffn, "must be a positive width") }
            }
        case "olmoe":
            // Every layer MoE; each expert a SwiGLU of intermediate_size, no shared expert.
            moe = MixtureOfExperts(experts: try fields.int("num_experts"), topK: try fields.int("num_experts_per_tok"),
                                   expertFFNHiddenSize: ffn)
        case "minimax_m2":
            // Every layer MoE; each expert a SwiGLU of intermediate_size.
            moe = MixtureOfExperts(experts: try fields.int("num_local_experts"), topK: try fields.int("num_experts_per_tok"),
                                   expertFFNHiddenSize: ffn)
        case "gpt_oss":
            // Every layer is MoE; each expert is a SwiGLU of intermediate_size.
            let topK = fields.has("num_experts_per_tok") ? try fields.int("num_experts_per_tok") : try fields.int("experts_per_token")
            moe = MixtureOfExperts(experts: try fields.int("num_local_experts"), topK: topK, expertFFNHiddenSize: ffn)
        case "llama", "mistral", "qwen2", "qwen3", "qwen2_vl", "qwen2_5_vl", "gemma", "gemma2", "gemma3_text", "internlm2",
             "phi3", "olmo", "olmo2", "granite", "glm4":
            // Llama's shape: Phi-3/Phi-4 pack Q, K, V and gate/up into one matrix each (the same parameters), OLMo 2
            // adds Q/K norms, Granite scaling multipliers and GLM-4 norms after attention and the MLP, none of which
            // moves the FLOP or memory counts.
            break
        default:
            try checkModelType(type, fields)
            throw fields.fail("model_type", type, "is not read by this loader")
        }
        if ffn <= 0, let moe { ffn = moe.expertFFNHiddenSize }
        // These families all use SwiGLU (hidden_act "silu"), Gemma's GeGLU is gated too (its act is a GELU); Qwen2
        // always has Q, K, V biases; Gemma ties its embeddings unless told otherwise.
        let gemma = type.hasPrefix("gemma")
        let gated = gemma || ["silu", "swish", "swiglu"].contains(activation)
        let declaredBias = try fields.bool("attention_bias", default: false)
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
            vocabSize: try fields.int("vocab_size"), tiedEmbeddings: try fields.bool("tie_word_embeddings", default: gemma),
            qkvBias: qkvBias,
            moe: moe, mla: mla, vision: vision)
        (model.slidingWindowLayers, model.slidingWindow) = try slidingWindow(fields, type: type, layers: layers)
        return model
    }

    /// Qwen2-VL: embed_dim, mlp_ratio (GELU MLP), hidden_size = the merger's output. Qwen2.5-VL: hidden_size,
    /// intermediate_size (SwiGLU), out_hidden_size, and windowed attention (window_size pixels) in every layer not
    /// listed in fullatt_block_indexes.
    static func visionEncoder(_ fields: FieldReader, qwen25: Bool, llmHidden: Int) throws(CostModelError) -> VisionEncoder {
        let depth = try fields.int("depth")
        let merge = try fields.size("spatial_merge_size", default: 2)
        guard qwen25 else {
            let width = try fields.size("embed_dim")
            return VisionEncoder(layers: depth, hiddenSize: width, mlpHiddenSize: width * (try fields.size("mlp_ratio", default: 4)),
                                 spatialMergeSize: merge, outputSize: try fields.int("hidden_size", default: llmHidden))
        }
        let patch = try fields.int("patch_size", default: 14)
        try CostModelError.positive(patch, fields.source, "vision_config.patch_size")
        let window = try fields.size("window_size", default: 0)
        let fullLayers = try fields.doubles("fullatt_block_indexes")?.count ?? depth
        let side = window / patch
        return VisionEncoder(layers: depth, hiddenSize: try fields.int("hidden_size"), mlpHiddenSize: try fields.int("intermediate_size"),
                             gatedMLP: true, spatialMergeSize: merge, outputSize: try fields.int("out_hidden_size", default: llmHidden),
                             windowedLayers: window > 0 ? max(0, depth - fullLayers) : 0, patchesPerWindow: side * side)
    }

    /// Qwen3-VL: hidden_size, intermediate_size (a GELU MLP unless hidden_act says SwiGLU), out_hidden_size, full
    /// attention in every layer, and a DeepStack merger per `deepstack_visual_indexes` entry.
    static func qwen3VisionEncoder(_ fields: FieldReader, llmHidden: Int) throws(CostModelError) -> VisionEncoder {
        let activation = try fields.string("hidden_act") ?? "gelu_pytorch_tanh"
        return VisionEncoder(layers: try fields.size("depth"), hiddenSize: try fields.size("hidden_size"), mlpHiddenSize: try fields.size("intermediate_size"),
                             gatedMLP: ["silu", "swish", "swiglu"].contains(activation), spatialMergeSize: try fields.size("spatial_merge_size", default: 2),
                             outputSize: try fields.int("out_hidden_size", default: llmHidden),
                             deepstackMergers: try fields.doubles("deepstack_visual_indexes")?.count ?? 0)
    }
}

extension Cluster {
    /// A cluster file (YAML or JSON): gpu (preset name or inline spec), nodes, gpusPerNode, and optional
    /// intraNodeBandwidth, interNodeBandwidth (bytes/s per GPU per direction), intraNodeLatency,
    /// interNodeLatency (s), efficiency {compute, memory, intraNode, interNode, attention, fp8, fp8Blockwise},
    /// speedFactors.
    public static func load(data: Data, source: String) throws(CostModelError) -> Cluster {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: ["gpu", "nodes", "gpusPerNode", "intraNodeBandwidth", "interNodeBandwidth",
                                           "intraNodeLatency", "interNodeLatency", "efficiency", "speedFactors"])
        let gpu: GPUSpec
        if let name = fields.values["gpu"] as? String {
            guard let preset = GPUSpec.preset(named: name) else {
                throw fields.fail("gpu", name, "unknown GPU; known: \(GPUSpec.presets.map(\.name).joined(separator: ", "))")
            }
            gpu = preset
        } else if let spec = try fields.nested("gpu") {
            try spec.rejectUnknown(allowed: ["name", "bf16FlopsPerSecond", "fp8FlopsPerSecond", "memoryBytes", "memoryBandwidth",
                                             "nvlinkBandwidth", "nicBandwidth", "streamingMultiprocessors", "nativeBlockScaling"])
            gpu = GPUSpec(name: try spec.string("name") ?? "custom", bf16FlopsPerSecond: try spec.double("bf16FlopsPerSecond"),
                          fp8FlopsPerSecond: try spec.optionalDouble("fp8FlopsPerSecond"), memoryBytes: try spec.double("memoryBytes"),
                          memoryBandwidth: try spec.double("memoryBandwidth"), nvlinkBandwidth: try spec.double("nvlinkBandwidth"),
                          nicBandwidth: try spec.double("nicBandwidth"),
                          streamingMultiprocessors: spec.has("streamingMultiprocessors") ? try spec.int("streamingMultiprocessors") : nil,
                          nativeBlockScaling: try spec.bool("nativeBlockScaling", default: false))
        } else {
            throw fields.fail("gpu", fields.values["gpu"], "needs a GPU preset name or an inline spec")
        }
        var efficiency = Efficiency.defaults(for: gpu)
        if let overrides = try fields.nested("efficiency") {
            try overrides.rejectUnknown(allowed: ["compute", "memory", "intraNode", "interNode", "attention", "fp8", "fp8Blockwise"])
            efficiency.compute = try overrides.optionalDouble("compute") ?? efficiency.compute
            efficiency.memory = try overrides.optionalDouble("memory") ?? efficiency.memory
            efficiency.intraNode = try overrides.optionalDouble("intraNode") ?? efficiency.intraNode
            efficiency.interNode = try overrides.optionalDouble("interNode") ?? efficiency.interNode
            efficiency.attention = try overrides.optionalDouble("attention") ?? efficiency.attention
            efficiency.fp8 = try overrides.optionalDouble("fp8") ?? efficiency.fp8
            efficiency.fp8Blockwise = try overrides.optionalDouble("fp8Blockwise") ?? efficiency.fp8Blockwise
        }
        let cluster = Cluster(
            gpu: gpu, nodes: try fields.int("nodes"), gpusPerNode: try fields.int("gpusPerNode"),
            intraNodeBandwidth: try fields.optionalDouble("intraNodeBandwidth"),
            interNodeBandwidth: try fields.optionalDouble("interNodeBandwidth"),
            intraNodeLatency: try fields.optionalDouble("intraNodeLatency") ?? Cluster.defaultIntraNodeLatency,
            interNodeLatency: try fields.optionalDouble("interNodeLatency") ?? Cluster.defaultInterNodeLatency,
            efficiency: efficiency, speedFactors: try fields.doubles("speedFactors"))
        try cluster.validate(source: source)
        return cluster
    }
}

extension CalibrationProfile {
    /// A decoding failure as one line naming the field (`achievedFlops[2].size: must be a number`).
    static func profileError(_ error: DecodingError, source: String) -> CostModelError {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .typeMismatch(let type, let context):
            let expected = type == Double.self ? "a number" : type is [Any].Type ? "a list" : type is [String: Any].Type ? "a mapping" : "\(type)"
            return CostModelError(source: source, field: path(context.codingPath), value: "", reason: "must be \(expected)")
        case .keyNotFound(let key, let context):
            return CostModelError(source: source, field: path(context.codingPath + [key]), value: "", reason: "missing")
        case .valueNotFound(_, let context):
            return CostModelError(source: source, field: path(context.codingPath), value: "", reason: "missing")
        case .dataCorrupted(let context):
            return CostModelError(source: source, field: path(context.codingPath), value: "", reason: "cannot be read")
        @unknown default:
            return CostModelError(source: source, field: "profile", value: "", reason: "cannot be read as a profile")
        }
    }

    /// A calibration profile file (YAML or JSON) with the keys of `CalibrationProfile`.
    public static func load(data: Data, source: String) throws(CostModelError) -> CalibrationProfile {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: ["computeEfficiency", "achievedFlops", "busBandwidth", "sequenceParallel", "moeLayerHostSeconds"])
        let normalized: Data
        do {
            normalized = try JSONSerialization.data(withJSONObject: fields.values)
        } catch {
            throw fields.fail("file", nil, "cannot be read as a profile")
        }
        let profile: CalibrationProfile
        do {
            profile = try JSONDecoder().decode(CalibrationProfile.self, from: normalized)
        } catch let error as DecodingError {
            throw profileError(error, source: source)
        } catch {
            throw CostModelError(source: source, field: "profile", value: "", reason: "cannot be read as a profile")
        }
        try profile.validate(source: source)
        return profile
    }
}
