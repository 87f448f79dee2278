/// A static 3D/4D/5D parallel layout and its batch, as Megatron-LM configures one.
public struct ParallelStrategy: Sendable, Equatable, Codable {
    public var tensorParallel: Int
    public var pipelineParallel: Int
    public var dataParallel: Int
    public var contextParallel: Int
    /// Expert parallelism. With expert-TP it is folded over TP × CP × DP as Megatron-Core folds it: the
    /// expert-TP × EP ranks of a stage are consecutive, expert-TP innermost.
    public var expertParallel: Int
    /// Tensor parallelism inside each expert; nil takes `tensorParallel` (Megatron-Core's default).
    public var expertTensorParallel: Int?
    public var microBatch: Int
    /// Sequences per iteration over all data-parallel ranks.
    public var globalBatch: Int
    public var sequenceLength: Int
    public var recompute: Recompute
    /// With full recompute: recompute only the first this-many layers of each virtual stage (Megatron's
    /// --recompute-method block --recompute-num-layers); nil recomputes every layer.
    public var recomputeLayers: Int?
    /// With selective recompute: the modules repeated in backward (Megatron-Core's `--recompute-modules`).
    public var recomputeModules: [RecomputeModule]
    /// Megatron sequence parallelism: shard activations outside the TP regions by TP.
    public var sequenceParallel: Bool
    /// Virtual pipeline stages per GPU (interleaved 1F1B).
    public var interleave: Int
    /// 0: replicated; 1: optimizer states sharded (= distributed optimizer); 2: + gradients; 3: + parameters.
    public var zeroStage: Int
    /// Overlap the data-parallel gradient reduction with the last micro-batch's backward.
    public var overlapGradientReduce: Bool
    /// Overlap TP communication with the GEMMs around it (Transformer Engine's --tp-comm-overlap).
    public var overlapTensorParallel: Bool
    /// In the interleaved schedule, send and receive each chunk's activations and gradients while the next chunk
    /// computes (Megatron-Core's default; `--no-overlap-p2p-communication` turns it off, and Megatron-LM ran without it
    /// before). The plain 1F1B schedule waits for its transfers either way.
    public var overlapPipelineTransfers: Bool
    /// Without sequence parallelism, each TP rank sends 1/t of a pipeline activation and the receivers all-gather it
    /// over NVLink (Megatron-LM's scatter/gather, SC'21 §4.1; Megatron-Core has no such option: with sequence
    /// parallelism the activation is already split).
    public var pipelineScatterGather: Bool
    /// Run the linear layers' GEMMs in FP8 where the GPU has FP8 tensor cores.
    public var fp8: Bool
    /// The FP8 scaling recipe when `fp8` is on.
    public var fp8Recipe: FP8Recipe
    /// Keep and reduce gradients in FP32 (Megatron-LM's rule for BF16 training); false keeps them in BF16, as
    /// Megatron-Bridge's performance recipes do (`grad_reduce_in_fp32 = False`).
    public var gradientReduceFP32: Bool
    /// Overlap MoE dispatch and combine with another micro-batch's computation (Megatron-Core's
    /// --overlap-moe-expert-parallel-comm, DeepSeek's DualPipe).
    public var overlapExpertParallel: Bool
    /// Keep the activations of the first this-many layers in host memory between forward and backward
    /// (Megatron-Core's --cpu-offloading-num-layers); nil offloads none.
    public var cpuOffloadLayers: Int?
    /// How the iteration is captured in CUDA graphs (Megatron-Core's --cuda-graph-impl); nil captures none.
    public var cudaGraph: CUDAGraphCapture?
    /// With per-layer graphs: the parts of each layer captured (Megatron-Core's --cuda-graph-modules).
    public var cudaGraphModules: [CUDAGraphModule]?
    /// The MoE token dispatcher (Megatron-Core's --moe-token-dispatcher-type and --moe-flex-dispatcher-backend); nil
    /// is not stated: the exchange is priced with one copy per node, as the fused dispatchers send it, and the host
    /// wait in full, as all-to-all pays it.
    public var moeDispatcher: MoEDispatcher?
    /// Storage types of the master weights and Adam's moments (Megatron-Core's precision-aware optimizer); nil keeps
    /// all three in FP32.
    public var optimizerPrecision: OptimizerPrecision?

