import Foundation

/// Predicted time of one training iteration, broken down, with memory and utilisation.
public struct IterationEstimate: Sendable, Equatable, Codable {
    public struct Breakdown: Sendable, Equatable, Codable {
        /// Forward and backward (and recompute) GEMMs of all micro-batches on the busiest stage.
        public var compute: Double
        /// TP all-reduces (or reduce-scatter + all-gather) left on the critical path.
        public var tensorParallel: Double
        /// Idle pipeline slots: (p − 1)/v micro-batch times.
        public var pipelineBubble: Double
        /// Activations sent between pipeline stages.
        public var pipelineTransfers: Double
        /// Gradient reduction and parameter gathering not hidden behind the last backward.
        public var dataParallel: Double
        /// Ring-attention K/V exchange not hidden behind attention compute.
        public var contextParallel: Double
        /// MoE dispatch and combine all-to-alls.
        public var expertParallel: Double
        /// Adam update, bound by memory bandwidth.
        public var optimizer: Double
        /// Activation copies to and from host memory not hidden behind the next layer's compute.
        public var cpuOffload: Double = 0
        /// Waiting for the slowest worker's compute at each synchronisation (`SynchronisationJitter`).
        public var synchronisation: Double = 0
        /// Delayed FP8 scaling's amax all-reduces, after every chunk's forward and backward (latency alone).
        public var fp8AmaxReduction: Double = 0
        /// `compute` split by what bounds it (GEMMs by kind, fused attention, memory-bound kernels).
        public var computeParts: StageCompute
    }

    public var iterationSeconds: Double
    public var breakdown: Breakdown
    public var memory: MemoryEstimate
    /// Model FLOPs (no recompute) against the peak of the precision each op runs at: the time the step's FLOPs take
    /// at peak ÷ the iteration time (equal to FLOP/s ÷ dense BF16 peak for a BF16 run).
    public var mfu: Double
    /// Model FLOPs per second per GPU.
    public var modelFlopsPerSecondPerGPU: Double
    public var tokensPerSecondPerGPU: Double
    /// The GPU's memory less the headroom: what `fitsInMemory` compares the peak with.
    public var usableMemoryBytes: Double
    public var fitsInMemory: Bool
    public var warnings: [String]
}

extension IterationEstimate.Breakdown {
    /// Estimates written before activation offloading, jitter or amax reductions were priced have no `cpuOffload`,
    /// `synchronisation` or `fp8AmaxReduction`: none was counted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        compute = try container.decode(Double.self, forKey: .compute)
        tensorParallel = try container.decode(Double.self, forKey: .tensorParallel)
        pipelineBubble = try container.decode(Double.self, forKey: .pipelineBubble)
        pipelineTransfers = try container.decode(Double.self, forKey: .pipelineTransfers)
        dataParallel = try container.decode(Double.self, forKey: .dataParallel)
        contextParallel = try container.decode(Double.self, forKey: .contextParallel)
        expertParallel = try container.decode(Double.self, forKey: .expertParallel)
        optimizer = try container.decode(Double.self, forKey: .optimizer)
        cpuOffload = try container.decodeIfPresent(Double.self, forKey: .cpuOffload) ?? 0
        synchronisation = try container.decodeIfPresent(Double.self, forKey: .synchronisation) ?? 0
        fp8AmaxReduction = try container.decodeIfPresent(Double.self, forKey: .fp8AmaxReduction) ?? 0
        computeParts = try container.decode(StageCompute.self, forKey: .computeParts)
    }
}

/// Options of the estimator that are conventions rather than layout.
public struct EstimateOptions: Sendable, Equatable {
    public var flashAttention: Bool
    public var attentionCounting: AttentionCounting
    public var profile: CalibrationProfile?
    /// Fraction of each GPU's memory a layout may not plan for: the CUDA context, NCCL buffers, allocator
    /// fragmentation and the workspaces the activation formulas leave out (docs/cost-model.md §Memory headroom).
    /// nil: the default, `defaultMemoryHeadroom` of the GPU but at most `defaultHeadroomCapBytes`; a fraction given
    /// is taken as it is.
    public var memoryHeadroom: Double?

