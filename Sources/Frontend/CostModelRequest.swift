import CostModel

/// A model, a cluster and an optional calibration profile, as `estimate` and `layouts` take them.
public struct CostModelInputs: Sendable {
    public enum ClusterChoice: Sendable {
        case source(InputSource)
        /// `--gpu`, `--nodes`, `--gpus-per-node`.
        case gpu(name: String, nodes: Int, gpusPerNode: Int)
    }

    public var model: InputSource
    public var cluster: ClusterChoice
    public var profile: InputSource?

    public init(model: InputSource, cluster: ClusterChoice, profile: InputSource? = nil) {
        self.model = model
        self.cluster = cluster
        self.profile = profile
    }

    /// Cluster first, then model and profile, so an error names the first bad input the user gave.
    public func resolve() throws(FrontendError) -> (model: TransformerModel, cluster: Cluster, profile: CalibrationProfile?) {
        let resolvedCluster: Cluster
        switch cluster {
        case .source(let source): resolvedCluster = try CostInputs.cluster(source)
        case .gpu(let name, let nodes, let gpusPerNode): resolvedCluster = try CostInputs.cluster(gpu: name, nodes: nodes, gpusPerNode: gpusPerNode)
        }
        let resolvedModel = try CostInputs.model(model)
        let resolvedProfile = try profile.map { source throws(FrontendError) in try CostInputs.calibration(source, for: resolvedCluster) }
        return (resolvedModel, resolvedCluster, resolvedProfile)
    }
}

/// The batch shape and the layout-independent switches `estimate` and `layouts` share.
public struct BatchShape: Sendable {
    public var globalBatch: Int
    public var seqLen: Int
    public var zero: Int
    public var fp8: Bool
    public var tpCommOverlap: Bool
    public var memoryHeadroom: Double

    public init(globalBatch: Int, seqLen: Int, zero: Int = 1, fp8: Bool = false, tpCommOverlap: Bool = false,
                memoryHeadroom: Double = EstimateOptions.defaultMemoryHeadroom) {
        self.globalBatch = globalBatch
        self.seqLen = seqLen
        self.zero = zero
        self.fp8 = fp8
        self.tpCommOverlap = tpCommOverlap
        self.memoryHeadroom = memoryHeadroom
    }

    /// The headroom, checked here so the error names the flag.
    public func validatedMemoryHeadroom() throws(FrontendError) -> Double {
        guard memoryHeadroom.isFinite, memoryHeadroom >= 0, memoryHeadroom <= 0.9 else {
            throw .badInput("--memory-headroom", value: "\(memoryHeadroom)", "must be a fraction from 0 to 0.9")
        }
        return memoryHeadroom
    }
}
