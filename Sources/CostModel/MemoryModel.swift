/// Per-GPU memory of a training layout, in bytes: the busiest pipeline rank's, each part as that rank holds it.
public struct MemoryEstimate: Sendable, Equatable, Codable {
    public var parameters: Double
    public var gradients: Double
    public var optimizer: Double
    public var activations: Double
    /// FP32 logits for the loss (held on the last rank).
    public var logits: Double
    /// The busiest rank's total.
    public var peak: Double
    /// Which pipeline rank that is (0 the first; the first such rank on a tie).
    public var pipelineRank: Int

    public init(
        parameters: Double, gradients: Double, optimizer: Double, activations: Double, logits: Double, peak: Double,
        pipelineRank: Int = 0
    ) {
        self.parameters = parameters
        self.gradients = gradients
        self.optimizer = optimizer
        self.activations = activations
        self.logits = logits
        self.peak = peak
        self.pipelineRank = pipelineRank
    }

    private enum CodingKeys: String, CodingKey {
        case parameters, gradients, optimizer, activations, logits, peak, pipelineRank
    }

    /// ", on pipeline rank r (ranks 0-n)" for a layout of `ranks` pipeline ranks; empty without a pipeline.
    public func pipelineRankText(ranks: Int) -> String {
        ranks > 1 ? ", on pipeline rank \(pipelineRank) (ranks 0-\(ranks - 1))" : ""
    }

    /// `estimate --json` files written before 2026-12-06 have no `pipelineRank`: their figures were the first rank's.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parameters = try container.decode(Double.self, forKey: .parameters)
        gradients = try container.decode(Double.self, forKey: .gradients)
        optimizer = try container.decode(Double.self, forKey: .optimizer)
        activations = try container.decode(Double.self, forKey: .activations)
        logits = try container.decode(Double.self, forKey: .logits)
        peak = try container.decode(Double.self, forKey: .peak)
        pipelineRank = try container.decodeIfPresent(Int.self, forKey: .pipelineRank) ?? 0
    }
}

/// Parameter counts on one GPU of a stage, by the group their gradients are reduced over.
struct StageParameters {
    /// Reduced over DP × CP.
    var dense: Double
    /// Routed experts, reduced over expert-DP.
    var experts: Double
    var total: Double { dense + experts }
}

extension TransformerModel {
    /// Activation bytes one layer keeps for backward, per micro-batch, per GPU (16-bit activations).
    /// Korthikanti et al. 2022, Table 2, generalised to FFN width f, gated FFNs and GQA (docs/cost-model.md).
    public func activationBytesPerLayer(strategy: ParallelStrategy, flashAttention: Bool = true) -> Double {
        let s = Double(strategy.sequenceLength / max(strategy.contextParallel, 1))
        let b = Double(strategy.microBatch)
        let t = Double(strategy.tensorParallel)
        let sbh = s * b * h
        if strategy.recompute == .full {
            return 2 * sbh / (strategy.sequenceParallel ? t : 1)
        }
        // Korthikanti's 11·sbh is the block input (2), Q, K, V (2 each), the output projection's input (2) and
        // the dropout mask (1), in units of h; here each term takes its real width (GQA, head_dim, MLA).
        let widths = attentionWidths
        let mask = dropout ? 1.0 : 0
        let attention = s * b * ((2 + mask) * h + 2 * (widths.query + widths.key + widths.value + widths.output))
        let ffnWidth: Double
        if let moe {
            let shared = Double(moe.sharedExperts * (moe.sharedExpertFFNHiddenSize ?? moe.expertFFNHiddenSize))
            ffnWidth = Double(moe.topK * moe.expertFFNHiddenSize) + shared
        } else {
            ffnWidth = Double(ffnHiddenSize)
        }
        // FC1's output (gate and up when gated) and the activation's output, FC2's input, in BF16.
        let mlp = (2 + mask) * sbh + (gatedFFN ? 6 : 4) * s * b * ffnWidth
        let norms = 4 * sbh
        // FP8 recipes keep the linear layers' saved inputs (QKV, output projection, FC1, FC2) as one-byte copies.
        let fp8Saving = strategy.fp8 ? s * b * (2 * h + widths.output + ffnWidth) : 0
        let scores = (flashAttention || strategy.recomputes(.coreAttention)) ? 0 : 5 * Double(heads) * s * s * b
        // Megatron-Core recomputes these discarding their outputs. Transformer Engine fuses the norms of a dense layer
        // into the next linear layer, so `layernorm` frees only an MoE layer's pre-MLP norm output (the router's and
        // dispatch's BF16 input); `moe_act` frees FC2's input of every routed copy (a one-byte copy under FP8).
        let normOutputs = strategy.recomputes(.layernorm) && moe != nil ? 2 * sbh : 0
        let routedWidth = moe.map { Double($0.topK * $0.expertFFNHiddenSize) } ?? 0
        let activationOutputs = strategy.recomputes(.moeActivation) ? (strategy.fp8 ? 1 : 2) * s * b * routedWidth : 0
        // Without sequence parallelism the norms' inputs and outputs (8·sbh) and the dropout masks stay whole on every
        // TP rank. A recomputed norm output leaves whichever part held it.
        let replicated = strategy.sequenceParallel ? 0 : (8 + 2 * mask) * sbh
        let shardedNormOutputs = strategy.sequenceParallel ? normOutputs : 0
        return replicated - (normOutputs - shardedNormOutputs)
            + (attention + mlp + norms + scores - fp8Saving - shardedNormOutputs - activationOutputs - replicated) / t
    }

