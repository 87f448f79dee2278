/// How attention's s² term is counted. Megatron counts the full s×s score matrix even for causal
/// masks; NeMo's helper halves it. ParaPlan follows Megatron unless told otherwise, and says which.
public enum AttentionCounting: String, Sendable, Codable {
    case full
    case causalHalved
}

public enum Recompute: String, Sendable, Codable, CaseIterable {
    case none
    /// Korthikanti et al.: recompute only the attention core (scores, softmax, dropout).
    case selective
    /// Recompute the whole layer in backward: one more forward pass.
    case full
}

/// What selective recompute repeats in backward (Megatron-Core's `--recompute-modules`, default `core_attn`).
public enum RecomputeModule: String, Sendable, Codable, CaseIterable {
    /// The attention core (scores, softmax, dropout): Korthikanti et al.'s selective recompute.
    case coreAttention = "core_attn"
    /// The norms before attention and the MLP: their outputs, the QKV and FC1 inputs, are not kept.
    case layernorm
    /// The routed experts' activation function: its output, FC2's input, is not kept.
    case moeActivation = "moe_act"
}

/// Forward FLOPs of one sequence, split into the terms a cost model scales differently.
public struct ForwardFlops: Sendable, Equatable {
    /// Matrix multiplies with weights (grow linearly with tokens), transformer layers only.
    public var linear: Double
    /// Attention scores and their product with values (grow with s², or with s·W in sliding-window layers).
    public var attention: Double
    /// The output projection onto the vocabulary.
    public var outputHead: Double

    public var total: Double { linear + attention + outputHead }
}

extension TransformerModel {
    /// Forward FLOPs for one sequence of `sequenceLength` tokens (2 FLOPs per multiply-add).
    public func forwardFlops(sequenceLength: Int, counting: AttentionCounting = .full) -> ForwardFlops {
        let s = Double(sequenceLength)
        let parameters = self.parameters
        // Every weight a token passes through costs 2 FLOPs; norms and biases are not matmuls.
        let matmulWeightsPerLayerSum =
            parameters.denseLayers + parameters.activeRoutedExperts
            - Double(layers) * normParametersPerLayer - (gptStyle ? 2 : 1) * h
        let linear = 2 * s * matmulWeightsPerLayerSum
        let perPair = flopsPerScoredPair
        let attention =
            Double(layers - slidingWindowLayers) * windowPairs(s, window: .infinity, counting: counting) * perPair
            + Double(slidingWindowLayers) * windowPairs(s, window: Double(slidingWindow), counting: counting) * perPair
        let outputHead = 2 * s * h * Double(vocabSize)
        return ForwardFlops(linear: linear, attention: attention, outputHead: outputHead)
    }

    /// One query-key pair in one layer: its score (q·k over every head) and its share of the values, 2 FLOPs per
    /// multiply-add. MLA scores over its nope + rope dims and mixes values of its own width.
    var flopsPerScoredPair: Double {
        guard let mla else { return 2 * (queryWidth + queryWidth) }
        return 2 * Double(heads * (mla.qkNopeHeadDim + mla.qkRopeHeadDim) + heads * mla.vHeadDim)
    }

    /// Query-key pairs one layer scores over s tokens when each query sees at most `window` keys: Megatron's full
    /// count takes s·min(s, W) (the band a kernel computes, the whole square without a window); the causal count
    /// takes the triangle, s²/2, or s·W − W²/2 once the window is shorter than the sequence.
    func windowPairs(_ s: Double, window: Double, counting: AttentionCounting) -> Double {
        switch counting {
        case .full: s * min(s, window)
        case .causalHalved: s <= window ? s * s / 2 : s * window - window * window / 2
        }
    }

    /// Forward attention FLOPs a fused causal kernel (FlashAttention, cuDNN) spends on one sequence. It works in
    /// blocks of `kernelKeyBlock` keys: a window band narrower than the sequence costs whole blocks, each query block
    /// touching 1 + ⌈(W − 1)/B⌉ of them (twice the exact band at W = B = 128). The full triangle is counted exactly;
    /// its diagonal blocks (B/s more) are left in the fitted attention efficiency.
    public func fusedKernelAttentionFlops(sequenceLength: Int) -> Double {
        let s = Double(sequenceLength)
        let block = Self.kernelKeyBlock
        let full = windowPairs(s, window: .infinity, counting: .causalHalved)
        var banded = full
        if slidingWindowLayers > 0, Double(slidingWindow) < s {
            let keysPerQuery = block * (1 + ((Double(slidingWindow) - 1) / block).rounded(.up))
            banded = min(full, s * keysPerQuery)
        }
        return (Double(layers - slidingWindowLayers) * full + Double(slidingWindowLayers) * banded) * flopsPerScoredPair
    }

    /// Key block of fused attention kernels on Hopper and Ampere (FlashAttention-2/3 and cuDNN tile keys by 128
    /// for the head widths of the presets).
    static let kernelKeyBlock = 128.0

    /// Attention FLOPs as the planners' a·s + b·s² cost forms take them: `perToken2` from the full-attention layers
    /// (Megatron's full count), `perToken` from the sliding-window layers once s ≥ W (an overestimate below W).
    public var attentionCoefficients: (perToken2: Double, perToken: Double) {
        let perPair = flopsPerScoredPair
        return (
            Double(layers - slidingWindowLayers) * perPair,
            Double(slidingWindowLayers) * Double(slidingWindow) * perPair
        )
    }

    /// Training FLOPs for one sequence: forward, backward (2× forward), and what recompute repeats.
    /// `model` FLOPs leave recompute out (for MFU); `hardware` FLOPs include it (for time).
    public func trainingFlops(sequenceLength: Int, recompute: Recompute, counting: AttentionCounting = .full)
        -> (model: Double, hardware: Double)
    {
        let forward = forwardFlops(sequenceLength: sequenceLength, counting: counting)
        let model = 3 * forward.total
        let repeated: Double =
            switch recompute {
            case .none: 0
            case .selective: forward.attention
            case .full: forward.linear + forward.attention
            }
        return (model, model + repeated)
    }
}