    public init(
        tensorParallel: Int = 1, pipelineParallel: Int = 1, dataParallel: Int = 1, contextParallel: Int = 1,
        expertParallel: Int = 1, expertTensorParallel: Int? = nil, microBatch: Int = 1, globalBatch: Int,
        sequenceLength: Int,
        recompute: Recompute = .none, recomputeLayers: Int? = nil,
        recomputeModules: [RecomputeModule] = [.coreAttention], sequenceParallel: Bool = false, interleave: Int = 1,
        zeroStage: Int = 1,
        overlapGradientReduce: Bool = true, overlapTensorParallel: Bool = false,
        overlapPipelineTransfers: Bool = true, pipelineScatterGather: Bool = false, fp8: Bool = false,
        fp8Recipe: FP8Recipe = .delayed, overlapExpertParallel: Bool = false, gradientReduceFP32: Bool = true,
        cpuOffloadLayers: Int? = nil, cudaGraph: CUDAGraphCapture? = nil, cudaGraphModules: [CUDAGraphModule]? = nil,
        moeDispatcher: MoEDispatcher? = nil, optimizerPrecision: OptimizerPrecision? = nil
    ) {
        self.tensorParallel = tensorParallel
        self.pipelineParallel = pipelineParallel
        self.dataParallel = dataParallel
        self.contextParallel = contextParallel
        self.expertParallel = expertParallel
        self.expertTensorParallel = expertTensorParallel
        self.microBatch = microBatch
        self.globalBatch = globalBatch
        self.sequenceLength = sequenceLength
        self.recompute = recompute
        self.recomputeLayers = recomputeLayers
        self.recomputeModules = recomputeModules
        self.sequenceParallel = sequenceParallel
        self.interleave = interleave
        self.zeroStage = zeroStage
        self.overlapGradientReduce = overlapGradientReduce
        self.overlapTensorParallel = overlapTensorParallel
        self.overlapPipelineTransfers = overlapPipelineTransfers
        self.pipelineScatterGather = pipelineScatterGather
        self.fp8 = fp8
        self.fp8Recipe = fp8Recipe
        self.overlapExpertParallel = overlapExpertParallel
        self.gradientReduceFP32 = gradientReduceFP32
        self.cpuOffloadLayers = cpuOffloadLayers
        self.cudaGraph = cudaGraph
        self.cudaGraphModules = cudaGraphModules
        self.moeDispatcher = moeDispatcher
        self.optimizerPrecision = optimizerPrecision
    }

    /// Layers whose activations wait in host memory (0 without offloading).
    public var offloadedLayers: Int { cpuOffloadLayers ?? 0 }

    /// Layers of one virtual stage (model chunk) on the busiest stage.
    func layersPerChunk(modelLayers: Int) -> Double {
        (Double(modelLayers) / Double(pipelineParallel * interleave)).rounded(.up)
    }

    /// Whether selective recompute repeats `module` in backward.
    public func recomputes(_ module: RecomputeModule) -> Bool {
        recompute == .selective && recomputeModules.contains(module)
    }

    /// Fraction of the stage's layers whose forward runs again in backward.
    public func recomputedFraction(modelLayers: Int) -> Double {
        guard recompute == .full else { return 0 }
        guard let recomputeLayers else { return 1 }
        let chunk = layersPerChunk(modelLayers: modelLayers)
        return chunk > 0 ? min(Double(recomputeLayers), chunk) / chunk : 1
    }

    /// Expert-TP degree in effect.
    public var expertTensorDegree: Int { expertTensorParallel ?? tensorParallel }

    public var gpuCount: Int { tensorParallel * pipelineParallel * dataParallel * contextParallel }

