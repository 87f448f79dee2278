import CostModel

/// InternVL configs: OpenGVLab's `internvl_chat` (LLM under `llm_config`) and transformers' `internvl` (under
/// `text_config`), both with an InternViT under `vision_config`.
extension TransformerModel {
    static func internVL(_ fields: FieldReader, native: Bool) throws(CostModelError) -> TransformerModel {
        let textKey = native ? "text_config" : "llm_config"
        guard let text = try fields.nested(textKey) else {
            throw fields.fail(textKey, nil, "is required for an InternVL config (the language model's keys)")
        }
        var model = try huggingFaceText(text, type: try text.string("model_type") ?? "llama")
        model.name = try fields.string("_name_or_path") ?? fields.source
        if let vision = try fields.nested("vision_config") {
            model.vision = try internViT(
                vision, downsampleRatio: try fields.double("downsample_ratio"), llmHidden: model.hiddenSize)
        }
        return model
    }

    /// InternViT runs on 448 × 448 tiles, attention within each tile: an image of P LLM tokens is P ÷ 256 tiles of
    /// (448 / 14)² = 1,024 patches, so its encoder cost grows linearly with P (windowed attention, one tile per window,
    /// in every layer). Pixel shuffle by `downsample_ratio` 0.5 makes 4 patches one token; the projector is LayerNorm,
    /// Linear(4d → LLM width), GELU, Linear(LLM width → LLM width).
    static func internViT(
        _ fields: FieldReader, downsampleRatio: Double, llmHidden: Int
    ) throws(CostModelError) -> VisionEncoder {
        let merge = (1 / downsampleRatio).rounded()
        guard downsampleRatio > 0, merge >= 1, merge <= 16, abs(merge * downsampleRatio - 1) < 1e-9 else {
            throw CostModelError(
                source: fields.source, field: "downsample_ratio", value: "\(downsampleRatio)",
                reason: "must be 1 / a whole number up to 16 (InternVL uses 0.5)")
        }
        let image = try side(fields, "image_size")
        let patch = try side(fields, "patch_size")
        try CostModelError.positive(patch, fields.source, "vision_config.patch_size")
        let perTile = (image / patch) * (image / patch)
        let depth = try fields.size("num_hidden_layers")
        return VisionEncoder(
            layers: depth, hiddenSize: try fields.size("hidden_size"),
            mlpHiddenSize: try fields.size("intermediate_size"),
            spatialMergeSize: Int(merge), outputSize: llmHidden, windowedLayers: depth, patchesPerWindow: perTile,
            mergerHiddenSize: llmHidden)
    }

    /// `image_size` and `patch_size` are one number in InternVL's own configs and a [height, width] pair in
    /// transformers'; tiles are square.
    private static func side(_ fields: FieldReader, _ key: String) throws(CostModelError) -> Int {
        guard fields.values[key] is [Any], let pair = try fields.doubles(key) else { return try fields.size(key) }
        guard let first = pair.first, pair.allSatisfy({ $0 == first }), first >= 1, first <= Double(1 << 20),
            first.rounded() == first
        else {
            throw fields.fail(key, pair, "must be one whole number or a square [height, width] pair")
        }
        return Int(first)
    }
}
