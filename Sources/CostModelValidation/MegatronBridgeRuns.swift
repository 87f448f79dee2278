import CostModel

extension PublishedRun {
    /// Megatron-Bridge performance summaries (NVIDIA-NeMo/Megatron-Bridge docs/performance-summary*.md, containers
    /// 25.09 to 26.02): tokens/s/GPU on DGX-H100, DGX-B200 and GB200 NVL72. Stated per row: GPUs, TP, PP, CP, EP, VP,
    /// micro and global batch, precision, and recompute where the recipe sets it. Not stated, so one rule for every
    /// row: the least recompute under which the layout fits where the recipe sets none, sequence parallelism
    /// wherever TP > 1, the distributed optimizer, gradient reduction and TP communication
    /// overlapped, FlashAttention; "FP8" is current scaling (the tables' FP8-CS) unless blockwise or MXFP8 is named;
    /// MoE runs use expert-TP 1 (every MoE recipe of the tables); the all-to-all overlaps another micro-batch and
    /// CUDA graphs capture the iteration or parts of each layer where the row's Megatron-Bridge recipe sets them, and
    /// the recipe's dispatcher is stated where it changes the price (per-layer graphs, EP across nodes;
    /// docs/cost-model.md §Validation names the recipe of each container);
    /// fine-grained recompute (gpt-oss: `recompute_modules` layernorm and moe_act) as the recipe lists it;
    /// Adam's state as the recipe stores it (DeepSeek-V3: BF16 moments, `deepSeekOptimizer`);
    /// activation offloading (`cpu_offloading_num_layers`) as the recipe sets it, and then no recompute;
    /// an NVL72 rack is a 64-GPU NVLink domain (16 of its 18 trays, as the 256-GPU job fills 4 racks).
    public static let megatronBridge: [PublishedRun] = [
        bridge(
            "R40 Llama 3 70B, 64 GPUs", .validationPreset("llama-3-70b"), tp: 4, pp: 8, dp: 2, vp: 5, batch: 256,
            sequence: 8192, tokensPerSecond: 1639, recipe: .current),
        bridge(
            "R41 Llama 3.1 405B, 1024 GPUs", .validationPreset("llama-3.1-405b"), tp: 8, pp: 8, dp: 8, cp: 2, vp: 8,
            batch: 1536, sequence: 8192, tokensPerSecond: 311, recipe: .current),
        bridge(
            "R42 gpt-oss-120b, 64 GPUs", .validationPreset("gpt-oss-120b"), tp: 1, pp: 4, dp: 16, ep: 8, batch: 1280,
            sequence: 4096, tokensPerSecond: 5984, recipe: nil, recompute: .selective,
            modules: [.layernorm, .moeActivation]),
        bridge(
            "R43 Qwen3-30B-A3B, 16 GPUs", .qwen3_30b_a3b, tp: 1, pp: 2, dp: 8, ep: 8, vp: 12, batch: 1024,
            sequence: 4096, tokensPerSecond: 9058, recipe: .current, overlapExperts: true),
        bridge(
            "R44 Qwen3-235B-A22B, 256 GPUs", .qwen3_235b_a22b, tp: 2, pp: 8, dp: 16, ep: 32, vp: 4, batch: 8192,
            sequence: 4096, tokensPerSecond: 1611, recipe: .current, overlapExperts: true, dispatcher: .alltoall),
        bridge(
            "R45 DeepSeek-V3, 1024 GPUs", .validationPreset("deepseek-v3"), tp: 2, pp: 8, dp: 64, ep: 64, vp: 4,
            batch: 8192, sequence: 4096, tokensPerSecond: 1297, recipe: .current, recompute: .selective,
            overlapExperts: true, dispatcher: .deepep),
        bridge(
            "R46 DeepSeek-V3, 256 B200", .validationPreset("deepseek-v3"), gpu: "b200", tp: 1, pp: 16, dp: 16, ep: 8,
            batch: 4096, sequence: 4096, tokensPerSecond: 2689, recipe: .mxfp8),
        bridge(
            "R47 Llama 3.1 405B, 256 GB200", .validationPreset("llama-3.1-405b"), gpu: "gb200", gpusPerNode: 64, tp: 4,
            pp: 16, dp: 4, vp: 4, batch: 1536, sequence: 8192, tokensPerSecond: 793, recipe: .current),
    ]

    /// Megatron-Bridge's DeepSeek-V3 recipe, in every release from 25.09 to 26.08, runs Megatron-Core's
    /// precision-aware optimizer with both of Adam's moments in BF16 (`exp_avg_dtype`, `exp_avg_sq_dtype`); the
    /// performance scripts turn it off only under FSDP.
    static let deepSeekOptimizer = OptimizerPrecision(expAvg: .bf16, expAvgSq: .bf16)

    /// One row of a Megatron-Bridge table, priced by the rule above (`source`, micro-batch and ZeRO stage as stated;
    /// FSDP is ZeRO 3).
    static func bridge(
        _ label: String, _ model: TransformerModel, source: String = "Megatron-Bridge 25.09-26.02",
        gpu: String = "h100-sxm", gpusPerNode: Int = 8, tp: Int = 1, pp: Int = 1, dp: Int, cp: Int = 1,
        ep: Int = 1, vp: Int = 1, microBatch: Int = 1, batch: Int, sequence: Int,
        tokensPerSecond: Double, recipe: FP8Recipe?, zero: Int = 1, recompute: Recompute? = nil,
        modules: [RecomputeModule] = [.coreAttention], overlapExperts: Bool = false, offloadLayers: Int? = nil,
        cudaGraph: CUDAGraphCapture? = nil, graphModules: [CUDAGraphModule]? = nil, dispatcher: MoEDispatcher? = nil
    ) -> PublishedRun {
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: dp, contextParallel: cp,
            expertParallel: ep, expertTensorParallel: model.moe == nil ? nil : 1,
            microBatch: microBatch, globalBatch: batch, sequenceLength: sequence,
            recompute: recompute ?? .none, recomputeModules: modules,
            sequenceParallel: tp > 1, interleave: vp, zeroStage: zero,
            overlapTensorParallel: true, fp8: recipe != nil, fp8Recipe: recipe ?? .delayed,
            overlapExpertParallel: overlapExperts, gradientReduceFP32: false, cpuOffloadLayers: offloadLayers,
            cudaGraph: graphModules == nil ? cudaGraph : .perLayer, cudaGraphModules: graphModules,
            moeDispatcher: dispatcher,
            optimizerPrecision: model.name == "deepseek-v3" && zero == 1 ? deepSeekOptimizer : nil)
        let published = seconds(
            globalBatch: batch, sequenceLength: sequence, gpus: strategy.gpuCount,
            tokensPerSecondPerGPU: tokensPerSecond)
        return PublishedRun(
            source: source, label: label, gpu: gpu, gpusPerNode: gpusPerNode, model: model,
            strategy: strategy, iterationSeconds: published,
            // A recipe that offloads states its recompute: none (Megatron-Core refuses both at once).
            flashAttention: true, recomputeStated: recompute != nil || offloadLayers != nil)
    }
}