    /// Whether a stage's data-parallel peers meet at every micro-batch's forward and backward: per-tensor delayed FP8
    /// scaling all-reduces its amaxes there (the other recipes scale from the tensor itself or by blocks).
    public var synchronisesEveryMicroBatch: Bool { fp8 && fp8Recipe == .delayed && dataParallel > 1 }

    /// Whether per-tensor delayed FP8 scaling all-reduces its amaxes over a stage's TP × CP × DP ranks after every
    /// chunk's forward and backward (Megatron-Core's amax reduction group; the other recipes need no such reduction).
    public var reducesAmaxes: Bool {
        fp8 && fp8Recipe == .delayed && tensorParallel * contextParallel * dataParallel > 1
    }

    /// Micro-batches each pipeline runs per iteration.
    public var microBatchesPerPipeline: Int { globalBatch / max(1, dataParallel * microBatch) }

    /// Whether the layers do not split evenly over the (virtual) pipeline stages: Megatron-LM's flags refuse such a
    /// layout, Megatron-Core runs it with `--pipeline-model-parallel-layout` (the busiest stage sets the pace).
    public func unevenPipeline(model: TransformerModel) -> Bool {
        pipelineParallel > 1 && model.layers % (pipelineParallel * interleave) != 0
    }

    /// Soft problems: the layout runs, but not as well as it could.
    public func warnings(model: TransformerModel) -> [String] {
        var warnings: [String] = []
        if model.layers % (pipelineParallel * interleave) != 0 {
            warnings.append(
                "--pp × --interleave (\(pipelineParallel * interleave)) does not divide the \(model.layers) layers: stages are uneven, "
                    + "the busiest one sets the pace, and Megatron needs --pipeline-model-parallel-layout (--format megatron prints it)"
            )
        }
        if model.kvHeads % tensorParallel != 0 {
            warnings.append(
                "--tp \(tensorParallel) does not divide the \(model.kvHeads) KV heads: KV projections are replicated across TP ranks"
            )
        }
        if tensorParallel > 1 && !sequenceParallel {
            warnings.append("--tp > 1 without --sequence-parallel: activations outside the TP regions are replicated")
        }
        warnings += cudaGraphWarnings(model: model)
        return warnings
    }

