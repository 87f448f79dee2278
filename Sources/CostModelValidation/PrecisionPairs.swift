import CostModel

/// One layout run in BF16 and in FP8 by the same recipe, both step times published: what FP8 gains on it.
public struct PrecisionPair: Sendable {
    public var label: String
    public var source: String
    /// The BF16 run; the FP8 run is the same layout with FP8 GEMMs.
    public var bf16: PublishedRun
    public var fp8Seconds: Double

    /// The published speed-up, BF16 step ÷ FP8 step.
    public var measuredSpeedUp: Double { bf16.iterationSeconds / fp8Seconds }

    /// The run in FP8, priced with the recompute the BF16 run resolves to: one recipe, so one setting for both.
    public func fp8Run() throws(CostModelError) -> PublishedRun {
        var run = bf16
        run.strategy = try bf16.resolvedStrategy()
        run.strategy.fp8 = true
        run.recomputeStated = true
        run.iterationSeconds = fp8Seconds
        return run
    }

    /// The model's steps for both runs.
    public func predictedSeconds() throws(CostModelError) -> (bf16: Double, fp8: Double) {
        (try bf16.estimate().iterationSeconds, try fp8Run().estimate().iterationSeconds)
    }

    /// The model's speed-up on the same pair.
    public func predictedSpeedUp() throws(CostModelError) -> Double {
        let predicted = try predictedSeconds()
        return predicted.bf16 / predicted.fp8
    }
}

extension PrecisionPair {
    /// NVIDIA's DGX Cloud benchmarking recipes (NVIDIA/dgxc-benchmarking: llama3.1/README_8b.md, README_70b.md,
    /// README_405b.md, nemotron/README_15b.md, README_340b.md, nemo_megatron/README_175b.md), H100, NeMo 24.09 and
    /// 24.11: training step time in BF16 and in FP8 for one layout each; the smallest full-model scale of each table.
    /// Priced by the NeMo rule (`PublishedRun.nemo2407`: per-tensor delayed scaling, the least recompute that fits,
    /// sequence parallelism wherever TP > 1, the distributed optimizer, overlapped gradient reduction and TP
    /// communication, FlashAttention). Added on 2026-12-07, after the model's last change, and never used to fit.
    public static let dgxCloud: [PrecisionPair] = [
        pair(
            "Llama 3.1 8B, 8 GPUs", .validationPreset("llama-3-8b"), tp: 1, pp: 1, cp: 2, vp: 1, microBatch: 1,
            batch: 128, sequence: 8192, gpus: 8, bf16: 12.91, fp8: 9.67),
        pair(
            "Llama 3.1 70B, 64 GPUs", .validationPreset("llama-3-70b"), tp: 4, pp: 4, cp: 2, vp: 5, microBatch: 1,
            batch: 128, sequence: 8192, gpus: 64, bf16: 14.72, fp8: 11.01),
        pair(
            "Llama 3.1 405B, 576 GPUs", .validationPreset("llama-3.1-405b"), tp: 8, pp: 9, cp: 2, vp: 7,
            microBatch: 1, batch: 252, sequence: 8192, gpus: 576, bf16: 17.20, fp8: 11.24),
        pair(
            "Nemotron-4 15B, 16 GPUs", .nemotron4_15b, tp: 4, pp: 1, cp: 1, vp: 1, microBatch: 4, batch: 64,
            sequence: 4096, gpus: 16, bf16: 2.812, fp8: 2.039),
        pair(
            "Nemotron-4 340B, 128 GPUs", .nemotron4_340b, tp: 8, pp: 8, cp: 1, vp: 12, microBatch: 1, batch: 32,
            sequence: 4096, gpus: 128, bf16: 4.61, fp8: 3.16),
        pair(
            "GPT-3 175B, 128 GPUs", .validationPreset("gpt3-175b"), tp: 4, pp: 8, cp: 1, vp: 12, microBatch: 1,
            batch: 256, sequence: 2048, gpus: 128, bf16: 8.309, fp8: 5.626),
    ]

    static func pair(
        _ label: String, _ model: TransformerModel, tp: Int, pp: Int, cp: Int, vp: Int, microBatch: Int, batch: Int,
        sequence: Int, gpus: Int, bf16: Double, fp8: Double
    ) -> PrecisionPair {
        let source = "DGX Cloud benchmarking (H100, NeMo 24.09/24.11)"
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: gpus / (tp * pp * cp), contextParallel: cp,
            microBatch: microBatch, globalBatch: batch, sequenceLength: sequence, sequenceParallel: tp > 1,
            interleave: vp, zeroStage: 1, overlapTensorParallel: true, fp8: false, fp8Recipe: .delayed,
            gradientReduceFP32: false)
        let run = PublishedRun(
            source: source, label: label, gpu: "h100-sxm", model: model, strategy: strategy, iterationSeconds: bf16,
            flashAttention: true, recomputeStated: false)
        return PrecisionPair(label: label, source: source, bf16: run, fp8Seconds: fp8)
    }
}
