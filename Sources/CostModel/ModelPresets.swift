/// Published model shapes for `--model NAME`; each matches a config under Examples/models/ (tested).
extension TransformerModel {
    public static let presets: [TransformerModel] = [
        TransformerModel(
            name: "llama-3-8b", layers: 32, hiddenSize: 4096, heads: 32, kvHeads: 8, ffnHiddenSize: 14336,
            gatedFFN: true, vocabSize: 128_256),
        TransformerModel(
            name: "llama-3-70b", layers: 80, hiddenSize: 8192, heads: 64, kvHeads: 8, ffnHiddenSize: 28672,
            gatedFFN: true, vocabSize: 128_256),
        TransformerModel(
            name: "llama-3.1-405b", layers: 126, hiddenSize: 16384, heads: 128, kvHeads: 8, ffnHiddenSize: 53248,
            gatedFFN: true, vocabSize: 128_256),
        TransformerModel(
            name: "qwen2.5-7b", layers: 28, hiddenSize: 3584, heads: 28, kvHeads: 4, ffnHiddenSize: 18944,
            gatedFFN: true, vocabSize: 152_064, qkvBias: true),
        TransformerModel(
            name: "mixtral-8x7b", layers: 32, hiddenSize: 4096, heads: 32, kvHeads: 8, ffnHiddenSize: 14336,
            gatedFFN: true, vocabSize: 32000,
            moe: MixtureOfExperts(experts: 8, topK: 2, expertFFNHiddenSize: 14336)),
        TransformerModel(
            name: "deepseek-v3", layers: 61, hiddenSize: 7168, heads: 128, kvHeads: 128, ffnHiddenSize: 18432,
            gatedFFN: true, vocabSize: 129_280,
            moe: .nodeLimited(
                MixtureOfExperts(
                    experts: 256, topK: 8, expertFFNHiddenSize: 2048, sharedExperts: 1,
                    denseLayers: 3), groups: 8, perToken: 4),
            mla: MultiHeadLatentAttention(
                qLoraRank: 1536, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128)),
        TransformerModel(
            name: "qwen3-8b", layers: 36, hiddenSize: 4096, heads: 32, kvHeads: 8, headDim: 128, ffnHiddenSize: 12288,
            gatedFFN: true, vocabSize: 151_936),
        // Every layer MoE; every other layer attends 128 tokens.
        TransformerModel(
            name: "gpt-oss-120b", layers: 36, hiddenSize: 2880, heads: 64, kvHeads: 8, headDim: 64, ffnHiddenSize: 2880,
            gatedFFN: true, vocabSize: 201_088, qkvBias: true,
            moe: MixtureOfExperts(experts: 128, topK: 4, expertFFNHiddenSize: 2880)
        )
        .withSlidingWindow(128, layers: 18),
        // GeGLU, tied embeddings, every other layer windowed to 4,096 tokens.
        TransformerModel(
            name: "gemma-2-9b", layers: 42, hiddenSize: 3584, heads: 16, kvHeads: 8, headDim: 256, ffnHiddenSize: 14336,
            gatedFFN: true, vocabSize: 256_000, tiedEmbeddings: true
        )
        .withSlidingWindow(4096, layers: 21),
        // GLM-4.5-Air: 96 query heads of 128 (wider than the hidden size), the first layer dense.
        TransformerModel(
            name: "glm-4.5-air", layers: 46, hiddenSize: 4096, heads: 96, kvHeads: 8, headDim: 128,
            ffnHiddenSize: 10944, gatedFFN: true, vocabSize: 151_552, qkvBias: true,
            moe: .nodeLimited(
                MixtureOfExperts(
                    experts: 128, topK: 8, expertFFNHiddenSize: 1408, sharedExperts: 1,
                    denseLayers: 1), groups: 1, perToken: 1)),
        TransformerModel(
            name: "olmoe-1b-7b-0924", layers: 16, hiddenSize: 2048, heads: 16, kvHeads: 16, ffnHiddenSize: 1024,
            gatedFFN: true, vocabSize: 50_304,
            moe: MixtureOfExperts(experts: 64, topK: 8, expertFFNHiddenSize: 1024)),
        // Llama 4 Scout with its ViT; 36 of 48 layers attend within 8,192-token chunks.
        TransformerModel(
            name: "llama-4-scout-17b-16e", layers: 48, hiddenSize: 5120, heads: 40, kvHeads: 8, headDim: 128,
            ffnHiddenSize: 16384, gatedFFN: true, vocabSize: 202_048,
            moe: MixtureOfExperts(experts: 16, topK: 1, expertFFNHiddenSize: 8192, sharedExperts: 1),
            vision: VisionEncoder(
                layers: 34, hiddenSize: 1408, mlpHiddenSize: 5632, spatialMergeSize: 2,
                outputSize: 5120)
        )
        .withSlidingWindow(8192, layers: 36),
        // GPT-3 175B as Megatron trains it (Brown et al. 2020; Narayanan et al. 2021).
        TransformerModel(
            name: "gpt3-175b", layers: 96, hiddenSize: 12288, heads: 96, ffnHiddenSize: 49152, vocabSize: 51_200,
            tiedEmbeddings: true, gptStyle: true, maxPositions: 2048),
        // FlexSP's GPT-7B (32 layers, hidden 4096).
        TransformerModel(
            name: "gpt-7b", layers: 32, hiddenSize: 4096, heads: 32, ffnHiddenSize: 16384, vocabSize: 50_257,
            tiedEmbeddings: true, gptStyle: true, maxPositions: 2048),
    ]

    /// The same model with `layers` of its layers attending `window` tokens.
    func withSlidingWindow(_ window: Int, layers count: Int) -> TransformerModel {
        var model = self
        model.slidingWindow = window
        model.slidingWindowLayers = count
        return model
    }

    public static func preset(named name: String) -> TransformerModel? {
        presets.first { $0.name == name.lowercased() }
    }
}

extension MixtureOfExperts {
    static func nodeLimited(_ moe: MixtureOfExperts, groups: Int, perToken: Int) -> MixtureOfExperts {
        var limited = moe
        limited.groups = groups
        limited.groupsPerToken = perToken
        return limited
    }
}
