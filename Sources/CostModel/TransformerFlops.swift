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

/// Forward FLOPs of one sequence, split into the terms a cost model scales differently.
public struct ForwardFlops: Sendable, Equatable {
    /// Matrix multiplies with weights (grow linearly with tokens), transformer layers only.
    public var linear: Double
    /// Attention scores and their product with values (grow with s²).
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
        let matmulWeightsPerLayerSum = parameters.denseLayers + parameters.activeRoutedExperts
            - Double(layers) * normParametersPerLayer - (gptStyle ? 2 : 1) * h
        let linear = 2 * s * matmulWeightsPerLayerSum
        let qkWidth: Double, vWidth: Double
        if let mla {
            qkWidth = Double(heads * (mla.qkNopeHeadDim + mla.qkRopeHeadDim))
            vWidth = Double(heads * mla.vHeadDim)
        } else {
            qkWidth = queryWidth
            vWidth = queryWidth
        }
        let scale = counting == .full ? 1.0 : 0.5
        let attention = scale * Double(layers) * 2 * s * s * (qkWidth + vWidth)
        let outputHead = 2 * s * h * Double(vocabSize)
        return ForwardFlops(linear: linear, attention: attention, outputHead: outputHead)
    }

    /// Training FLOPs for one sequence: forward, backward (2× forward), and what recompute repeats.
    /// `model` FLOPs leave recompute out (for MFU); `hardware` FLOPs include it (for time).
    public func trainingFlops(sequenceLength: Int, recompute: Recompute, counting: AttentionCounting = .full)
        -> (model: Double, hardware: Double) {
        let forward = forwardFlops(sequenceLength: sequenceLength, counting: counting)
        let model = 3 * forward.total
        let repeated: Double = switch recompute {
        case .none: 0
        case .selective: forward.attention
        case .full: forward.linear + forward.attention
        }
        return (model, model + repeated)
    }
}
