/// The shape of a decoder-only transformer, dense or MoE.
public struct TransformerModel: Sendable, Equatable, Codable {
    public var name: String
    public var layers: Int
    public var hiddenSize: Int
    public var heads: Int
    public var kvHeads: Int
    /// Per-head query/key/value width; `hiddenSize / heads` unless the config says otherwise (Qwen3).
    public var headDim: Int
    public var ffnHiddenSize: Int
    public var gatedFFN: Bool
    public var vocabSize: Int
    public var tiedEmbeddings: Bool
    /// Bias on the Q, K, V projections (Qwen2).
    public var qkvBias: Bool
    /// GPT-2/Megatron style: biases on every linear layer, LayerNorm with bias, learned positions.
    public var gptStyle: Bool
    public var maxPositions: Int
    public var moe: MixtureOfExperts?
    public var mla: MultiHeadLatentAttention?
    /// The vision encoder of a multimodal model (Qwen2-VL family); the LLM figures above exclude it.
    public var vision: VisionEncoder?
    /// Layers whose queries attend only the `slidingWindow` tokens before them (Mistral v0.1, Gemma 2/3, gpt-oss);
    /// 0 of them, the default, is full causal attention everywhere.
    public var slidingWindowLayers: Int = 0
    public var slidingWindow: Int = 0
    /// Dropout on attention and block outputs, whose masks backward keeps (Megatron's GPT trains with 0.1; Llama-style
    /// configs set 0). On by default for GPT-style models.
    public var dropout: Bool

    public init(
        name: String, layers: Int, hiddenSize: Int, heads: Int, kvHeads: Int? = nil, headDim: Int? = nil,
        ffnHiddenSize: Int, gatedFFN: Bool = false, vocabSize: Int, tiedEmbeddings: Bool = false,
        qkvBias: Bool = false, gptStyle: Bool = false, maxPositions: Int = 0,
        moe: MixtureOfExperts? = nil, mla: MultiHeadLatentAttention? = nil, vision: VisionEncoder? = nil
    ) {
        self.name = name
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headDim = headDim ?? (heads > 0 ? hiddenSize / heads : 0)
        self.ffnHiddenSize = ffnHiddenSize
        self.gatedFFN = gatedFFN
        self.vocabSize = vocabSize
        self.tiedEmbeddings = tiedEmbeddings
        self.qkvBias = qkvBias
        self.gptStyle = gptStyle
        self.dropout = gptStyle
        self.maxPositions = maxPositions
        self.moe = moe
        self.mla = mla
        self.vision = vision
    }

    public static let maximumLayers = 1 << 12
    public static let maximumWidth = 1 << 20
    public static let maximumHeads = 1 << 12
    public static let maximumVocabulary = 1 << 24

    public func validate(source: String) throws(CostModelError) {
        try CostModelError.positive(layers, source, "layers")
        try CostModelError.positive(hiddenSize, source, "hiddenSize")
        try CostModelError.positive(heads, source, "heads")
        try CostModelError.positive(kvHeads, source, "kvHeads")
        try CostModelError.positive(headDim, source, "headDim")
        try CostModelError.positive(ffnHiddenSize, source, "ffnHiddenSize")
        try CostModelError.positive(vocabSize, source, "vocabSize")
        // Far above any model (the deepest have ~100 layers, the widest hidden sizes ~2^15), and small enough that the
        // layer searches stay short and every count fits 64 bits.
        try CostModelError.count(layers, atMost: Self.maximumLayers, source, "layers")
        for (field, value) in [("hiddenSize", hiddenSize), ("headDim", headDim), ("ffnHiddenSize", ffnHiddenSize)] {
            try CostModelError.count(value, atMost: Self.maximumWidth, source, field)
        }
        try CostModelError.count(heads, atMost: Self.maximumHeads, source, "heads")
        try CostModelError.count(vocabSize, atMost: Self.maximumVocabulary, source, "vocabSize")
        try CostModelError.check(heads % kvHeads == 0, source, "kvHeads", kvHeads, "must divide heads (\(heads))")
        try CostModelError.check(maxPositions >= 0, source, "maxPositions", maxPositions, "must be ≥ 0")
        if let moe { try moe.validate(source: source, layers: layers) }
        if let mla { try mla.validate(source: source) }
        if let vision { try vision.validate(source: source) }
        try CostModelError.check(
            slidingWindowLayers >= 0 && slidingWindowLayers <= layers, source, "slidingWindowLayers",
            slidingWindowLayers, "must be between 0 and the \(layers) layers")
        try CostModelError.check(
            slidingWindowLayers == 0 || slidingWindow > 0, source, "slidingWindow", slidingWindow,
            "must be a positive token count when \(slidingWindowLayers) layers attend within a window")
    }
}

