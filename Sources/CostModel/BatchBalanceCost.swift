import Foundation

/// Per-sample cost of data-parallel training phases: `a·L + b·L² + c` seconds for a sample (LLM phase, L = its
/// tokens) or an image (encoder phase, L = the image's tokens). Quadratic because attention is.
public struct PhaseCost: Sendable, Equatable, Codable {
    public var secondsPerToken: Double
    public var secondsPerToken2: Double
    public var secondsPerSample: Double

    public init(secondsPerToken: Double, secondsPerToken2: Double, secondsPerSample: Double = 0) {
        self.secondsPerToken = secondsPerToken
        self.secondsPerToken2 = secondsPerToken2
        self.secondsPerSample = secondsPerSample
    }

    @inline(__always)
    public func seconds(_ tokens: Double) -> Double {
        secondsPerToken * tokens + secondsPerToken2 * tokens * tokens + secondsPerSample
    }
}

/// The batch-balance profile: the LLM phase, an optional encoder phase (and what splitting one image over several
/// ranks costs), the bytes a token costs to move, and an optional token cap per micro-batch.
public struct BatchBalanceCost: Sendable, Equatable {
    public var llm: PhaseCost
    public var encoder: PhaseCost?
    public var encoderSplit: EncoderSplitCost?
    public var bytesPerToken: Double
    public var maxTokensPerMicroBatch: Int?

    public init(
        llm: PhaseCost, encoder: PhaseCost? = nil, encoderSplit: EncoderSplitCost? = nil, bytesPerToken: Double = 4,
        maxTokensPerMicroBatch: Int? = nil
    ) {
        self.llm = llm
        self.encoder = encoder
        self.encoderSplit = encoderSplit
        self.bytesPerToken = bytesPerToken
        self.maxTokensPerMicroBatch = maxTokensPerMicroBatch
    }

    public func validate(source: String) throws(CostModelError) {
        for (name, phase) in [("llm", Optional(llm)), ("encoder", encoder)] {
            guard let phase else { continue }
            // Ceilings orders of magnitude above any measured profile keep every step time finite.
            for (field, value, ceiling) in [
                ("secondsPerToken", phase.secondsPerToken, 1e3), ("secondsPerToken2", phase.secondsPerToken2, 1.0),
                ("secondsPerSample", phase.secondsPerSample, 1e6),
            ] {
                try CostModelError.check(
                    value.isFinite && value >= 0 && value <= ceiling, source, "phases.\(name).\(field)", value,
                    "must be a number from 0 to \(ceiling)")
            }
        }
        try CostModelError.check(
            bytesPerToken.isFinite && bytesPerToken >= 0 && bytesPerToken <= 1e12, source, "bytesPerToken",
            bytesPerToken, "must be a number from 0 to 1e12")
        try encoderSplit?.validate(source: source)
        if let cap = maxTokensPerMicroBatch {
            try CostModelError.count(cap, atMost: Limits.tokens, source, "maxTokensPerMicroBatch")
        }
    }

    /// The LLM phase from a model on one GPU of a cluster: a = linear training FLOPs per token (and memory-bound
    /// time), b = attention training FLOPs per token², both at the cluster's achieved FLOP/s; c = 0. Tokens move as
    /// 4-byte ids. A model with a vision encoder (Qwen2-VL family) also gets the encoder phase, per image of L LLM
    /// tokens, from `VisionEncoder.trainingFlops` at the same FLOP/s (compute-bound: the encoder's memory traffic is
    /// not modelled), and what splitting an image over the ranks of one node costs (`EncoderSplitCost.derive`).
    public static func derive(model: TransformerModel, cluster: Cluster) throws(CostModelError) -> BatchBalanceCost {
        let sp = try SequenceParallelCost.derive(model: model, cluster: cluster.withPowerOfTwoGPUs)
        var encoder: PhaseCost?
        var split: EncoderSplitCost?
        if let vision = model.vision {
            split = EncoderSplitCost.derive(vision: vision, cluster: cluster)
            let rate = IterationEstimator(model: model, cluster: cluster.withPowerOfTwoGPUs)
                .achievedFlopsPerSecond(ParallelStrategy(globalBatch: 1, sequenceLength: 1))
            let flops = vision.trainingFlops
            encoder = PhaseCost(secondsPerToken: flops.perToken / rate, secondsPerToken2: flops.perToken2 / rate)
        }
        return BatchBalanceCost(
            llm: PhaseCost(secondsPerToken: sp.alpha2, secondsPerToken2: sp.alpha1), encoder: encoder,
            encoderSplit: split,
            bytesPerToken: 4)
    }
}

extension Cluster {
    /// The same node type with a power-of-two GPU count (what the SP derivation needs; per-GPU rates are unchanged).
    var withPowerOfTwoGPUs: Cluster {
        var copy = self
        var nodes = 1
        while nodes * 2 <= self.nodes { nodes *= 2 }
        copy.nodes = nodes
        if gpusPerNode & (gpusPerNode - 1) != 0 { copy.gpusPerNode = 1 }
        copy.speedFactors = nil
        return copy
    }
}