    public static let defaultMemoryHeadroom = 0.1
    /// What the default headroom is on an 80 GB GPU, kept on larger ones: what it covers does not grow with HBM.
    public static let defaultHeadroomCapBytes = 8.0 * 1_073_741_824

    public init(
        flashAttention: Bool = true, attentionCounting: AttentionCounting = .full, profile: CalibrationProfile? = nil,
        memoryHeadroom: Double? = nil
    ) {
        self.flashAttention = flashAttention
        self.attentionCounting = attentionCounting
        self.profile = profile
        self.memoryHeadroom = memoryHeadroom
    }

    /// What a layout may plan for on this GPU.
    public func usableMemoryBytes(of gpu: GPUSpec) -> Double { gpu.memoryBytes - headroomBytes(of: gpu) }

    /// What a layout may not plan for on this GPU.
    public func headroomBytes(of gpu: GPUSpec) -> Double {
        guard let memoryHeadroom else {
            return min(gpu.memoryBytes * Self.defaultMemoryHeadroom, Self.defaultHeadroomCapBytes)
        }
        return gpu.memoryBytes * memoryHeadroom
    }

    func validate() throws(CostModelError) {
        guard let memoryHeadroom else { return }
        try CostModelError.check(
            memoryHeadroom.isFinite && memoryHeadroom >= 0 && memoryHeadroom < 1, "options", "memoryHeadroom",
            memoryHeadroom, "must be a fraction from 0 up to (not including) 1")
    }
}

/// Analytical iteration time of a Megatron-style layout (docs/cost-model.md §Iteration time).
public struct IterationEstimator: Sendable {
    public let model: TransformerModel
    public let cluster: Cluster
    public let options: EstimateOptions
    let collectives: CollectiveModel

    public init(model: TransformerModel, cluster: Cluster, options: EstimateOptions = EstimateOptions()) {
        self.model = model
        self.cluster = cluster
        self.options = options
        self.collectives = CollectiveModel(cluster: cluster, measured: options.profile?.measuredBandwidths)
    }

    /// Memory-bound kernels of one micro-batch on one stage: each byte of stored activation is written and
    /// read about `activationTrafficFactor` times over forward and backward (more when recomputed).
    func memoryBoundTime(_ strategy: ParallelStrategy, layersOnStage: Double) -> Double {
        var unrecomputed = strategy
        unrecomputed.recompute = .none
        let bytes = model.activationBytesPerLayer(strategy: unrecomputed, flashAttention: options.flashAttention)
        let passes = 1 + strategy.recomputedFraction(modelLayers: model.layers) / 3
        let traffic =
            IterationEstimator.activationTrafficFactor * passes * bytes * layersOnStage
            + recomputedModuleBytes(strategy, layersOnStage: layersOnStage)
        return traffic / (cluster.gpu.memoryBandwidth * cluster.efficiency.layerKernels * cluster.slowestSpeedFactor)
    }

    /// Bytes the modules of selective recompute read and write again in backward, per micro-batch: an MoE layer's
    /// pre-MLP norm (its input read, its output written) and the routed experts' activation (FC1's output read, the
    /// activation written, per routed copy on this GPU).
    func recomputedModuleBytes(_ strategy: ParallelStrategy, layersOnStage: Double) -> Double {
        guard let moe = model.moe else { return 0 }
        let t = Double(strategy.tensorParallel)
        let tokens = Double(strategy.microBatch * strategy.sequenceLength / strategy.contextParallel)
        var bytes = 0.0
        if strategy.recomputes(.layernorm) {
            bytes += 2 * 2 * model.h * tokens / (strategy.sequenceParallel ? t : 1)
        }
        if strategy.recomputes(.moeActivation) {
            let copies = tokens / t * Double(strategy.expertTensorDegree) * Double(moe.topK)
            let width = Double(moe.expertFFNHiddenSize) / Double(strategy.expertTensorDegree)
            bytes += copies * 2 * ((model.gatedFFN ? 2 : 1) * width + width)
        }
        return model.moeLayers(onStage: layersOnStage) * bytes
    }

