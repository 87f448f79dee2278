/// A multimodal model's vision encoder (a ViT, as in Qwen2-VL, Qwen2.5-VL and Qwen3-VL): an image is cut into patches,
/// the encoder's layers run over the patches, and a merger turns each `spatialMergeSize`² patches into one LLM token.
public struct VisionEncoder: Sendable, Equatable, Codable {
    public var layers: Int
    public var hiddenSize: Int
    public var mlpHiddenSize: Int
    public var gatedMLP: Bool
    public var spatialMergeSize: Int
    /// The merger's output width: the LLM's hidden size.
    public var outputSize: Int
    /// The merger MLP's inner width: nil for the concatenated patches' width m²·d (Qwen2-VL family); InternVL's
    /// projector maps m²·d straight to the LLM's width and keeps it.
    public var mergerHiddenSize: Int?
    /// Layers that attend within windows of `patchesPerWindow` patches instead of over the whole image (Qwen2.5-VL).
    public var windowedLayers: Int
    public var patchesPerWindow: Int
    /// Further mergers of the same shape fed from intermediate layers (Qwen3-VL's DeepStack, one per
    /// `deepstack_visual_indexes` entry), whose outputs are added to early LLM layers.
    public var deepstackMergers: Int
    /// The merger averages each `spatialMergeSize`² patches and maps the average to the LLM's width with one linear
    /// layer (Gemma 3's SigLIP tower), instead of an MLP over the concatenated patches.
    public var poolsPatches: Bool

    public init(
        layers: Int, hiddenSize: Int, mlpHiddenSize: Int, gatedMLP: Bool = false, spatialMergeSize: Int = 1,
        outputSize: Int, windowedLayers: Int = 0, patchesPerWindow: Int = 0, deepstackMergers: Int = 0,
        mergerHiddenSize: Int? = nil, poolsPatches: Bool = false
    ) {
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.mlpHiddenSize = mlpHiddenSize
        self.gatedMLP = gatedMLP
        self.spatialMergeSize = spatialMergeSize
        self.outputSize = outputSize
        self.windowedLayers = windowedLayers
        self.patchesPerWindow = patchesPerWindow
        self.deepstackMergers = deepstackMergers
        self.mergerHiddenSize = mergerHiddenSize
        self.poolsPatches = poolsPatches
    }

    public func validate(source: String) throws(CostModelError) {
        try CostModelError.positive(layers, source, "vision_config.depth")
        try CostModelError.positive(hiddenSize, source, "vision_config.hidden_size")
        try CostModelError.positive(mlpHiddenSize, source, "vision_config.intermediate_size")
        try CostModelError.positive(spatialMergeSize, source, "vision_config.spatial_merge_size")
        try CostModelError.positive(outputSize, source, "vision_config.out_hidden_size")
        try CostModelError.check(
            windowedLayers >= 0 && windowedLayers <= layers, source, "vision_config.fullatt_block_indexes",
            windowedLayers, "leaves a windowed-layer count outside 0...\(layers)")
        try CostModelError.check(
            windowedLayers == 0 || patchesPerWindow > 0, source, "vision_config.window_size", patchesPerWindow,
            "must give at least one patch per window")
        try CostModelError.check(
            deepstackMergers >= 0 && deepstackMergers <= layers, source, "vision_config.deepstack_visual_indexes",
            deepstackMergers, "lists more layers than the encoder's \(layers)")
    }

    /// Weights of the layers and the mergers (norms, biases and the patch embedding left out: under 0.3 % for
    /// Qwen2-VL's encoder).
    public var parameters: Double {
        let d = Double(hiddenSize)
        let f = Double(mlpHiddenSize)
        return Double(layers) * (4 * d * d + (gatedMLP ? 3 : 2) * d * f) + Double(1 + deepstackMergers) * mergerWeights
    }

    /// One merger: an MLP from `spatialMergeSize`² concatenated patches, through its inner width, to the LLM's.
    var mergerWeights: Double {
        if poolsPatches { return Double(hiddenSize) * Double(outputSize) }
        let merged = patchesPerToken * Double(hiddenSize)
        let inner = mergerHiddenSize.map(Double.init) ?? merged
        return merged * inner + inner * Double(outputSize)
    }

    /// Patches per LLM token.
    public var patchesPerToken: Double { Double(spatialMergeSize * spatialMergeSize) }

    /// Training FLOPs (3 × forward) of one image, per LLM token (linear) and per LLM token² (attention): 6 × the
    /// weights a patch passes through, plus 12·d per patch pair for bidirectional attention in every full layer
    /// (verl's `flops_counter.py`, reference balance.md §7) and 12·d·W per patch in a windowed layer.
    public var trainingFlops: (perToken: Double, perToken2: Double) {
        let d = Double(hiddenSize)
        let f = Double(mlpHiddenSize)
        let perLayer = 4 * d * d + (gatedMLP ? 3 : 2) * d * f
        let mergerPerToken = Double(1 + deepstackMergers) * mergerWeights
        let fullLayers = Double(layers - windowedLayers)
        let linear =
            6 * (Double(layers) * perLayer * patchesPerToken + mergerPerToken)
            + 12 * d * Double(windowedLayers) * Double(patchesPerWindow) * patchesPerToken
        let attention = 12 * d * fullLayers * patchesPerToken * patchesPerToken
        return (linear, attention)
    }
}
