import CostModel

extension PublishedRun {
    /// MosaicML llm-foundry's throughput tables (mosaicml/llm-foundry scripts/train/benchmarking/README.md): MPT on
    /// H100-80GB and A100-80GB, FSDP FULL_SHARD over every GPU, BF16, activation checkpointing as stated per row;
    /// iteration time from tokens/s/GPU. Not stated, so one rule: ZeRO-3 with FSDP's prefetch overlapping the
    /// gathers and reductions, FlashAttention.
    public static let llmFoundry: [PublishedRun] = [
        (
            "R48 MPT-70B, 512 H100", TransformerModel.mpt("mpt-70b", layers: 80, hidden: 8192, heads: 64), "h100-sxm",
            512, 8, 4096, Recompute.full, 1007.0
        ),
        (
            "R49 MPT-70B, 128 H100", .mpt("mpt-70b", layers: 80, hidden: 8192, heads: 64), "h100-sxm", 128, 8, 1024,
            .full, 1058
        ),
        (
            "R50 MPT-30B, 512 H100", .mpt("mpt-30b", layers: 48, hidden: 7168, heads: 56), "h100-sxm", 512, 8, 4096,
            .full, 2115
        ),
        (
            "R51 MPT-13B, 512 H100", .mpt("mpt-13b", layers: 40, hidden: 5120, heads: 40), "h100-sxm", 512, 16, 8192,
            .full, 4952
        ),
        (
            "R52 MPT-7B, 512 H100", .mpt("mpt-7b", layers: 32, hidden: 4096, heads: 32), "h100-sxm", 512, 6, 3072,
            .none, 9670
        ),
        (
            "R53 MPT-70B, 64 A100", .mpt("mpt-70b", layers: 80, hidden: 8192, heads: 64), "a100-80gb", 64, 8, 2048,
            .full, 410
        ),
    ].map { label, model, gpu, gpus, micro, batch, recompute, tokensPerSecond in
        let strategy = ParallelStrategy(
            dataParallel: gpus, microBatch: micro, globalBatch: batch, sequenceLength: 2048,
            recompute: recompute, zeroStage: 3)
        return PublishedRun(
            source: "llm-foundry (FSDP, BF16)", label: label, gpu: gpu, model: model, strategy: strategy,
            iterationSeconds: seconds(
                globalBatch: batch, sequenceLength: 2048, gpus: gpus,
                tokensPerSecondPerGPU: tokensPerSecond),
            flashAttention: true)
    }

    /// BLOOM-176B's training log (bigscience-workshop/bigscience train/tr11-176B-ml: chronicles.md, 2022-03-18,
    /// iteration 12695, and the slurm script): 384 A100-80GB, TP 4, PP 12, DP 8, micro-batch 2, global batch 2048,
    /// full activation checkpointing, BF16 optimizer sharded like ZeRO-1; the logged 105.22 s per iteration.
    /// Megatron-DeepSpeed of 2022: no FlashAttention, no sequence parallelism, no overlap of the gradient reduction.
    public static let bloom: [PublishedRun] = [
        PublishedRun(
            source: "BLOOM-176B log (A100)", label: "R04 BLOOM 176B, 384 GPUs", gpu: "a100-80gb", model: .bloom176b,
            strategy: ParallelStrategy(
                tensorParallel: 4, pipelineParallel: 12, dataParallel: 8, microBatch: 2,
                globalBatch: 2048, sequenceLength: 2048, recompute: .full, zeroStage: 1,
                overlapGradientReduce: false),
            iterationSeconds: 105.22)
    ]
}
