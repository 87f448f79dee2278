import CostModel

extension PublishedRun {
    /// NVIDIA NeMo 24.07 performance summary (NVIDIA/NeMo docs/source/performance/performance_summary.md @ 8e3d65d),
    /// DGX-H100, FP8 with Transformer Engine; iteration time = global batch × sequence ÷ (tokens/s/GPU × GPUs).
    /// Not stated, so one rule for every row (NeMo's performance recipes of that release): per-tensor delayed
    /// scaling, the least recompute under which the layout fits, sequence parallelism wherever TP > 1, the distributed
    /// optimizer, gradient reduction and TP communication overlapped, FlashAttention.
    public static let nemo2407: [PublishedRun] = [
        (
            "R16 GPT-3 175B, 128 GPUs", TransformerModel.validationPreset("gpt3-175b"), 4, 8, 4, 1, 6, 1, 256, 2048,
            716.0
        ),
        ("R17 GPT-3 175B, 512 GPUs", .validationPreset("gpt3-175b"), 4, 8, 16, 1, 6, 2, 2048, 2048, 825),
        ("R18 Llama 2 70B, 64 GPUs", .llama2_70b, 4, 4, 4, 1, 20, 1, 128, 4096, 1728),
        ("R19 Llama 3 70B, 64 GPUs", .validationPreset("llama-3-70b"), 4, 4, 2, 2, 5, 1, 128, 8192, 1524),
        ("R20 Nemotron-4 340B, 128 GPUs", .nemotron4_340b, 8, 8, 2, 1, 12, 1, 32, 4096, 326),
        ("R21 Llama 3 8B, 8 GPUs", .validationPreset("llama-3-8b"), 1, 1, 4, 2, 1, 1, 128, 8192, 12273),
    ].map { label, model, tp, pp, dp, cp, vp, micro, batch, sequence, tokensPerSecond in
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: dp, contextParallel: cp,
            microBatch: micro, globalBatch: batch, sequenceLength: sequence,
            sequenceParallel: tp > 1, interleave: vp, zeroStage: 1,
            overlapTensorParallel: true, fp8: true, fp8Recipe: .delayed, gradientReduceFP32: false)
        return PublishedRun(
            source: "NeMo 24.07 (H100, FP8)", label: label, gpu: "h100-sxm", model: model, strategy: strategy,
            iterationSeconds: seconds(
                globalBatch: batch, sequenceLength: sequence, gpus: strategy.gpuCount,
                tokensPerSecondPerGPU: tokensPerSecond),
            flashAttention: true, recomputeStated: false)
    }
}
