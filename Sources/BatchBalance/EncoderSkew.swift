/// How skewed a batch's images are, and so how much balancing the encoder can pay (docs/batch-balancing.md §How
/// much skew 1.2× takes): with the LLM phase balanced alone and each sample's images encoded on its rank, the step is
/// about L̄ + k·Ē; no plan beats L̄ + Ē.
public struct EncoderSkew: Sendable, Equatable {
    /// Ē ÷ (L̄ + Ē): the encoder's share of all encoder + LLM work.
    public var share: Double
    /// k: the slowest rank's encoder work over the mean rank's under the LLM-only assignment.
    public var imbalance: Double

    /// 1 + s·(k − 1): about the most any encoder-aware plan (a separate encoder phase or one assignment balanced on
    /// both phases) gains over balancing the LLM phase alone. The benchmark's plans land within 0.01 of it.
    public var potentialSpeedUp: Double { 1 + share * (imbalance - 1) }

    /// Nil without encoder work (no images, or a profile without an encoder phase).
    init?(assignment: [[Int]], encoderWeights: [Double], llmWeights: [Double]) {
        let perRank = assignment.map { $0.reduce(0.0) { $0 + encoderWeights[$1] } }
        let encoder = perRank.reduce(0, +), llm = llmWeights.reduce(0, +)
        guard encoder > 0, !perRank.isEmpty else { return nil }
        share = encoder / (encoder + llm)
        imbalance = (perRank.max() ?? 0) / (encoder / Double(perRank.count))
    }
}
