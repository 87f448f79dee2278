/// One image's encoder work split over d data-parallel ranks, Ulysses-style sequence parallelism inside the ViT
/// (VeOmni's `sp_slice`, reference balance.md §3): each rank runs 1/d of the patches through every layer and exchanges
/// Q, K, V and the attention output by all-to-all, four in forward and four in backward per layer. With the image's
/// cost a·L + b·L² + c on one rank, each of the d ranks then spends
///
///     (a·L + b·L²) / d + c + κ·L·(d − 1) / d²
///
/// (attention splits by heads, so its L² work divides too; c, per image, is paid on every rank; each all-to-all moves
/// (d − 1)/d of a rank's L/d tokens, κ per token for all of them).
public struct EncoderSplitCost: Sendable, Equatable {
    /// κ: seconds of all-to-all per image token, summed over the layers' eight exchanges, at the group's bandwidth.
    public var secondsPerToken: Double
    /// The largest group (a power of two): the ranks one all-to-all may span, those of one node when derived.
    public var maxDegree: Int

    public init(secondsPerToken: Double, maxDegree: Int) {
        self.secondsPerToken = secondsPerToken
        self.maxDegree = maxDegree
    }

    public func validate(source: String) throws(CostModelError) {
        try CostModelError.check(
            secondsPerToken.isFinite && secondsPerToken >= 0, source, "encoderSplit.secondsPerToken", secondsPerToken,
            "must be a finite number ≥ 0")
        try CostModelError.check(
            maxDegree >= 2 && maxDegree <= Limits.gpus && maxDegree & (maxDegree - 1) == 0, source,
            "encoderSplit.maxDegree", maxDegree, "must be a power of two from 2 to \(Limits.gpus)")
    }

    /// Seconds each of `degree` ranks spends on an image of `tokens` tokens (degree 1: the whole image on one rank).
    public func share(of phase: PhaseCost, tokens: Double, degree: Int) -> Double {
        guard degree > 1 else { return phase.seconds(tokens) }
        let d = Double(degree)
        let work = phase.secondsPerToken * tokens + phase.secondsPerToken2 * tokens * tokens
        return work / d + phase.secondsPerSample + secondsPerToken * tokens * (d - 1) / (d * d)
    }

    /// From the ViT's shape: 8 all-to-alls per layer of each patch's hidden state in 16 bits, at the cluster's
    /// achieved NVLink bandwidth; groups stay within one node.
    public static func derive(vision: VisionEncoder, cluster: Cluster) -> EncoderSplitCost {
        let bytesPerToken = Double(vision.layers) * 8 * vision.patchesPerToken * Double(vision.hiddenSize) * 2
        var degree = 2
        while degree * 2 <= cluster.gpusPerNode { degree *= 2 }
        return EncoderSplitCost(secondsPerToken: bytesPerToken / cluster.effectiveIntraNodeBandwidth, maxDegree: degree)
    }
}
