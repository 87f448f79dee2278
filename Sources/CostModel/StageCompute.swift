/// Compute time of one micro-batch on the busiest pipeline stage, on one GPU, split by what bounds it
/// (docs/cost-model.md §Compute): GEMMs from their shapes, fused attention, and memory-bound kernels.
public struct StageCompute: Sendable, Equatable, Codable {
    /// Linear layers: attention projections, dense and shared-expert FFNs, the router; FP8 where the recipe runs it.
    public var linear: Double
    /// Routed experts' grouped GEMMs.
    public var experts: Double
    /// Attention scores and their product with values (fused kernels in BF16).
    public var attention: Double
    /// The output projection onto the vocabulary (BF16 in every FP8 recipe).
    public var outputHead: Double
    /// Norms, activations, residuals and the other kernels that stream activations through HBM.
    public var memoryBound: Double
    /// FP8 quantisation of GEMM inputs and output gradients.
    public var fp8Casts: Double
    /// MoE token permutation and unpermutation around dispatch and combine.
    public var permutation: Double
    /// Host time the GPU waits for in MoE layers: dropless dispatch reads the token counts back once per layer, so
    /// the kernels launched after it are not queued ahead.
    public var hostSync: Double

    public var total: Double {
        linear + experts + attention + outputHead + memoryBound + fp8Casts + permutation + hostSync
    }
    /// The GEMM part that TP communication can overlap with.
    public var gemms: Double { linear + experts + outputHead }

    func scaled(by factor: Double) -> StageCompute {
        StageCompute(
            linear: linear * factor, experts: experts * factor, attention: attention * factor,
            outputHead: outputHead * factor, memoryBound: memoryBound * factor, fp8Casts: fp8Casts * factor,
            permutation: permutation * factor, hostSync: hostSync * factor)
    }
}

extension IterationEstimator {
    /// Bytes moved per element by the FP8 casts of one tensor, forward or backward: the row- and column-wise FP8
    /// copies written (Hopper's tensor cores need both for the backward GEMMs), plus the BF16 read where the cast is
    /// not fused into the op before it, plus one more read for the amax when the scale comes from the tensor itself.
    static func fp8CastBytesPerElement(_ recipe: FP8Recipe) -> Double {
        switch recipe {
        case .delayed: 2
        case .blockwise, .mxfp8: 4
        case .current: 6
        }
    }

    /// Reads and writes, in units of h BF16 values, of one routed token copy per MoE layer: permute and unpermute on
    /// both sides of the exchange (4 passes, each a read and a write), forward and backward.
    static let permutationPassesPerCopy = 16.0

    /// Host time exposed per MoE layer and micro-batch, forward and backward (docs/cost-model.md §Expert layers):
    /// the profile's measurement, else `defaultMoELayerHostSeconds`; none under a full-iteration CUDA graph.
    var moeLayerHostSeconds: Double { options.profile?.moeLayerHostSeconds ?? Self.defaultMoELayerHostSeconds }
    public static let defaultMoELayerHostSeconds = 5e-3

    /// Reads and writes of each FP32 logit by the loss (logits written, softmax read, gradient written and read).
    static let lossPassesPerLogit = 4.0