public struct MixtureOfExperts: Sendable, Equatable, Codable {
    public var experts: Int
    public var topK: Int
    public var expertFFNHiddenSize: Int
    public var sharedExperts: Int
    /// Width of each shared expert; the routed experts' width when nil.
    public var sharedExpertFFNHiddenSize: Int?
    /// The first layers keep a dense FFN of `ffnHiddenSize` (DeepSeek's first_k_dense_replace).
    public var denseLayers: Int
    /// Node-limited routing (DeepSeek-V3's `n_group`, `topk_group`): experts fall in `groups` equal groups and a
    /// token's experts come from at most `groupsPerToken` of them; 0 when the model routes freely.
    public var groups: Int = 0
    public var groupsPerToken: Int = 0

    public init(
        experts: Int, topK: Int, expertFFNHiddenSize: Int, sharedExperts: Int = 0,
        sharedExpertFFNHiddenSize: Int? = nil, denseLayers: Int = 0
    ) {
        self.experts = experts
        self.topK = topK
        self.expertFFNHiddenSize = expertFFNHiddenSize
        self.sharedExperts = sharedExperts
        self.sharedExpertFFNHiddenSize = sharedExpertFFNHiddenSize
        self.denseLayers = denseLayers
    }

    func validate(source: String, layers: Int) throws(CostModelError) {
        try CostModelError.count(experts, atMost: 1 << 16, source, "experts")
        try CostModelError.positive(topK, source, "topK")
        try CostModelError.count(
            expertFFNHiddenSize, atMost: TransformerModel.maximumWidth, source, "expertFFNHiddenSize")
        try CostModelError.check(
            sharedExperts <= 1 << 16, source, "sharedExperts", sharedExperts, "must be at most \(1 << 16)")
        try CostModelError.check(topK <= experts, source, "topK", topK, "exceeds experts (\(experts))")
        try CostModelError.positive(expertFFNHiddenSize, source, "expertFFNHiddenSize")
        try CostModelError.check(sharedExperts >= 0, source, "sharedExperts", sharedExperts, "must be ≥ 0")
        try CostModelError.check(
            denseLayers >= 0 && denseLayers <= layers, source, "denseLayers", denseLayers, "must be in 0...\(layers)")
        if let width = sharedExpertFFNHiddenSize {
            try CostModelError.positive(width, source, "sharedExpertFFNHiddenSize")
        }
        if groups > 0 || groupsPerToken > 0 {
            try CostModelError.check(
                groups > 0 && experts % groups == 0, source, "n_group", groups, "must divide the \(experts) experts")
            try CostModelError.check(
                groupsPerToken >= 1 && groupsPerToken <= groups, source, "topk_group", groupsPerToken,
                "must be from 1 to n_group (\(groups))")
        }
    }
}

/// DeepSeek's multi-head latent attention: low-rank query and joint key-value projections.
public struct MultiHeadLatentAttention: Sendable, Equatable, Codable {
    public var qLoraRank: Int
    public var kvLoraRank: Int
    public var qkNopeHeadDim: Int
    public var qkRopeHeadDim: Int
    public var vHeadDim: Int

    public init(qLoraRank: Int, kvLoraRank: Int, qkNopeHeadDim: Int, qkRopeHeadDim: Int, vHeadDim: Int) {
        self.qLoraRank = qLoraRank
        self.kvLoraRank = kvLoraRank
        self.qkNopeHeadDim = qkNopeHeadDim
        self.qkRopeHeadDim = qkRopeHeadDim
        self.vHeadDim = vHeadDim
    }

    func validate(source: String) throws(CostModelError) {
        try CostModelError.check(qLoraRank >= 0, source, "q_lora_rank", qLoraRank, "must be ≥ 0")
        try CostModelError.positive(kvLoraRank, source, "kv_lora_rank")
        try CostModelError.positive(qkNopeHeadDim, source, "qk_nope_head_dim")
        try CostModelError.check(qkRopeHeadDim >= 0, source, "qk_rope_head_dim", qkRopeHeadDim, "must be ≥ 0")
        try CostModelError.positive(vHeadDim, source, "v_head_dim")
    }
}
