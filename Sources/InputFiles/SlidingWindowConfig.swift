import CostModel

/// Which layers of a Hugging Face config attend within a sliding window, and how wide it is.
extension TransformerModel {
    /// `layer_types` ("sliding_attention" / "full_attention" per layer) when the config lists them, as recent
    /// transformers versions write for every family; otherwise each family's rule: Mistral, Ministral, Phi-3,
    /// Phi-3.5-MoE and StarCoder2 window every layer when `sliding_window` is set, Gemma 2 every other layer from the
    /// first, Gemma 3 and Cohere 2 all but every `sliding_window_pattern`-th, Qwen2/3 the layers from
    /// `max_window_layers` on when `use_sliding_window` is true.
    static func slidingWindow(
        _ fields: FieldReader, type: String, layers: Int
    ) throws(CostModelError) -> (layers: Int, window: Int) {
        if type == "llama4_text" { return try chunkedAttention(fields, layers: layers) }
        let window = try fields.int("sliding_window", default: 0)
        let sliding: Int
        if let types = try fields.strings("layer_types") {
            try CostModelError.check(
                types.count == layers, fields.source, "layer_types", "\(types.count) entries",
                "must list each of the \(layers) layers")
            if let unknown = types.first(where: { $0 != "sliding_attention" && $0 != "full_attention" }) {
                throw fields.fail("layer_types", unknown, "must be sliding_attention or full_attention")
            }
            sliding = types.filter { $0 == "sliding_attention" }.count
        } else {
            switch type {
            case "mistral", "ministral", "phi3", "phimoe", "starcoder2": sliding = window > 0 ? layers : 0
            case "gemma2": sliding = (layers + 1) / 2
            case "gemma3_text":
                let pattern = try fields.int("sliding_window_pattern", default: 6)
                try CostModelError.positive(pattern, fields.source, "sliding_window_pattern")
                sliding = layers - layers / pattern
            case "gpt_oss": sliding = (layers + 1) / 2
            case "cohere2":
                // Command R7B / A: every `sliding_window_pattern`-th layer attends globally (transformers' default 4).
                let pattern = try fields.int("sliding_window_pattern", default: 4)
                try CostModelError.positive(pattern, fields.source, "sliding_window_pattern")
                sliding = layers - layers / pattern
            case _ where type.hasPrefix("qwen2") || type.hasPrefix("qwen3"):
                let enabled = try fields.bool("use_sliding_window", default: false)
                sliding = enabled ? max(0, layers - (try fields.int("max_window_layers", default: layers))) : 0
            default: sliding = 0
            }
        }
        try CostModelError.check(
            sliding == 0 || window > 0, fields.source, "sliding_window", window,
            "must be a positive token count when \(sliding) layers attend within a window")
        return (sliding, sliding > 0 ? window : 0)
    }

    /// Llama 4 attends within chunks of `attention_chunk_size` tokens in its RoPE layers (`no_rope_layers` entries of
    /// 1; by default all but every fourth) and globally in the others. A chunk is priced as a window of its size:
    /// exact up to that many tokens, and an overestimate beyond (a chunk's queries see from 0 to W keys, a window's
    /// W), which errs towards the slower layout.
    static func chunkedAttention(
        _ fields: FieldReader, layers: Int
    ) throws(CostModelError) -> (layers: Int, window: Int) {
        let chunk = try fields.int("attention_chunk_size", default: 0)
        guard chunk >= 0 else { throw fields.fail("attention_chunk_size", chunk, "must be a token count (0: none)") }
        guard chunk > 0 else { return (0, 0) }
        guard let flags = try fields.doubles("no_rope_layers"), !flags.isEmpty else {
            return (layers - layers / 4, chunk)
        }
        guard flags.count == layers else {
            throw fields.fail("no_rope_layers", "\(flags.count) entries", "must list each of the \(layers) layers")
        }
        return (flags.filter { $0 != 0 }.count, chunk)
    }
}