    /// The share of a GPU's host memory offloaded activations may fill; the rest is the operating system's, the data
    /// loaders' and the pinned staging buffers' (a judgement, docs/cost-model.md §Activation offloading).
    public static let usableHostShare = 0.9

    /// Activation offloading as Transformer Engine runs it under Megatron-Core: a layer's saved activations go to the
    /// host while the next layer's forward runs, and come back while the layer after it in backward runs; each copy
    /// exceeding that layer's compute is exposed (docs/cost-model.md §Activation offloading). Per micro-batch;
    /// `layerBytes` is one offloaded layer's activations.
    func offloadExposedTime(
        _ strategy: ParallelStrategy, layerBytes: Double, microBatchCompute: Double, layersOnStage: Double
    ) -> Double {
        guard strategy.offloadedLayers > 0, let link = cluster.gpu.hostBandwidth, layersOnStage > 0 else { return 0 }
        let copy = layerBytes / (link * cluster.slowestSpeedFactor)
        let forward = microBatchCompute / layersOnStage / 3
        return Double(strategy.offloadedLayers) * (max(0, copy - forward) + max(0, copy - 2 * forward))
    }

    /// Compute slows while communication overlaps it (both share SMs and memory bandwidth): each second of hidden
    /// communication costs this fraction of a second (Galvatron's overlap coefficient, 1.1-1.3; 1.13 measured).
    public static let overlapSlowdown = 0.13

    /// Reads and writes of each activation byte across forward and backward (write, re-read by the next
    /// kernel, read in backward, gradient write): a modelling constant, the same for every GPU.
    public static let activationTrafficFactor = 4.0

    /// Achieved FLOP/s of one GPU on large GEMMs of this layout's width: the rate the sequence-parallel and
    /// batch-balancing costs price whole-model FLOPs at.
    func achievedFlopsPerSecond(_ strategy: ParallelStrategy) -> Double {
        let peak =
            strategy.fp8
            ? (cluster.gpu.fp8FlopsPerSecond ?? cluster.gpu.bf16FlopsPerSecond) : cluster.gpu.bf16FlopsPerSecond
        let gemmSize = Double(model.hiddenSize) / Double(strategy.tensorParallel)
        if let measured = options.profile?.achievedFlopsPerSecond(gemmSize: gemmSize) {
            return measured * cluster.slowestSpeedFactor
        }
        let efficiency = options.profile?.computeEfficiency ?? cluster.efficiency.compute
        return peak * efficiency * cluster.slowestSpeedFactor
    }

