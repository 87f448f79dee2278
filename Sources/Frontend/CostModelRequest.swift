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
    public func resolve() throws(FrontendError) -> (
        model: TransformerModel, cluster: Cluster, profile: CalibrationProfile?
    ) {
        let resolvedCluster: Cluster
        switch cluster {
        case .source(let source): resolvedCluster = try CostInputs.cluster(source)
        case .gpu(let name, let nodes, let gpusPerNode):
            resolvedCluster = try CostInputs.cluster(gpu: name, nodes: nodes, gpusPerNode: gpusPerNode)
        }
        let resolvedModel = try CostInputs.model(model)
        let resolvedProfile = try profile.map { source throws(FrontendError) in
            try CostInputs.calibration(source, for: resolvedCluster)
        }
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
    /// `--memory-headroom`; nil is the default (10 % of the GPU, at most 8 GiB).
    public var memoryHeadroom: Double?
    /// `--fp8-recipe`; nil is the default recipe (delayed scaling) and needs no `--fp8`.
    public var fp8Recipe: FP8Recipe?
    /// `--grad-reduce-bf16`: gradients kept and reduced in BF16.
    public var gradReduceBF16: Bool
    /// `--full-iteration-cuda-graph`: the whole iteration replayed as one CUDA graph.
    public var fullIterationCUDAGraph: Bool
    /// `--cuda-graph-modules`: per-layer CUDA graphs of these parts of each layer; nil captures none.
    public var cudaGraphModules: [CUDAGraphModule]?
    /// `--moe-dispatcher`; nil is not stated (one copy per node in the exchange, the host wait in full).
    public var moeDispatcher: MoEDispatcher?
    /// `--main-params-dtype`, `--exp-avg-dtype`, `--exp-avg-sq-dtype`; nil keeps Adam's state in FP32.
    public var optimizerPrecision: OptimizerPrecision?

    public init(
        globalBatch: Int, seqLen: Int, zero: Int = 1, fp8: Bool = false, tpCommOverlap: Bool = false,
        memoryHeadroom: Double? = nil, fp8Recipe: FP8Recipe? = nil,
        gradReduceBF16: Bool = false, fullIterationCUDAGraph: Bool = false,
        cudaGraphModules: [CUDAGraphModule]? = nil, moeDispatcher: MoEDispatcher? = nil,
        optimizerPrecision: OptimizerPrecision? = nil
    ) {
        self.globalBatch = globalBatch
        self.seqLen = seqLen
        self.zero = zero
        self.fp8 = fp8
        self.tpCommOverlap = tpCommOverlap
        self.memoryHeadroom = memoryHeadroom
        self.fp8Recipe = fp8Recipe
        self.gradReduceBF16 = gradReduceBF16
        self.fullIterationCUDAGraph = fullIterationCUDAGraph
        self.cudaGraphModules = cudaGraphModules
        self.moeDispatcher = moeDispatcher
        self.optimizerPrecision = optimizerPrecision
    }

    /// `--main-params-dtype`, `--exp-avg-dtype` and `--exp-avg-sq-dtype` (each optional, FP32 when absent) as one
    /// optimizer precision; nil when none is given. Each name is checked against Megatron-Core's choices.
    public static func optimizerPrecision(mainParams: String?, expAvg: String?, expAvgSq: String?)
        throws(FrontendError) -> OptimizerPrecision?
    {
        guard mainParams != nil || expAvg != nil || expAvgSq != nil else { return nil }
        func dtype(_ name: String?, _ flag: String, _ allowed: [OptimizerDtype]) throws(FrontendError)
            -> OptimizerDtype
        {
            guard let name else { return .fp32 }
            guard let dtype = OptimizerDtype(rawValue: name), allowed.contains(dtype) else {
                throw .badInput(
                    flag, value: String(name.prefix(40)),
                    "must be one of \(allowed.map(\.rawValue).joined(separator: ", "))")
            }
            return dtype
        }
        return OptimizerPrecision(
            mainParams: try dtype(mainParams, "--main-params-dtype", [.fp32, .fp16]),
            expAvg: try dtype(expAvg, "--exp-avg-dtype", OptimizerDtype.allCases),
            expAvgSq: try dtype(expAvgSq, "--exp-avg-sq-dtype", OptimizerDtype.allCases))
    }

    /// The CUDA graph capture the switches ask for: one graph per iteration, or per-layer graphs of the listed modules.
    public func validatedCUDAGraph() throws(FrontendError) -> CUDAGraphCapture? {
        if let cudaGraphModules {
            guard !fullIterationCUDAGraph else {
                throw .badInput(
                    "--cuda-graph-modules", value: cudaGraphModules.map(\.rawValue).joined(separator: ","),
                    "cannot be combined with --full-iteration-cuda-graph (one graph already captures every layer)")
            }
            return .perLayer
        }
        return fullIterationCUDAGraph ? .fullIteration : nil
    }

    /// `--moe-dispatcher NAME`, naming the known ones when it is not one.
    public static func moeDispatcher(named name: String) throws(FrontendError) -> MoEDispatcher {
        guard let dispatcher = MoEDispatcher(rawValue: name) else {
            throw .badInput(
                "--moe-dispatcher", value: String(name.prefix(40)),
                "must be one of \(MoEDispatcher.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return dispatcher
    }

    /// The recipe in effect, checked against `--fp8`.
    public func validatedFP8Recipe() throws(FrontendError) -> FP8Recipe {
        if let fp8Recipe, !fp8 {
            throw .badInput("--fp8-recipe", value: fp8Recipe.rawValue, "needs --fp8")
        }
        return fp8Recipe ?? .delayed
    }

    /// `--fp8-recipe NAME`, naming the known ones when it is not one.
    public static func fp8Recipe(named name: String) throws(FrontendError) -> FP8Recipe {
        guard let recipe = FP8Recipe(rawValue: name) else {
            throw .badInput(
                "--fp8-recipe", value: name,
                "must be one of \(FP8Recipe.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return recipe
    }

    /// The headroom, checked here so the error names the flag.
    public func validatedMemoryHeadroom() throws(FrontendError) -> Double? {
        guard let memoryHeadroom else { return nil }
        guard memoryHeadroom.isFinite, memoryHeadroom >= 0, memoryHeadroom <= 0.9 else {
            throw .badInput("--memory-headroom", value: "\(memoryHeadroom)", "must be a fraction from 0 to 0.9")
        }
        return memoryHeadroom
    }
}

extension CUDAGraphModule {
    /// `--cuda-graph-modules`: comma-separated Megatron-Core module names, e.g. `attn,moe_router,moe_preprocess`.
    public static func list(_ text: String) throws(FrontendError) -> [CUDAGraphModule] {
        try moduleNameList(text, flag: "--cuda-graph-modules")
    }
}