    /// Hard errors: the layout cannot run at all on this model and cluster.
    public func validate(model: TransformerModel, cluster: Cluster) throws(CostModelError) {
        let source = "strategy"
        for (field, value) in [
            ("--tp", tensorParallel), ("--pp", pipelineParallel), ("--dp", dataParallel), ("--cp", contextParallel),
            ("--ep", expertParallel), ("--interleave", interleave),
        ] {
            try CostModelError.count(value, atMost: Limits.gpus, source, field)
        }
        try CostModelError.count(microBatch, atMost: Limits.sequences, source, "--micro-batch")
        try validateBatchShape(cluster: cluster)
        try CostModelError.check(
            model.heads % tensorParallel == 0, source, "--tp", tensorParallel,
            "must divide the model's \(model.heads) heads")
        // Four degrees up to 2^18 each can overflow their product: compare without forming it.
        let degrees = [tensorParallel, pipelineParallel, dataParallel, contextParallel]
        let product = degrees.reduce(1.0) { $0 * Double($1) }
        try CostModelError.check(
            product == Double(cluster.gpuCount), source, "--tp × --pp × --dp × --cp",
            degrees.map(String.init).joined(separator: " × "), "must equal the cluster's \(cluster.gpuCount) GPUs")
        // Megatron-Core's account_for_embedding/loss_in_pipeline_split give the embedding and the loss a virtual
        // stage of their own (Megatron-Bridge's Llama 3.1 405B recipe: 126 layers over 16 × 8 stages).
        try CostModelError.check(
            model.layers + 2 >= pipelineParallel * interleave, source, "--pp × --interleave",
            pipelineParallel * interleave,
            "exceeds the model's \(model.layers) layers and its embedding and loss (\(model.layers + 2) stages at most)"
        )
        try CostModelError.check(
            globalBatch % (dataParallel * microBatch) == 0, source, "--global-batch", globalBatch,
            "must be a multiple of --dp × --micro-batch (\(dataParallel * microBatch))")
        try CostModelError.check(
            sequenceLength % contextParallel == 0, source, "--seq-len", sequenceLength,
            "must be a multiple of --cp (\(contextParallel))")
        if let expertTensorParallel {
            try CostModelError.count(expertTensorParallel, atMost: Limits.gpus, source, "--etp")
        }
        // Megatron-Core: the expert grid (expert-TP × EP × expert-DP) refolds the TP × CP × DP ranks of a stage.
        let stageRanks = Double(tensorParallel) * Double(contextParallel) * Double(dataParallel)
        let expertGrid = Double(expertTensorDegree) * Double(expertParallel)
        try CostModelError.check(
            stageRanks.truncatingRemainder(dividingBy: expertGrid) == 0, source, "--ep × --etp",
            "\(expertParallel) × \(expertTensorDegree)", "must divide --tp × --cp × --dp (\(Int(stageRanks)))")
        if let moe = model.moe {
            try CostModelError.check(
                moe.experts % expertParallel == 0, source, "--ep", expertParallel,
                "must divide the model's \(moe.experts) experts")
            try CostModelError.check(
                moe.expertFFNHiddenSize % expertTensorDegree == 0, source, "--etp", expertTensorDegree,
                "must divide the experts' width (\(moe.expertFFNHiddenSize))")
        } else {
            try CostModelError.check(expertParallel == 1, source, "--ep", expertParallel, "the model has no experts")
            try CostModelError.check(
                expertTensorParallel == nil, source, "--etp", expertTensorDegree, "the model has no experts")
        }
        if interleave > 1 {
            try CostModelError.check(pipelineParallel > 1, source, "--interleave", interleave, "needs --pp > 1")
        }
        if recomputeModules != [.coreAttention] {
            let names = recomputeModules.map(\.rawValue).joined(separator: ",")
            let flag = "--recompute-modules"
            let known = RecomputeModule.allCases.map(\.rawValue).joined(separator: ", ")
            try CostModelError.check(recompute == .selective, source, flag, names, "needs --recompute selective")
            try CostModelError.check(
                !recomputeModules.isEmpty, source, flag, names, "must name at least one of \(known)")
            try CostModelError.check(
                Set(recomputeModules).count == recomputeModules.count, source, flag, names,
                "names a module twice")
            try CostModelError.check(
                model.moe != nil || !recomputeModules.contains(.moeActivation), source, flag, names,
                "moe_act needs a model with experts")
        }
        if let recomputeLayers {
            try CostModelError.check(
                recompute == .full, source, "--recompute-layers", recomputeLayers, "needs --recompute full")
            try CostModelError.count(recomputeLayers, atMost: model.layers, source, "--recompute-layers")
        }
        if let cpuOffloadLayers { try validateOffload(cpuOffloadLayers, model: model, cluster: cluster) }
        try validateCUDAGraphs(model: model)
    }

    /// Megatron-Core's rules for CPU offloading (TransformerConfig): fewer layers than the model has, no pipeline,
    /// no recompute; and a host link to price it.
    private func validateOffload(_ layers: Int, model: TransformerModel, cluster: Cluster) throws(CostModelError) {
        let source = "strategy"
        let flag = "--cpu-offload-layers"
        try CostModelError.check(
            layers >= 1 && layers < model.layers, source, flag, layers,
            "must be from 1 to \(model.layers - 1) (fewer than the model's \(model.layers) layers)")
        try CostModelError.check(
            pipelineParallel == 1, source, flag, layers, "needs --pp 1 (Megatron-Core offloads without a pipeline)")
        try CostModelError.check(
            recompute == .none, source, flag, layers, "cannot be combined with --recompute (Megatron-Core refuses it)")
        try CostModelError.check(
            cluster.gpu.hostBandwidth != nil, source, flag, layers,
            "needs the GPU's hostBandwidth (the \(cluster.gpu.name) spec has none)")
    }

