import BatchBalance
import CostModel
import InputFiles

/// `plan batch-balance`'s options, and the balancer built from them once and reused every step.
public struct BatchBalanceRequest: Sendable {
    public var cost: PlannerCostSource
    public var ranks: Int
    public var microBatches: Int?
    public var equalCounts: Bool
    public var maxTokensPerMicroBatch: Int?
    /// `llm` or `encoder,llm`.
    public var phases: String
    public var syncEveryPhase: Bool
    public var keepEncoderPhase: Bool
    public var splitImages: Bool
    /// Each rank's measured speed (a cluster file or `whatif --speed-factors` output); without it, a cluster file's
    /// own `speedFactors` when the cost is derived from one.
    public var speedFactors: InputSource?

    public init(
        cost: PlannerCostSource, ranks: Int, microBatches: Int? = nil, equalCounts: Bool = false,
        maxTokensPerMicroBatch: Int? = nil, phases: String = "llm", syncEveryPhase: Bool = false,
        keepEncoderPhase: Bool = false, splitImages: Bool = false, speedFactors: InputSource? = nil
    ) {
        self.cost = cost
        self.ranks = ranks
        self.microBatches = microBatches
        self.equalCounts = equalCounts
        self.maxTokensPerMicroBatch = maxTokensPerMicroBatch
        self.phases = phases
        self.syncEveryPhase = syncEveryPhase
        self.keepEncoderPhase = keepEncoderPhase
        self.splitImages = splitImages
        self.speedFactors = speedFactors
    }

    /// The phase flags first (they need no file), then the cost, then the balancer's own checks.
    public func makeBalancer() throws(FrontendError) -> BatchBalancer {
        try checkPhases()
        let resolved = try cost.resolve(
            load: { (data, path) throws(CostModelError) in try BatchBalanceCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in
                try BatchBalanceCost.derive(model: model, cluster: cluster)
            })
        var speeds = try speedFactors.map { source throws(FrontendError) in
            try CostInputs.speedFactors(source, ranks: ranks)
        }
        // One DP rank per GPU at least: more ranks than the cluster has GPUs is a mistyped --ranks or --cluster.
        if case .derived(_, let clusterSource) = cost {
            let cluster = try CostInputs.cluster(clusterSource)
            guard ranks <= cluster.gpuCount else {
                throw .badInput(
                    "--ranks", value: "\(ranks)",
                    "is more than the cluster's \(cluster.gpuCount) GPUs "
                        + "(\(cluster.nodes) node\(cluster.nodes == 1 ? "" : "s") of \(cluster.gpusPerNode))")
            }
            if speeds == nil, let factors = cluster.speedFactors {
                guard let perRank = SpeedFactors.perRank(factors, ranks: ranks) else {
                    throw .badInput(
                        "--ranks", value: "\(ranks)", "must divide the cluster's \(factors.count) speedFactors")
                }
                speeds = perRank
            }
        }
        do {
            return try BatchBalancer(
                cost: resolved,
                options: .init(
                    ranks: ranks, microBatches: microBatches, equalCounts: equalCounts,
                    maxTokensPerMicroBatch: maxTokensPerMicroBatch,
                    separateEncoder: phases == "encoder,llm", syncEveryPhase: syncEveryPhase,
                    keepEncoderPhase: keepEncoderPhase,
                    splitImages: splitImages, speedFactors: speeds))
        } catch {
            throw Self.mapped(error, source: "--profile")
        }
    }

    public func checkPhases() throws(FrontendError) {
        guard ["llm", "encoder,llm"].contains(phases) else {
            throw .badInput("--phases", value: phases, "must be llm or encoder,llm")
        }
        if keepEncoderPhase, phases != "encoder,llm" {
            throw .badInput(
                "--phases", value: phases,
                "--keep-encoder-phase needs encoder,llm (there is no separate encoder phase to keep)")
        }
    }

    /// One step's plan; `source` names the samples in errors (the file, or `samples`).
    public static func plan(_ balancer: BatchBalancer, samples: [Sample], source: String) throws(FrontendError)
        -> BatchBalanceResult
    {
        do {
            return try balancer.plan(samples)
        } catch {
            throw mapped(error, source: source)
        }
    }

    static func mapped(_ error: BatchBalanceError, source: String) -> FrontendError {
        switch error {
        case .capsInfeasible, .sampleOverCap: return .infeasible(source, error.description)
        // Flags are not in the samples: no source in front.
        case .invalidRanks, .invalidCombination, .invalidProfile: return .badInput(message: error)
        case .invalidOption(let name, _, _) where name.hasPrefix("--"): return .badInput(message: error)
        default: return .badInput(source, error.description)
        }
    }
}