    /// Widths of Q, K, V and the attention output per token. MLA stores its up-projected per-head Q, K
    /// (nope + rope dims) and V; its compressed latent is not what backward keeps, so this is the larger figure.
    var attentionWidths: (query: Double, key: Double, value: Double, output: Double) {
        if let mla {
            let qk = Double(heads * (mla.qkNopeHeadDim + mla.qkRopeHeadDim))
            let v = Double(heads * mla.vHeadDim)
            return (qk, qk, v, v)
        }
        return (queryWidth, kvWidth, kvWidth, queryWidth)
    }

    /// Bytes of model state per parameter on one GPU for a ZeRO stage sharded over `shards` ranks,
    /// with BF16 weights, FP32 gradient accumulation and FP32 Adam (master, m, v): 2 + 4 + 12 = 18.
    static func stateBytes(zeroStage: Int, shards: Double, gradientBytes: Double = 4, optimizerBytes: Double = 12)
        -> (parameters: Double, gradients: Double, optimizer: Double)
    {
        switch zeroStage {
        case 0: (2, gradientBytes, optimizerBytes)
        case 1: (2, gradientBytes, optimizerBytes / shards)
        case 2: (2, gradientBytes / shards, optimizerBytes / shards)
        default: (2 / shards, gradientBytes / shards, optimizerBytes / shards)
        }
    }

    /// The parameters one GPU of pipeline rank `rank` owns before any ZeRO sharding: those replicated over DP × CP
    /// (attention, dense FFNs, shared experts, router, norms, and the embedding or head at the ends) and the routed
    /// experts, split over expert-TP × EP and replicated over expert-DP. A rank's layers are its share of the split
    /// (`ParallelStrategy.rankLayers`).
    func rankParameters(strategy: ParallelStrategy, rank: Int, counts: ParameterCount? = nil) -> StageParameters {
        let t = Double(strategy.tensorParallel)
        let counts = counts ?? parameters
        let ranks = max(1, strategy.pipelineParallel)
        let layerShare = Double(strategy.layers(ofRank: rank, modelLayers: layers)) / Double(layers)
        // Untied heads sit on the last rank; a tied embedding keeps its copy there.
        let head = ranks == 1 ? counts.outputHead : max(counts.outputHead, counts.embedding)
        let ends = (rank == 0 ? counts.embedding : 0) + (rank == ranks - 1 ? head : 0)
        return StageParameters(
            dense: (counts.denseLayers * layerShare + ends) / t,
            experts: counts.routedExperts * layerShare / Double(strategy.expertTensorDegree * strategy.expertParallel))
    }