    /// The checks that do not depend on the layout: batch, sequence length, ZeRO stage, FP8 on this GPU. A layout
    /// search runs them on its template before trying layouts.
    public func validateBatchShape(cluster: Cluster) throws(CostModelError) {
        let source = "strategy"
        try CostModelError.count(globalBatch, atMost: Limits.sequences, source, "--global-batch")
        try CostModelError.count(sequenceLength, atMost: Limits.tokens, source, "--seq-len")
        try CostModelError.check((0...3).contains(zeroStage), source, "--zero", zeroStage, "must be 0, 1, 2 or 3")
        try validateOptimizerPrecision()
        if fp8 {
            try CostModelError.check(
                cluster.gpu.fp8FlopsPerSecond != nil, source, "--fp8", cluster.gpu.name,
                "this GPU has no FP8 tensor cores")
            try CostModelError.check(
                fp8Recipe != .mxfp8 || cluster.gpu.nativeBlockScaling, source, "--fp8-recipe", fp8Recipe.rawValue,
                "needs tensor cores with block scaling (Blackwell); \(cluster.gpu.name) has none")
        }
    }
}

extension ParallelStrategy {
    /// Strategies saved before the pipeline-transfer fields existed load with Megatron-Core's defaults (transfers
    /// overlapped, no scatter/gather); every other field decodes as it was written.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tensorParallel: try c.decode(Int.self, forKey: .tensorParallel),
            pipelineParallel: try c.decode(Int.self, forKey: .pipelineParallel),
            dataParallel: try c.decode(Int.self, forKey: .dataParallel),
            contextParallel: try c.decode(Int.self, forKey: .contextParallel),
            expertParallel: try c.decode(Int.self, forKey: .expertParallel),
            expertTensorParallel: try c.decodeIfPresent(Int.self, forKey: .expertTensorParallel),
            microBatch: try c.decode(Int.self, forKey: .microBatch),
            globalBatch: try c.decode(Int.self, forKey: .globalBatch),
            sequenceLength: try c.decode(Int.self, forKey: .sequenceLength),
            recompute: try c.decode(Recompute.self, forKey: .recompute),
            recomputeLayers: try c.decodeIfPresent(Int.self, forKey: .recomputeLayers),
            recomputeModules: try c.decode([RecomputeModule].self, forKey: .recomputeModules),
            sequenceParallel: try c.decode(Bool.self, forKey: .sequenceParallel),
            interleave: try c.decode(Int.self, forKey: .interleave),
            zeroStage: try c.decode(Int.self, forKey: .zeroStage),
            overlapGradientReduce: try c.decode(Bool.self, forKey: .overlapGradientReduce),
            overlapTensorParallel: try c.decode(Bool.self, forKey: .overlapTensorParallel),
            overlapPipelineTransfers: try c.decodeIfPresent(Bool.self, forKey: .overlapPipelineTransfers) ?? true,
            pipelineScatterGather: try c.decodeIfPresent(Bool.self, forKey: .pipelineScatterGather) ?? false,
            fp8: try c.decode(Bool.self, forKey: .fp8),
            fp8Recipe: try c.decode(FP8Recipe.self, forKey: .fp8Recipe),
            overlapExpertParallel: try c.decode(Bool.self, forKey: .overlapExpertParallel),
            gradientReduceFP32: try c.decode(Bool.self, forKey: .gradientReduceFP32),
            cpuOffloadLayers: try c.decodeIfPresent(Int.self, forKey: .cpuOffloadLayers),
            cudaGraph: try c.decodeIfPresent(CUDAGraphCapture.self, forKey: .cudaGraph),
            cudaGraphModules: try c.decodeIfPresent([CUDAGraphModule].self, forKey: .cudaGraphModules),
            moeDispatcher: try c.decodeIfPresent(MoEDispatcher.self, forKey: .moeDispatcher),
            optimizerPrecision: try c.decodeIfPresent(OptimizerPrecision.self, forKey: .optimizerPrecision))
    }
}
