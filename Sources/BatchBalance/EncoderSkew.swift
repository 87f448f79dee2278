/// How skewed a batch's images are, and so how much balancing the encoder can pay (docs/batch-balancing.md §How
/// much skew 1.2× takes), measured against the `llm-only` baseline: the LLM phase balanced alone, each sample's
/// images encoded on its rank.
public struct EncoderSkew: Sendable, Equatable {
    /// Ē ÷ (L̄ + Ē): the encoder's share of all encoder + LLM work.
    public var share: Double
    /// k: the slowest rank's encoder work over the mean rank's under the LLM-only assignment.
    public var imbalance: Double
    /// The `llm-only` step over the lowest step any encoder-aware plan of whole samples and whole images could reach
    /// (the smaller of the two phase models' lower bounds): the most `--phases encoder,llm` can gain on this batch.
    public var potentialSpeedUp: Double

    /// 1 + s·(k − 1): what `potentialSpeedUp` comes to when many samples per rank average out, so that no single
    /// sample or image sets a bound. The LLM-alone step is then about L̄ + k·Ē, and no plan beats L̄ + Ē.
    public var averagedSpeedUp: Double { 1 + share * (imbalance - 1) }

    public init(share: Double, imbalance: Double, potentialSpeedUp: Double) {
        self.share = share
        self.imbalance = imbalance
        self.potentialSpeedUp = potentialSpeedUp
    }
}

extension Problem {
    /// Nil without encoder work (no images, or a profile without an encoder phase).
    func encoderSkew(llmOnly assignment: [[Int]]) -> EncoderSkew? {
        let perRank = assignment.map { $0.reduce(0.0) { $0 + encoderWeights[$1] } }
        let encoder = perRank.reduce(0, +)
        let llm = llmWeights.reduce(0, +)
        guard encoder > 0, !perRank.isEmpty else { return nil }
        let ranks = options.ranks
        let equal = equalCount
        // Each bound the planner already holds is reused; `weights` are the LLM costs alone with a separate encoder
        // phase, and the LLM plus encoder costs otherwise.
        let llmBound =
            options.separateEncoder ? llmLowerBound : Self.partitionBound(llmWeights, equal: equal, ranks: ranks)
        // One assignment for both phases: whole samples carry their images. Ranks that wait for each other in every
        // phase (or a runtime that always runs the encoder as a phase of its own) pay each phase's slowest rank;
        // otherwise each rank's encoder and LLM work run back to back.
        let together: Double
        if options.syncEveryPhase || options.separateEncoder && options.keepEncoderPhase {
            together =
                phasesSynchronisedTogether
                ? synchronisedLowerBound
                : llmBound + Self.partitionBound(encoderWeights, equal: equal, ranks: ranks)
        } else {
            together =
                options.separateEncoder
                ? Self.partitionBound(zip(llmWeights, encoderWeights).map { $0 + $1 }, equal: equal, ranks: ranks)
                : llmLowerBound
        }
        // A separate encoder phase: whole images on any rank, in any number.
        let separate =
            llmBound
            + (options.separateEncoder
                ? encoderLowerBound : Self.partitionBound(images.map(\.seconds), equal: nil, ranks: ranks))
        return EncoderSkew(
            share: encoder / (encoder + llm), imbalance: (perRank.max() ?? 0) / (encoder / Double(perRank.count)),
            potentialSpeedUp: baselineSeconds(assignment) / min(together, separate))
    }
}