    /// The parameters of the rank holding the most (the first such rank).
    func largestRankParameters(strategy: ParallelStrategy) -> StageParameters {
        let counts = parameters
        var largest = rankParameters(strategy: strategy, rank: 0, counts: counts)
        for rank in strategy.rankCandidates(modelLayers: layers).dropFirst() {
            let held = rankParameters(strategy: strategy, rank: rank, counts: counts)
            if held.total > largest.total { largest = held }
        }
        return largest
    }

    public func memory(strategy: ParallelStrategy, flashAttention: Bool = true) -> MemoryEstimate {
        let t = Double(strategy.tensorParallel)
        let denseShards = Double(strategy.dataParallel * strategy.contextParallel)
        // Expert-DP: the stage's TP × CP × DP ranks refolded as expert-TP × EP × expert-DP (Megatron-Core).
        let expertShards = t * denseShards / Double(strategy.expertTensorDegree * strategy.expertParallel)

        func states(_ held: StageParameters) -> (Double, Double, Double) {
            let gradientBytes = strategy.gradientReduceFP32 ? 4.0 : 2.0
            let optimizerBytes = strategy.optimizerStateBytes
            let dense = Self.stateBytes(
                zeroStage: strategy.zeroStage, shards: denseShards, gradientBytes: gradientBytes,
                optimizerBytes: optimizerBytes)
            let experts = Self.stateBytes(
                zeroStage: strategy.zeroStage, shards: max(expertShards, 1), gradientBytes: gradientBytes,
                optimizerBytes: optimizerBytes)
            return (
                dense.parameters * held.dense + experts.parameters * held.experts,
                dense.gradients * held.dense + experts.gradients * held.experts,
                dense.optimizer * held.dense + experts.optimizer * held.experts
            )
        }
        // Block recompute keeps only the inputs of its recomputed layers; the others keep everything.
        let recomputed = strategy.recomputedFraction(modelLayers: layers)
        var kept = strategy
        kept.recompute = .none
        kept.recomputeLayers = nil
        let perLayer =
            recomputed >= 1 || strategy.recompute != .full
            ? activationBytesPerLayer(strategy: strategy, flashAttention: flashAttention)
            : recomputed * activationBytesPerLayer(strategy: strategy, flashAttention: flashAttention)
                + (1 - recomputed) * activationBytesPerLayer(strategy: kept, flashAttention: flashAttention)
        let logits =
            4 * Double(strategy.sequenceLength / strategy.contextParallel) * Double(strategy.microBatch)
            * Double(vocabSize) / t
        // Each rank's states and the activations it holds at its peak in flight (`inFlightLayers`); the last rank also
        // the FP32 logits of one micro-batch. The busiest rank sets the peak (ties: the first): the first on an even
        // split, often the second where an uneven one leaves the first light. Offloaded layers (no pipeline) are in
        // host memory by the end of the forward, the peak, when the host link keeps up (docs/cost-model.md
        // §Activation offloading).
        let lastRank = max(1, strategy.pipelineParallel) - 1
        func estimate(rank: Int, held: StageParameters) -> MemoryEstimate {
            let (parameters, gradients, optimizer) = states(held)
            let inFlight = strategy.inFlightLayers(rank: rank, modelLayers: layers)
            let activations = perLayer * Double(max(0, inFlight - strategy.offloadedLayers))
            let rankLogits = rank == lastRank ? logits : 0
            return MemoryEstimate(
                parameters: parameters, gradients: gradients, optimizer: optimizer, activations: activations,
                logits: rankLogits, peak: parameters + gradients + optimizer + activations + rankLogits,
                pipelineRank: rank)
        }
        let counts = parameters
        var busiest = estimate(rank: 0, held: rankParameters(strategy: strategy, rank: 0, counts: counts))
        for rank in strategy.rankCandidates(modelLayers: layers).dropFirst() {
            let candidate = estimate(rank: rank, held: rankParameters(strategy: strategy, rank: rank, counts: counts))
            if candidate.peak > busiest.peak { busiest = candidate }
        }
        return busiest
    }
}
