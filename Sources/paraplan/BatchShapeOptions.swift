import ArgumentParser
import ParaPlan

/// The batch shape and the layout-independent switches `estimate` and `layouts` share.
struct BatchShapeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sequences per iteration over all data-parallel ranks.") var globalBatch: Int
    @Option(parsing: .unconditional, help: "Tokens per sequence.") var seqLen: Int
    @Option(parsing: .unconditional, help: "ZeRO stage: 0, 1 (distributed optimizer), 2 or 3.") var zero: Int = 1
    @Flag(help: "FP8 GEMMs in the linear layers (GPUs with FP8 tensor cores).") var fp8 = false
    @Option(help: "FP8 scaling recipe with --fp8: delayed (default), current, blockwise or mxfp8 (Blackwell).")
    var fp8Recipe: String?
    @Flag(help: "Keep and reduce gradients in BF16 (Megatron's grad_reduce_in_fp32 = False); default FP32.")
    var gradReduceBf16 = false
    @Flag(help: "Overlap TP communication with GEMMs (Transformer Engine --tp-comm-overlap).") var tpCommOverlap = false
    @Flag(
        help:
            "The whole iteration replayed as one CUDA graph (Megatron-Core --cuda-graph-impl full_iteration): no MoE host wait."
    )
    var fullIterationCudaGraph = false
    @Option(
        help: ArgumentHelp(
            "Per-layer CUDA graphs of these parts of each layer, comma-separated: attn, mlp, moe_router, "
                + "moe_preprocess (Megatron-Core --cuda-graph-impl transformer_engine --cuda-graph-modules). "
                + "With moe_router,moe_preprocess and a fused --moe-dispatcher: no MoE host wait.")
    )
    var cudaGraphModules: String?
    @Option(
        help: ArgumentHelp(
            "MoE token dispatcher: alltoall, deepep or hybridep (Megatron-Core --moe-token-dispatcher-type, flex "
                + "for the last two). Not stated: the exchange sends one copy per node and the host wait is paid.")
    )
    var moeDispatcher: String?
    @Option(
        help: "Adam's master weights: fp32 (default) or fp16 (Megatron-Core's precision-aware optimizer; --zero 1).")
    var mainParamsDtype: String?
    @Option(help: "Adam's first moment: fp32 (default), fp16, bf16 or fp8 (Megatron-Core --exp-avg-dtype; --zero 1).")
    var expAvgDtype: String?
    @Option(help: "Adam's second moment: fp32 (default), fp16, bf16 or fp8 (--exp-avg-sq-dtype; --zero 1).")
    var expAvgSqDtype: String?
    @Option(
        parsing: .unconditional,
        help:
            "Fraction of each GPU's memory kept free for the CUDA context, NCCL buffers and fragmentation (0 to 0.9; default 10 %, at most 8 GiB)."
    )
    var memoryHeadroom: Double?

    func shape() throws -> BatchShape {
        BatchShape(
            globalBatch: globalBatch, seqLen: seqLen, zero: zero, fp8: fp8, tpCommOverlap: tpCommOverlap,
            memoryHeadroom: memoryHeadroom,
            fp8Recipe: try fp8Recipe.map { name throws(FrontendError) in try BatchShape.fp8Recipe(named: name) },
            gradReduceBF16: gradReduceBf16, fullIterationCUDAGraph: fullIterationCudaGraph,
            cudaGraphModules: try cudaGraphModules.map { text throws(FrontendError) in try CUDAGraphModule.list(text) },
            moeDispatcher: try moeDispatcher.map { name throws(FrontendError) in
                try BatchShape.moeDispatcher(named: name)
            },
            optimizerPrecision: try BatchShape.optimizerPrecision(
                mainParams: mainParamsDtype, expAvg: expAvgDtype, expAvgSq: expAvgSqDtype)
        )
    }
}
