import CostModel

/// A published end-to-end training measurement the cost model is checked against. Settings a source leaves unstated
/// follow one rule per source, written beside its runs (docs/cost-model.md §Validation).
public struct PublishedRun: Sendable {
    public var source: String
    public var label: String
    public var gpu: String
    /// GPUs that share one NVLink domain (8 in HGX/DGX nodes).
    public var gpusPerNode: Int = 8
    public var model: TransformerModel
    public var strategy: ParallelStrategy
    /// The published iteration time, or the one implied by published throughput (tokens or FLOP/s).
    public var iterationSeconds: Double
    /// Whether the run used a fused attention kernel that stores no s×s scores.
    public var flashAttention: Bool = false
    /// Whether the source states the recompute setting; when it does not, the run is priced with the least
    /// recompute under which its layout fits (none, selective, then full recompute of 1, 2, … layers of each virtual
    /// stage), as whoever ran it had to choose.
    public var recomputeStated: Bool = true

    public init(
        source: String, label: String, gpu: String, gpusPerNode: Int = 8, model: TransformerModel,
        strategy: ParallelStrategy, iterationSeconds: Double, flashAttention: Bool = false,
        recomputeStated: Bool = true
    ) {
        self.source = source
        self.label = label
        self.gpu = gpu
        self.gpusPerNode = gpusPerNode
        self.model = model
        self.strategy = strategy
        self.iterationSeconds = iterationSeconds
        self.flashAttention = flashAttention
        self.recomputeStated = recomputeStated
    }

    public var isMoE: Bool { model.moe != nil }
    public var precision: String { strategy.fp8 ? "FP8" : "BF16" }

    /// The cluster the run used: whole NVLink domains of its GPU type, default efficiencies unless given.
    public func cluster(efficiency: Efficiency? = nil) -> Cluster {
        let gpuSpec = GPUSpec.preset(named: gpu) ?? GPUSpec.presets[0]
        return Cluster(
            gpu: gpuSpec, nodes: strategy.gpuCount / gpusPerNode, gpusPerNode: gpusPerNode, efficiency: efficiency)
    }

    public var cluster: Cluster { cluster() }

    public func options(profile: CalibrationProfile? = nil) -> EstimateOptions {
        EstimateOptions(flashAttention: flashAttention, profile: profile)
    }

    public var options: EstimateOptions { options() }

    /// The layout as priced: the published one, with the recompute rule applied where the source is silent.
    public func resolvedStrategy(efficiency: Efficiency? = nil, profile: CalibrationProfile? = nil)
        throws(CostModelError) -> ParallelStrategy
    {
        guard !recomputeStated else { return strategy }
        let estimator = IterationEstimator(
            model: model, cluster: cluster(efficiency: efficiency), options: options(profile: profile))
        let chunk =
            (model.layers + strategy.pipelineParallel * strategy.interleave - 1)
            / (strategy.pipelineParallel * strategy.interleave)
        var candidates: [(Recompute, Int?)] = [(.none, nil), (.selective, nil)]
        candidates += (1..<max(1, chunk)).map { (.full, $0) }
        candidates.append((.full, nil))
        for (recompute, layers) in candidates {
            var candidate = strategy
            (candidate.recompute, candidate.recomputeLayers) = (recompute, layers)
            if try estimator.estimate(candidate).fitsInMemory { return candidate }
        }
        return strategy
    }

    /// The estimate with the default efficiencies, or with the ones given (the fitting benchmark's grid).
    public func estimate(efficiency: Efficiency? = nil, profile: CalibrationProfile? = nil) throws(CostModelError)
        -> IterationEstimate
    {
        try IterationEstimator(
            model: model, cluster: cluster(efficiency: efficiency), options: options(profile: profile)
        )
        .estimate(try resolvedStrategy(efficiency: efficiency, profile: profile))
    }

    /// The cost model's prediction for this run and its relative error against the published time.
    public func predicted() throws(CostModelError) -> (seconds: Double, error: Double) {
        let seconds = try estimate().iterationSeconds
        return (seconds, seconds / iterationSeconds - 1)
    }
}

extension PublishedRun {
    /// Every run: the 27 of the first round and the 21 of `../shared/data/published-runs.csv`.
    public static var all: [PublishedRun] {
        megatronTable1 + megaScaleTable2 + megatronCoreH100 + nemo2407 + megatronBridge + llmFoundry + bloom
    }

    /// Every held-out run, never used to fit: Megatron-Bridge's 25.11 set, its 26.02-26.06 set and the set priced
    /// blind (26.04-26.08).
    public static var heldOut: [PublishedRun] { megatronBridge2511 + megatronBridge26 + megatronBridge2604 }

    /// The smallest interleaving degree above 1 that divides the layers per stage (1 without a pipeline).
    static func smallestInterleave(layers: Int, stages: Int) -> Int {
        guard stages > 1 else { return 1 }
        let perStage = layers / stages
        return (2...max(2, perStage)).first { perStage % $0 == 0 } ?? 1
    }

    /// Iteration time from published tokens per second per GPU.
    static func seconds(globalBatch: Int, sequenceLength: Int, gpus: Int, tokensPerSecondPerGPU: Double) -> Double {
        Double(globalBatch * sequenceLength) / (tokensPerSecondPerGPU * Double(gpus))
    }
}