    func stageCompute(_ strategy: ParallelStrategy, layersOnStage: Double, layerShare: Double) -> StageCompute {
        let t = Double(strategy.tensorParallel)
        let c = Double(strategy.contextParallel)
        let b = Double(strategy.microBatch)
        let s = Double(strategy.sequenceLength)
        let tokens = b * s / c
        let timer = GemmTimer(gpu: cluster.gpu, efficiency: cluster.efficiency, profile: options.profile)
        let precision: GemmPrecision = strategy.fp8 ? .fp8(strategy.fp8Recipe) : .bf16
        let speed = cluster.slowestSpeedFactor
        let recomputed = strategy.recomputedFraction(modelLayers: model.layers)
        let forwardPasses = 1 + recomputed / 3
        let moeLayers = model.moeLayers(onStage: layersOnStage)
        let denseLayers = layersOnStage - moeLayers
        let h = model.h

        // Attention projections; MLA as one GEMM of its total width (its down/up projections are narrow on one side).
        var attentionGemms: Double
        if model.mla != nil {
            attentionGemms = timer.trainingTime(
                GemmShape(m: tokens, n: model.attentionParameters / h / t, k: h), precision: precision)
        } else {
            attentionGemms =
                timer.trainingTime(
                    GemmShape(m: tokens, n: (model.queryWidth + 2 * model.kvWidth) / t, k: h), precision: precision)
                + timer.trainingTime(GemmShape(m: tokens, n: h, k: model.queryWidth / t), precision: precision)
        }
        func ffn(width: Double, tensorParallel: Double) -> Double {
            timer.trainingTime(
                GemmShape(m: tokens, n: (model.gatedFFN ? 2 : 1) * width / tensorParallel, k: h), precision: precision)
                + timer.trainingTime(GemmShape(m: tokens, n: h, k: width / tensorParallel), precision: precision)
        }
        var linear =
            layersOnStage * attentionGemms + denseLayers * ffn(width: Double(model.ffnHiddenSize), tensorParallel: t)
        var experts = 0.0
        var permutation = 0.0
        var expertWidthPerToken = 0.0
        if let moe = model.moe, moeLayers > 0 {
            let sharedWidth = Double(moe.sharedExperts * (moe.sharedExpertFFNHiddenSize ?? moe.expertFFNHiddenSize))
            let router = timer.trainingTime(GemmShape(m: tokens / t, n: Double(moe.experts), k: h), precision: .bf16)
            linear += moeLayers * ((sharedWidth > 0 ? ffn(width: sharedWidth, tensorParallel: t) : 0) + router)
            // Balanced routing: each GPU holds experts/EP experts and processes etp × (its tokens) × top-k copies.
            let etp = Double(strategy.expertTensorDegree)
            let ep = Double(strategy.expertParallel)
            let localExperts = Double(moe.experts) / ep
            let copies = tokens / t * etp * Double(moe.topK)
            let perExpert = copies / localExperts
            let width = Double(moe.expertFFNHiddenSize) / etp
            let grouped =
                timer.trainingTime(
                    GemmShape(m: perExpert, n: (model.gatedFFN ? 2 : 1) * width, k: h, count: localExperts),
                    precision: precision)
                + timer.trainingTime(GemmShape(m: perExpert, n: h, k: width, count: localExperts), precision: precision)
            experts = moeLayers * grouped
            permutation =
                moeLayers * Self.permutationPassesPerCopy * 2 * h * copies
                / (cluster.gpu.memoryBandwidth * cluster.efficiency.memory)
            expertWidthPerToken = sharedWidth + Double(moe.topK * moe.expertFFNHiddenSize)
        }

        // Fused attention does the causal half of the score matrix (window bands in whole key blocks); without it the
        // whole s×s product is computed.
        let forwardAttention =
            options.flashAttention
            ? model.fusedKernelAttentionFlops(sequenceLength: strategy.sequenceLength)
            : model.forwardFlops(sequenceLength: strategy.sequenceLength, counting: .full).attention
        let attentionFlops = b * forwardAttention * layerShare / (t * c)
        let attentionPasses: Double =
            switch strategy.recompute {
            case .none: 3
            case .selective: strategy.recomputes(.coreAttention) ? 4 : 3
            case .full: 3 + recomputed
            }
        // Fused kernels reach their rate at head width 128; narrower heads do less work per tile load.
        let headWidthFactor = model.mla == nil ? min(1, (Double(model.headDim) / 128).squareRoot()) : 1
        let attentionRate =
            cluster.gpu.bf16FlopsPerSecond
            * (options.flashAttention
                ? cluster.efficiency.attention * headWidthFactor
                : (options.profile?.computeEfficiency ?? cluster.efficiency.compute))
        let attention = attentionPasses * attentionFlops / attentionRate

        // The vocabulary projection sits on the last stage; with a pipeline, half of it is charged to the busiest
        // stage (the first stage's embedding and the last stage's head bracket the layers).
        let headShare = strategy.pipelineParallel == 1 ? 1.0 : 0.5
        let logits = tokens * Double(model.vocabSize) / t
        let loss = Self.lossPassesPerLogit * 4 * logits / (cluster.gpu.memoryBandwidth * cluster.efficiency.memory)
        let outputHead =
            headShare
            * (timer.trainingTime(GemmShape(m: tokens, n: Double(model.vocabSize) / t, k: h), precision: .bf16) + loss)

        var fp8Casts = 0.0
        if strategy.fp8 {
            let ffnWidth = model.moe == nil ? Double(model.ffnHiddenSize) : expertWidthPerToken
            let inputs = h + model.queryWidth + h + ffnWidth
            let outputGradients = model.queryWidth + 2 * model.kvWidth + h + (model.gatedFFN ? 2 : 1) * ffnWidth + h
            fp8Casts =
                layersOnStage * tokens / t * (inputs * forwardPasses + outputGradients)
                * Self.fp8CastBytesPerElement(strategy.fp8Recipe)
                / (cluster.gpu.memoryBandwidth * cluster.efficiency.memory)
        }
        linear *= forwardPasses
        experts *= forwardPasses
        return StageCompute(
            linear: linear / speed, experts: experts / speed, attention: attention / speed,
            outputHead: outputHead / speed,
            memoryBound: memoryBoundTime(strategy, layersOnStage: layersOnStage), fp8Casts: fp8Casts / speed,
            permutation: permutation / speed,
            hostSync: strategy.hidesMoEHostWait ? 0 : moeLayers * moeLayerHostSeconds)
    }
}
