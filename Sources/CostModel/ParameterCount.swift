/// Parameter counts, split the way sharding needs them.
public struct ParameterCount: Sendable, Equatable {
    /// Input embedding (+ learned positions).
    public var embedding: Double
    /// Output projection; 0 when tied to the embedding.
    public var outputHead: Double
    /// Attention, norms and dense FFNs over all layers, plus shared experts and routers.
    public var denseLayers: Double
    /// Routed experts over all layers.
    public var routedExperts: Double
    /// Routed-expert parameters one token passes through (top-k of them).
    public var activeRoutedExperts: Double

    public var total: Double { embedding + outputHead + denseLayers + routedExperts }
    public var active: Double { embedding + outputHead + denseLayers + activeRoutedExperts }
}

extension TransformerModel {
    var h: Double { Double(hiddenSize) }
    var queryWidth: Double { Double(heads * headDim) }
    var kvWidth: Double { Double(kvHeads * headDim) }

    /// Weights of one attention block (projections and their biases).
    var attentionParameters: Double {
        if let mla {
            let heads = Double(self.heads)
            let qkHead = Double(mla.qkNopeHeadDim + mla.qkRopeHeadDim)
            let query =
                mla.qLoraRank > 0
                ? h * Double(mla.qLoraRank) + Double(mla.qLoraRank) + Double(mla.qLoraRank) * heads * qkHead
                : h * heads * qkHead
            let keyValueDown = h * Double(mla.kvLoraRank + mla.qkRopeHeadDim) + Double(mla.kvLoraRank)
            let keyValueUp = Double(mla.kvLoraRank) * heads * Double(mla.qkNopeHeadDim + mla.vHeadDim)
            let output = heads * Double(mla.vHeadDim) * h
            return query + keyValueDown + keyValueUp + output
        }
        var count = h * queryWidth + 2 * h * kvWidth + queryWidth * h
        if qkvBias || gptStyle { count += queryWidth + 2 * kvWidth }
        if gptStyle { count += h }
        return count
    }

    /// Weights of one FFN of width `width`.
    func ffnParameters(width: Int) -> Double {
        let f = Double(width)
        var count = (gatedFFN ? 3 : 2) * h * f
        if gptStyle { count += f + h }
        return count
    }

    /// Norm weights per layer (LayerNorm with bias in GPT style).
    var normParametersPerLayer: Double { (gptStyle ? 4 : 2) * h }

    var moeLayerCount: Int { moe.map { layers - $0.denseLayers } ?? 0 }

    /// MoE layers on a stage of `layersOnStage` layers: its share of them, rounded up (the busiest stage).
    func moeLayers(onStage layersOnStage: Double) -> Double {
        min(layersOnStage, (Double(moeLayerCount) * layersOnStage / Double(layers)).rounded(.up))
    }

    public var parameters: ParameterCount {
        let embedding = Double(vocabSize) * h + Double(maxPositions) * h
        let outputHead = tiedEmbeddings ? 0 : Double(vocabSize) * h
        let finalNorm = (gptStyle ? 2 : 1) * h
        let perLayerCommon = attentionParameters + normParametersPerLayer
        guard let moe else {
            let dense = Double(layers) * (perLayerCommon + ffnParameters(width: ffnHiddenSize)) + finalNorm
            return ParameterCount(
                embedding: embedding, outputHead: outputHead, denseLayers: dense, routedExperts: 0,
                activeRoutedExperts: 0)
        }
        let moeLayers = Double(moeLayerCount)
        let expert = ffnParameters(width: moe.expertFFNHiddenSize)
        let shared =
            Double(moe.sharedExperts) * ffnParameters(width: moe.sharedExpertFFNHiddenSize ?? moe.expertFFNHiddenSize)
        let router = h * Double(moe.experts)
        let dense =
            Double(moe.denseLayers) * (perLayerCommon + ffnParameters(width: ffnHiddenSize))
            + moeLayers * (perLayerCommon + shared + router) + finalNorm
        return ParameterCount(
            embedding: embedding, outputHead: outputHead, denseLayers: dense,
            routedExperts: moeLayers * Double(moe.experts) * expert,
            activeRoutedExperts: moeLayers * Double(moe.topK) * expert)
    }
}