    public func estimate(_ strategy: ParallelStrategy) throws(CostModelError) -> IterationEstimate {
        try strategy.validate(model: model, cluster: cluster)
        try options.validate()
        try options.profile?.validate(source: "profile")
        try options.profile?.validate(for: cluster.gpu, source: "profile")
        let t = strategy.tensorParallel
        let p = strategy.pipelineParallel
        let c = strategy.contextParallel
        let b = Double(strategy.microBatch)
        let s = strategy.sequenceLength
        let m = Double(strategy.microBatchesPerPipeline)
        let v = Double(strategy.interleave)
        let layersOnStage = (Double(model.layers) / Double(p)).rounded(.up)
        let layerShare = layersOnStage / Double(model.layers)
        let gpn = cluster.gpusPerNode

        // Compute: one micro-batch on the busiest stage, on one GPU of its TP × CP group.
        let flops = model.trainingFlops(
            sequenceLength: s, recompute: strategy.recompute, counting: options.attentionCounting)
        let recomputed = strategy.recomputedFraction(modelLayers: model.layers)
        let stage = stageCompute(strategy, layersOnStage: layersOnStage, layerShare: layerShare)
        let gemmTime = stage.gemms
        let microBatchCompute = stage.total
        // TP: 2 collectives per layer forward, 2 backward, 2 more when the forward is recomputed.
        let tpGroup = GroupPlacement.contiguous(count: t, gpusPerNode: gpn)
        let tpBytes = 2 * b * Double(s / c) * model.h
        let tpCollectivesPerLayer = 4 + 2 * recomputed
        let tpCommunication =
            t > 1
            ? layersOnStage * tpCollectivesPerLayer
                * collectives.time(.allReduce, bytes: tpBytes, group: tpGroup).seconds : 0
        // With overlap, TP transfers hide behind the GEMMs they feed; what exceeds them stays exposed.
        let tpTime =
            strategy.overlapTensorParallel
            ? max(0, tpCommunication - gemmTime) + Self.overlapSlowdown * min(tpCommunication, gemmTime)
            : tpCommunication

        // CP: ring attention passes K and V (c − 1) times forward and twice that backward, overlapped with attention.
        var cpExposed = 0.0
        if c > 1 {
            let kvBytes = 2 * 2 * b * Double(s / c) * model.kvWidth / Double(t)
            let cpGroup = GroupPlacement.strided(count: c, stride: t, gpusPerNode: gpn)
            let perStep = collectives.time(.pointToPoint, bytes: kvBytes, group: cpGroup).seconds
            let ring = 3 * Double(c - 1) * perStep * layersOnStage
            cpExposed = max(0, ring - stage.attention) + Self.overlapSlowdown * min(ring, stage.attention)
        }

        // EP: dispatch and combine, forward and backward (and again for a recomputed forward), per MoE layer; with
        // batch-level overlap they hide behind another micro-batch's layer compute.
        var epTime = 0.0
        if model.moe != nil, strategy.expertParallel > 1 {
            let moeLayersOnStage = model.moeLayers(onStage: layersOnStage)
            let tokensPerRank = b * Double(s / c) / Double(strategy.sequenceParallel || t == 1 ? t : 1)
            let exchanges = 4 + 2 * recomputed
            let perLayer = exchanges * expertExchangeTime(strategy, tokensPerRank: tokensPerRank)
            let hidden = strategy.overlapExpertParallel ? microBatchCompute / layersOnStage : 0
            epTime = moeLayersOnStage * (max(0, perLayer - hidden) + Self.overlapSlowdown * min(perLayer, hidden))
        }

        let p2pTime = p > 1 ? pipelineTransferTime(strategy, microBatchCompute: microBatchCompute) : 0

        // One offloaded layer's activations, priced only where layers are offloaded (the layout search's hot path).
        let offloadedLayerBytes =
            strategy.offloadedLayers > 0
            ? model.activationBytesPerLayer(strategy: strategy, flashAttention: options.flashAttention) : 0
        let offloadTime = offloadExposedTime(
            strategy, layerBytes: offloadedLayerBytes, microBatchCompute: microBatchCompute,
            layersOnStage: layersOnStage)
        // Delayed FP8 scaling all-reduces the chunk's amaxes (a few hundred bytes) over TP × CP × DP at the end of
        // every chunk's forward and backward, on the compute stream (Transformer Engine): its latency alone.
        let amaxGroup = GroupPlacement.contiguous(count: t * c * strategy.dataParallel, gpusPerNode: gpn)
        let amaxTime = strategy.reducesAmaxes ? 2 * v * collectives.latencyBoundAllReduce(group: amaxGroup) : 0
        let microBatchTime = microBatchCompute + tpTime + cpExposed + epTime + p2pTime + offloadTime + amaxTime
        let bubble = p > 1 ? Double(p - 1) / v * microBatchTime : 0

        let memory = model.memory(strategy: strategy, flashAttention: options.flashAttention)
        let dataParallel = dataParallelTime(strategy, microBatchCompute: microBatchCompute, microBatches: m)
        let dpExposed = dataParallel.exposed
        let optimizerTime = dataParallel.optimizer

        let pipelineTime = m * microBatchTime + bubble
        // Every worker (a TP × CP group, which runs in lockstep) waits for the slowest one's step.
        let jitter = SynchronisationJitter.wait(
            compute: m * microBatchCompute, workers: strategy.gpuCount / (t * c),
            deviation: SynchronisationJitter.stepDeviation(
                compute: options.profile?.computeDeviation ?? SynchronisationJitter.relativeDeviation,
                cluster: options.profile?.clusterDeviation ?? SynchronisationJitter.clusterDeviation))
        // Per-tensor delayed FP8 scaling reduces its amaxes over TP × DP × CP (Megatron-Core's amax reduction group)
        // with a blocking all-reduce at the end of every micro-batch's forward and backward (Transformer Engine), so
        // the DP peers of a stage meet there; the larger of the two waits is charged.
        let operationWait =
            strategy.synchronisesEveryMicroBatch
            ? SynchronisationJitter.wait(
                compute: m * microBatchCompute, workers: strategy.dataParallel,
                deviation: options.profile?.operationDeviation ?? SynchronisationJitter.operationDeviation) : 0
        let synchronisation = max(jitter, operationWait)
        let iteration = pipelineTime + dpExposed + optimizerTime + synchronisation
        let gpus = Double(strategy.gpuCount)
        let modelFlops = Double(strategy.globalBatch) * flops.model
        let perGPU = modelFlops / iteration / gpus
        // MFU against the peak of the precision each op runs at: FP8 linear layers, BF16 attention and output head.
        let forward = model.forwardFlops(sequenceLength: s, counting: options.attentionCounting)
        let linearPeak =
            strategy.fp8
            ? (cluster.gpu.fp8FlopsPerSecond ?? cluster.gpu.bf16FlopsPerSecond) : cluster.gpu.bf16FlopsPerSecond
        let secondsAtPeak =
            3 * Double(strategy.globalBatch) / gpus
            * (forward.linear / linearPeak + (forward.attention + forward.outputHead) / cluster.gpu.bf16FlopsPerSecond)
        var warnings = strategy.warnings(model: model)
        let usable = options.usableMemoryBytes(of: cluster.gpu)
        let offloaded = Double(strategy.offloadedLayers) * offloadedLayerBytes
        let hostUsable = (cluster.gpu.hostMemoryBytes ?? .infinity) * Self.usableHostShare
        let fitsOnHost = offloaded <= hostUsable
        let fits = memory.peak <= usable && fitsOnHost
        if !fitsOnHost {
            warnings.insert(
                String(
                    format: "does not fit in host memory: %.1f GiB of activations offloaded per GPU, %.1f GiB usable "
                        + "(%.0f %% of the %.1f GiB the host has per GPU)",
                    offloaded / 1_073_741_824, hostUsable / 1_073_741_824, Self.usableHostShare * 100,
                    (cluster.gpu.hostMemoryBytes ?? 0) / 1_073_741_824),
                at: 0)
        }
        if memory.peak > usable {
            warnings.insert(
                String(
                    format: "does not fit: %.1f GiB per GPU needed, %.1f GiB usable (%.1f GiB less %.1f GiB headroom)",
                    memory.peak / 1_073_741_824, usable / 1_073_741_824, cluster.gpu.memoryBytes / 1_073_741_824,
                    options.headroomBytes(of: cluster.gpu) / 1_073_741_824),
                at: 0)
        }
        return IterationEstimate(
            iterationSeconds: iteration,
            breakdown: .init(
                compute: m * microBatchCompute, tensorParallel: m * tpTime, pipelineBubble: bubble,
                pipelineTransfers: m * p2pTime, dataParallel: dpExposed, contextParallel: m * cpExposed,
                expertParallel: m * epTime, optimizer: optimizerTime, cpuOffload: m * offloadTime,
                synchronisation: synchronisation, fp8AmaxReduction: m * amaxTime,
                computeParts: stage.scaled(by: m)),
            memory: memory,
            mfu: secondsAtPeak / iteration,
            modelFlopsPerSecondPerGPU: perGPU,
            tokensPerSecondPerGPU: Double(strategy.globalBatch * s) / iteration / gpus,
            usableMemoryBytes: usable,
            fitsInMemory: fits,
            warnings: warnings)
    }
}
