import Dispatch
import Synchronization

/// Static Megatron-style layouts ranked by predicted iteration time among those that fit in memory: every TP × PP ×
/// CP × DP split of the cluster, expert parallelism, micro-batch, interleaving and recompute a Megatron run could be
/// given for one batch shape (docs/cost-model.md §Layout search). An exhaustive enumeration, not a solver: the
/// space is a few thousand layouts and each estimate is closed-form.
public struct StaticLayoutSearch: Sendable {
    public struct Ranked: Sendable, Equatable {
        public var strategy: ParallelStrategy
        public var estimate: IterationEstimate
    }

    public struct Outcome: Sendable, Equatable {
        /// Layouts that fit in memory, fastest first (ties in enumeration order, so the ranking is deterministic).
        public var ranked: [Ranked]
        /// Valid layouts estimated, fitting or not.
        public var tried: Int
        /// The least per-GPU memory any valid layout needs, for the error when none fits.
        public var leastMemoryBytes: Double?

        /// The fastest layout of each TP × PP × CP × DP × EP split, fastest first: the choices that shape a job, with
        /// micro-batch, interleaving and recompute at their best for each (variants of one split often sit within
        /// 0.1 % of each other).
        public var bestPerSplit: [Ranked] {
            var seen = Set<[Int]>()
            return ranked.filter { entry in
                let s = entry.strategy
                return seen.insert([
                    s.tensorParallel, s.pipelineParallel, s.contextParallel, s.dataParallel, s.expertParallel,
                ]).inserted
            }
        }
    }

    public let estimator: IterationEstimator

    public init(model: TransformerModel, cluster: Cluster, options: EstimateOptions = EstimateOptions()) {
        estimator = IterationEstimator(model: model, cluster: cluster, options: options)
    }

    /// Micro-batch sizes tried, and the deepest pipeline: what Megatron runs use in practice. Interleaving takes every
    /// degree that leaves each virtual stage a layer.
    static let microBatches = [1, 2, 4, 6, 8, 16, 32]
    static let deepestPipeline = 128
    /// Context parallelism beyond 64 ranks splits even million-token sequences into slivers.
    static let widestContext = 64

    /// Every layout for `template`'s batch shape; the template's ZeRO stage, overlap switches and FP8 are kept.
    /// `contextParallel` lists the CP degrees allowed (nil: every power of two up to 64 dividing the sequence).
    public func candidates(template: ParallelStrategy, contextParallel: [Int]? = nil) -> [ParallelStrategy] {
        let model = estimator.model
        let cluster = estimator.cluster
        let gpus = cluster.gpuCount
        var layouts: [ParallelStrategy] = []
        for tp in SequenceParallelCost.powersOfTwo(upTo: min(cluster.gpusPerNode, model.heads))
        where model.heads % tp == 0 && gpus % tp == 0 {
            let contextDegrees = contextParallel ?? SequenceParallelCost.powersOfTwo(upTo: Self.widestContext)
            for cp in contextDegrees where cp >= 1 && cp <= gpus / tp && template.sequenceLength % cp == 0 {
                let rest = gpus / (tp * cp)
                guard rest * tp * cp == gpus else { continue }
                for pp in Self.divisors(of: rest) where pp <= min(model.layers, Self.deepestPipeline) {
                    let dp = rest / pp
                    for (ep, etp) in expertLayouts(tensorParallel: tp, stageRanks: tp * cp * dp) {
                        for micro in Self.microBatches where template.globalBatch % (dp * micro) == 0 {
                            let perPipeline = template.globalBatch / (dp * micro)
                            // Interleaving needs at least a layer per virtual stage and, in Megatron, micro-batches in
                            // multiples of PP; stages may be uneven (the busiest sets the pace, as for Llama 3 405B).
                            let interleaves = pp == 1 || perPipeline % pp != 0 ? [1] : Array(1...(model.layers / pp))
                            for interleave in interleaves {
                                for recompute in Recompute.allCases {
                                    var layout = template
                                    layout.tensorParallel = tp
                                    layout.pipelineParallel = pp
                                    layout.dataParallel = dp
                                    layout.contextParallel = cp
                                    layout.expertParallel = ep
                                    layout.expertTensorParallel = etp
                                    layout.microBatch = micro
                                    layout.interleave = interleave
                                    layout.recompute = recompute
                                    layout.sequenceParallel = tp > 1
                                    layouts.append(layout)
                                }
                            }
                        }
                    }
                }
            }
        }
        return layouts
    }

