import CostModel
import Foundation

/// `estimate`'s options: one static Megatron-style layout.
public struct EstimateRequest: Sendable {
    public var inputs: CostModelInputs
    public var shape: BatchShape
    public var tp = 1, pp = 1, cp = 1, ep = 1, microBatch = 1, interleave = 1
    /// Expert-TP degree; nil takes `tp` (Megatron-Core's default).
    public var etp: Int?
    /// Full recompute of only the first N layers of each virtual stage.
    public var recomputeLayers: Int?
    /// Selective recompute's modules (`--recompute-modules`); nil: `core_attn`, Megatron-Core's default.
    public var recomputeModules: [RecomputeModule]?
    /// Overlap MoE dispatch and combine with another micro-batch's computation.
    public var epCommOverlap = false
    /// Activations of the first N layers kept in host memory (`--cpu-offload-layers`).
    public var cpuOffloadLayers: Int?
    /// nil: GPUs / (tp × pp × cp).
    public var dp: Int?
    public var recompute: Recompute = .none
    public var sequenceParallel = false
    public var noOverlapGradReduce = false
    /// Wait for every pipeline transfer of the interleaved schedule (`--no-overlap-p2p-communication`).
    public var noOverlapP2PCommunication = false
    public var noFlashAttention = false
    public var causalHalved = false

    public init(inputs: CostModelInputs, shape: BatchShape) {
        self.inputs = inputs
        self.shape = shape
    }

    public struct Outcome: Sendable {
        public let model: TransformerModel
        public let cluster: Cluster
        public let strategy: ParallelStrategy
        public let estimate: IterationEstimate
    }

    public func run() throws(FrontendError) -> Outcome {
        let (model, cluster, profile) = try inputs.resolve()
        // The default dp divides by these; the strategy's validation checks every degree again.
        for (flag, value) in [("--tp", tp), ("--pp", pp), ("--cp", cp)] where value <= 0 || value > Limits.gpus {
            throw .badInput(flag, value: "\(value)", "must be a whole number from 1 to \(Limits.gpus)")
        }
        if let recomputeModules, recompute != .selective {
            throw .badInput(
                "--recompute-modules", value: recomputeModules.map(\.rawValue).joined(separator: ","),
                "needs --recompute selective")
        }
        let dataParallel = dp ?? max(1, cluster.gpuCount / (tp * pp * cp))
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: dataParallel, contextParallel: cp,
            expertParallel: ep,
            expertTensorParallel: etp, microBatch: microBatch, globalBatch: shape.globalBatch,
            sequenceLength: shape.seqLen,
            recompute: recompute, recomputeLayers: recomputeLayers,
            recomputeModules: recomputeModules ?? [.coreAttention], sequenceParallel: sequenceParallel,
            interleave: interleave,
            zeroStage: shape.zero, overlapGradientReduce: !noOverlapGradReduce,
            overlapTensorParallel: shape.tpCommOverlap, overlapPipelineTransfers: !noOverlapP2PCommunication,
            fp8: shape.fp8, fp8Recipe: try shape.validatedFP8Recipe(), overlapExpertParallel: epCommOverlap,
            gradientReduceFP32: !shape.gradReduceBF16, cpuOffloadLayers: cpuOffloadLayers,
            cudaGraph: try shape.validatedCUDAGraph(), cudaGraphModules: shape.cudaGraphModules,
            moeDispatcher: shape.moeDispatcher, optimizerPrecision: shape.optimizerPrecision)
        let options = EstimateOptions(
            flashAttention: !noFlashAttention, attentionCounting: causalHalved ? .causalHalved : .full,
            profile: profile, memoryHeadroom: try shape.validatedMemoryHeadroom())
        let estimate = try costModelCall { () throws(CostModelError) in
            try IterationEstimator(model: model, cluster: cluster, options: options).estimate(strategy)
        }
        return Outcome(model: model, cluster: cluster, strategy: strategy, estimate: estimate)
    }
}

extension RecomputeModule {
    /// `--recompute-modules`: comma-separated Megatron-Core module names, e.g. `layernorm,moe_act`.
    public static func list(_ text: String) throws(FrontendError) -> [RecomputeModule] {
        try moduleNameList(text, flag: "--recompute-modules")
    }
}

/// `estimate --json`: the headline figures at the top level, the rest beside them.
public struct EstimateReport: Codable, Sendable {
    /// What was estimated, so `report --estimate` can title and compare estimates from their files alone.
    public struct Setup: Codable, Sendable {
        public let model: String
        public let gpus: Int
        public let gpu: String
        public let strategy: ParallelStrategy
    }

    public let iterationSeconds: Double
    public let mfu: Double
    public let memoryBytes: Double
    public let usableMemoryBytes: Double
    public let fitsInMemory: Bool
    public let tokensPerSecondPerGPU: Double
    public let modelFlopsPerSecondPerGPU: Double
    public let breakdown: IterationEstimate.Breakdown
    public let memory: MemoryEstimate
    public let warnings: [String]
    /// Absent in files written before 2026-12-05.
    public let setup: Setup?
    /// How far the estimator was from published runs of this kind of model (`PublishedAccuracy`); absent in files
    /// written before 2026-12-06.
    public let accuracy: String?

    public init(_ outcome: EstimateRequest.Outcome) {
        let estimate = outcome.estimate
        iterationSeconds = estimate.iterationSeconds
        mfu = estimate.mfu
        memoryBytes = estimate.memory.peak
        usableMemoryBytes = estimate.usableMemoryBytes
        fitsInMemory = estimate.fitsInMemory
        tokensPerSecondPerGPU = estimate.tokensPerSecondPerGPU
        modelFlopsPerSecondPerGPU = estimate.modelFlopsPerSecondPerGPU
        breakdown = estimate.breakdown
        memory = estimate.memory
        warnings = estimate.warnings
        setup = Setup(
            model: outcome.model.name, gpus: outcome.cluster.gpuCount, gpu: outcome.cluster.gpu.name,
            strategy: outcome.strategy)
        accuracy = PublishedAccuracy.note(moe: outcome.model.moe != nil, fp8: outcome.strategy.fp8)
    }
}
