import CostModel

/// Shapes of the validation runs' models that are not presets (each from its published config).
extension TransformerModel {
    static func validationPreset(_ name: String) -> TransformerModel {
        guard let model = TransformerModel.preset(named: name) else { preconditionFailure("missing preset \(name)") }
        return model
    }

    static let llama2_70b = TransformerModel(
        name: "llama-2-70b", layers: 80, hiddenSize: 8192, heads: 64, kvHeads: 8,
        ffnHiddenSize: 28672, gatedFFN: true, vocabSize: 32000)
    /// Nemotron-4 340B: squared-ReLU FFN (not gated), head width 192, untied embeddings, no biases.
    static let nemotron4_340b = TransformerModel(
        name: "nemotron-4-340b", layers: 96, hiddenSize: 18432, heads: 96, kvHeads: 8,
        headDim: 192, ffnHiddenSize: 73728, vocabSize: 256_000)
    /// Nemotron-4 15B (its technical report): 32 layers, 48 query and 8 key-value heads of 128, squared-ReLU FFN of
    /// 4h, untied embeddings, no biases.
    static let nemotron4_15b = TransformerModel(
        name: "nemotron-4-15b", layers: 32, hiddenSize: 6144, heads: 48, kvHeads: 8, headDim: 128,
        ffnHiddenSize: 24576, vocabSize: 256_000)
    static let qwen3_30b_a3b = TransformerModel(
        name: "qwen3-30b-a3b", layers: 48, hiddenSize: 2048, heads: 32, kvHeads: 4,
        headDim: 128, ffnHiddenSize: 6144, gatedFFN: true, vocabSize: 151_936,
        moe: MixtureOfExperts(experts: 128, topK: 8, expertFFNHiddenSize: 768))
    static let qwen3_235b_a22b = TransformerModel(
        name: "qwen3-235b-a22b", layers: 94, hiddenSize: 4096, heads: 64, kvHeads: 4,
        headDim: 128, ffnHiddenSize: 12288, gatedFFN: true, vocabSize: 151_936,
        moe: MixtureOfExperts(experts: 128, topK: 8, expertFFNHiddenSize: 1536))

    /// MosaicML's MPT: ALiBi (no position table), no biases, LayerNorm without bias, GELU FFN of 4h, tied embeddings.
    static func mpt(_ name: String, layers: Int, hidden: Int, heads: Int) -> TransformerModel {
        TransformerModel(
            name: name, layers: layers, hiddenSize: hidden, heads: heads, ffnHiddenSize: 4 * hidden,
            vocabSize: 50_368, tiedEmbeddings: true)
    }

    /// BLOOM-176B: ALiBi, biases and LayerNorms with bias (GPT style without a position table), tied embeddings.
    static let bloom176b = TransformerModel(
        name: "bloom-176b", layers: 70, hiddenSize: 14336, heads: 112, ffnHiddenSize: 57344,
        vocabSize: 250_880, tiedEmbeddings: true, gptStyle: true)
}