    /// Estimates every candidate (on all cores) and ranks those that fit.
    /// `including` keeps only the layouts a caller allows (degrees fixed by the user, even stages); `offload` false
    /// leaves activation offloading out.
    public func search(
        template: ParallelStrategy, contextParallel: [Int]? = nil, offload: Bool = true,
        including: (ParallelStrategy) -> Bool = { _ in true }
    ) -> Outcome {
        let layouts = candidates(template: template, contextParallel: contextParallel).filter(including)
        let estimator = self.estimator
        let first = estimateAll(layouts)
        // Second round: the least activation offloading that fits, where a pipeline-free layout without recompute
        // does not (Megatron-Bridge's GB200 FSDP recipes run so); it follows its base layout in the ranking's ties.
        let extra: [(base: Int, layout: ParallelStrategy)] = first.indices.compactMap { index in
            guard offload, let estimate = first[index],
                let layout = Self.leastOffload(
                    layouts[index], estimate: estimate, model: estimator.model, gpu: estimator.cluster.gpu)
            else { return nil }
            return (index, layout)
        }
        let second = estimateAll(extra.map(\.layout))
        var all: [(order: Int, strategy: ParallelStrategy, estimate: IterationEstimate?)] = []
        for index in layouts.indices { all.append((2 * index, layouts[index], first[index])) }
        for (index, entry) in extra.enumerated() { all.append((2 * entry.base + 1, entry.layout, second[index])) }
        var ranked: [(order: Int, entry: Ranked)] = []
        var tried = 0
        var leastMemory: Double?
        for (order, strategy, estimate) in all {
            guard let estimate else { continue }
            tried += 1
            leastMemory = min(leastMemory ?? .infinity, estimate.memory.peak)
            if estimate.fitsInMemory { ranked.append((order, Ranked(strategy: strategy, estimate: estimate))) }
        }
        ranked.sort { ($0.entry.estimate.iterationSeconds, $0.order) < ($1.entry.estimate.iterationSeconds, $1.order) }
        return Outcome(ranked: ranked.map(\.entry), tried: tried, leastMemoryBytes: leastMemory)
    }

    /// Each layout's estimate, on all cores, in the layouts' order; nil where the estimator refuses one.
    private func estimateAll(_ layouts: [ParallelStrategy]) -> [IterationEstimate?] {
        let estimates = Mutex([IterationEstimate?](repeating: nil, count: layouts.count))
        let estimator = self.estimator
        DispatchQueue.concurrentPerform(iterations: layouts.count) { index in
            let estimate = try? estimator.estimate(layouts[index])
            estimates.withLock { $0[index] = estimate }
        }
        return estimates.withLock { $0 }
    }

    /// The layout with the fewest offloaded layers that brings its peak under the usable memory, or nil where
    /// offloading does not apply (a pipeline, recompute, no host link) or cannot make it fit. The peak falls by one
    /// layer's activations per offloaded layer (docs/cost-model.md §Activation offloading).
    static func leastOffload(
        _ layout: ParallelStrategy, estimate: IterationEstimate, model: TransformerModel, gpu: GPUSpec
    ) -> ParallelStrategy? {
        guard !estimate.fitsInMemory, layout.pipelineParallel == 1, layout.recompute == .none,
            layout.cpuOffloadLayers == nil, gpu.hostBandwidth != nil, model.layers > 1
        else { return nil }
        let perLayer = estimate.memory.activations / Double(model.layers)
        guard perLayer > 0 else { return nil }
        let layers = ((estimate.memory.peak - estimate.usableMemoryBytes) / perLayer).rounded(.up)
        guard layers >= 1, layers < Double(model.layers) else { return nil }
        var offloaded = layout
        offloaded.cpuOffloadLayers = Int(layers)
        return offloaded
    }

    /// Expert layouts as Megatron-Core folds them: expert-TP 1 or the layout's TP, and EP a power of two dividing the
    /// experts with EP × expert-TP dividing the stage's TP × CP × DP ranks (dense models: EP 1, no expert-TP).
    func expertLayouts(tensorParallel tp: Int, stageRanks: Int) -> [(ep: Int, etp: Int?)] {
        guard let moe = estimator.model.moe else { return [(1, nil)] }
        var layouts: [(ep: Int, etp: Int?)] = []
        for etp in Array(Set([1, tp])).sorted() where moe.expertFFNHiddenSize % etp == 0 && stageRanks % etp == 0 {
            for ep in SequenceParallelCost.powersOfTwo(upTo: min(moe.experts, stageRanks / etp))
            where moe.experts % ep == 0 && stageRanks % (ep * etp) == 0 {
                layouts.append((ep, etp))
            }
        }
        return layouts
    }

    static func divisors(of value: Int) -> [Int] {
        guard value > 0 else { return [] }
        var small: [Int] = []
        var large: [Int] = []
        var candidate = 1
        while candidate * candidate <= value {
            if value % candidate == 0 {
                small.append(candidate)
                if candidate * candidate != value { large.append(value / candidate) }
            }
            candidate += 1
        }
        return small + large.reversed()
    }
}
