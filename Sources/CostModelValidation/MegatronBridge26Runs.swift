import CostModel

extension PublishedRun {
    /// Out of sample, second set: the pre-training rows of Megatron-Bridge's performance summary for the 26.02 and
    /// 26.02.01 containers (tag v0.4.0) and the 26.06 container (tag v0.5.0) on DGX-H100, DGX-B200 and GB200 NVL72,
    /// tokens/s/GPU, that are not already among R40-R47 (the rows those runs came from are left out). Added on
    /// 2026-12-06 and never used to fit: GB300 and B300 (no preset), NVFP4, Nemotron 3 (hybrid Mamba, refused) and
    /// the SFT and LoRA rows are left out. Priced by `megatronBridge`'s rules, FSDP rows (the table's FSDP 64) as
    /// ZeRO 3. One layout, then its throughput in each container that ran it: the same layout can differ by
    /// container (H100 Qwen3-30B-A3B ran at 5,113 tokens/s/GPU in 26.02 and 9,058, R43, in 26.02.01).
    public static let megatronBridge26: [PublishedRun] = {
        typealias Make = (_ label: String, _ source: String, _ tokensPerSecond: Double) -> PublishedRun
        let oss: [RecomputeModule] = [.layernorm, .moeActivation]
        let llama70 = TransformerModel.validationPreset("llama-3-70b")
        let llama405 = TransformerModel.validationPreset("llama-3.1-405b")
        let deepSeek = TransformerModel.validationPreset("deepseek-v3")
        let gptOSS = TransformerModel.validationPreset("gpt-oss-120b")
        // A GB200 job of fewer than 64 GPUs is one NVLink domain of its own size; DGX nodes hold 8.
        func row(
            _ gpu: String, _ model: TransformerModel, tp: Int = 1, pp: Int = 1, dp: Int, cp: Int = 1, ep: Int = 1,
            vp: Int = 1, microBatch: Int = 1, batch: Int, sequence: Int, recipe: FP8Recipe?, zero: Int = 1,
            recompute: Recompute? = nil, modules: [RecomputeModule] = [.coreAttention], overlapExperts: Bool = false,
            offloadLayers: Int? = nil, cudaGraph: CUDAGraphCapture? = nil, graphModules: [CUDAGraphModule]? = nil,
            dispatcher: MoEDispatcher? = nil
        ) -> Make {
            { label, source, tokens in
                bridge(
                    label, model, source: source, gpu: gpu,
                    gpusPerNode: gpu == "gb200" ? min(64, tp * pp * dp * cp) : 8, tp: tp, pp: pp, dp: dp, cp: cp,
                    ep: ep, vp: vp, microBatch: microBatch, batch: batch, sequence: sequence, tokensPerSecond: tokens,
                    recipe: recipe, zero: zero, recompute: recompute, modules: modules, overlapExperts: overlapExperts,
                    offloadLayers: offloadLayers, cudaGraph: cudaGraph, graphModules: graphModules,
                    dispatcher: dispatcher)
            }
        }
        let (gb200, h100, b200) = ("gb200", "h100-sxm", "b200")
        // The recipes' per-layer CUDA graphs (`cuda_graph_scope`).
        let router: [CUDAGraphModule] = [.moeRouter, .moePreprocess]
        let attentionAndRouter: [CUDAGraphModule] = [.attn, .moeRouter, .moePreprocess]
        let layouts: [(label: String, make: Make, tokensPerSecond: [(container: String, value: Double)])] = [
            (
                "GB200 Llama 3 70B MXFP8, 64 GPUs",
                row(gb200, llama70, tp: 2, pp: 4, dp: 8, vp: 5, batch: 256, sequence: 8192, recipe: .mxfp8),
                [("26.02", 3613), ("26.02.01", 3837)]
            ),
            (
                "GB200 Llama 3 70B, 64 GPUs, FSDP",
                row(
                    gb200, llama70, dp: 64, microBatch: 2, batch: 256, sequence: 8192, recipe: .current, zero: 3,
                    offloadLayers: 40),
                [("26.02", 4040), ("26.02.01", 4357)]
            ),
            (
                "GB200 Llama 3.1 405B MXFP8, 256 GPUs",
                row(gb200, llama405, tp: 4, pp: 16, dp: 4, vp: 8, batch: 1536, sequence: 8192, recipe: .mxfp8),
                [("26.02", 786), ("26.02.01", 775), ("26.06", 783)]
            ),
            (
                "GB200 Llama 3.1 405B, 256 GPUs",
                row(gb200, llama405, tp: 4, pp: 16, dp: 4, vp: 4, batch: 1536, sequence: 8192, recipe: .current),
                [("26.02.01", 818), ("26.06", 843)]
            ),
            (
                "GB200 DeepSeek-V3 MXFP8, 256 GPUs",
                row(
                    gb200, deepSeek, pp: 4, dp: 64, ep: 64, vp: 4, batch: 4096, sequence: 4096, recipe: .mxfp8,
                    graphModules: attentionAndRouter, dispatcher: .hybridep),
                [("26.02", 3955), ("26.02.01", 4021)]
            ),
            (
                "GB200 DeepSeek-V3 MXFP8, 256 GPUs",
                row(
                    gb200, deepSeek, pp: 4, dp: 64, ep: 64, vp: 4, batch: 4096, sequence: 4096, recipe: .mxfp8,
                    overlapExperts: true, cudaGraph: .fullIteration),
                [("26.06", 4969)]
            ),
            (
                "GB200 gpt-oss-120b, 64 GPUs",
                row(
                    gb200, gptOSS, dp: 64, ep: 64, microBatch: 4, batch: 1280, sequence: 4096, recipe: nil,
                    recompute: .selective, modules: oss),
                [("26.02", 15784)]
            ),
            (
                "GB200 gpt-oss-120b, 64 GPUs",
                row(
                    gb200, gptOSS, dp: 64, ep: 64, microBatch: 4, batch: 1280, sequence: 4096, recipe: nil,
                    recompute: .selective, modules: oss, overlapExperts: true),
                [("26.02.01", 15754), ("26.06", 17770)]
            ),
            (
                "GB200 Qwen3-30B-A3B MXFP8, 8 GPUs",
                row(
                    gb200, .qwen3_30b_a3b, dp: 8, ep: 8, microBatch: 4, batch: 512, sequence: 4096, recipe: .mxfp8,
                    graphModules: router, dispatcher: .hybridep),
                [("26.02", 26084), ("26.02.01", 26373)]
            ),
            (
                "GB200 Qwen3-30B-A3B MXFP8, 8 GPUs",
                row(
                    gb200, .qwen3_30b_a3b, dp: 8, ep: 8, microBatch: 4, batch: 512, sequence: 4096, recipe: .mxfp8,
                    overlapExperts: true, cudaGraph: .fullIteration),
                [("26.06", 40706)]
            ),
            (
                "GB200 Qwen3-235B-A22B MXFP8, 256 GPUs",
                row(
                    gb200, .qwen3_235b_a22b, pp: 8, dp: 32, ep: 32, batch: 8192, sequence: 4096, recipe: .mxfp8,
                    graphModules: attentionAndRouter, dispatcher: .hybridep),
                [("26.02", 5448), ("26.02.01", 5530)]
            ),
            (
                "GB200 Qwen3-235B-A22B MXFP8, 256 GPUs, VP 3",
                row(
                    gb200, .qwen3_235b_a22b, pp: 8, dp: 32, ep: 32, vp: 3, batch: 8192, sequence: 4096,
                    recipe: .mxfp8, overlapExperts: true, cudaGraph: .fullIteration),
                [("26.06", 7376)]
            ),
            (
                "H100 Llama 3 70B, 64 GPUs",
                row(h100, llama70, tp: 4, pp: 8, dp: 2, vp: 5, batch: 256, sequence: 8192, recipe: .current),
                [("26.02", 1621)]
            ),
            (
                "H100 Llama 3.1 405B, 1024 GPUs",
                row(
                    h100, llama405, tp: 8, pp: 8, dp: 8, cp: 2, vp: 8, batch: 1536, sequence: 8192,
                    recipe: .current),
                [("26.06", 326)]
            ),
            (
                "H100 gpt-oss-120b, 64 GPUs",
                row(
                    h100, gptOSS, pp: 4, dp: 16, ep: 8, batch: 1280, sequence: 4096, recipe: nil,
                    recompute: .selective, modules: oss),
                [("26.02", 5993), ("26.06", 5860)]
            ),
            (
                "H100 Qwen3-30B-A3B, 16 GPUs",
                row(
                    h100, .qwen3_30b_a3b, pp: 2, dp: 8, ep: 8, vp: 12, batch: 1024, sequence: 4096,
                    recipe: .current, overlapExperts: true),
                [("26.02", 5113)]
            ),
            (
                "H100 Qwen3-30B-A3B, 16 GPUs, EP 16",
                row(
                    h100, .qwen3_30b_a3b, dp: 16, ep: 16, batch: 1024, sequence: 4096, recipe: .current,
                    dispatcher: .hybridep),
                [("26.06", 8467)]
            ),
            (
                "H100 Qwen3-235B-A22B, 256 GPUs",
                row(
                    h100, .qwen3_235b_a22b, tp: 2, pp: 8, dp: 16, ep: 32, vp: 4, batch: 8192, sequence: 4096,
                    recipe: .current, overlapExperts: true, dispatcher: .alltoall),
                [("26.02", 1633)]
            ),
            (
                "B200 gpt-oss-120b, 64 GPUs, EP 64",
                row(
                    b200, gptOSS, dp: 64, ep: 64, microBatch: 4, batch: 1280, sequence: 4096, recipe: nil,
                    recompute: .selective, modules: oss, dispatcher: .alltoall),
                [("26.02", 8047)]
            ),
            (
                "B200 gpt-oss-120b, 64 GPUs, EP 8",
                row(
                    b200, gptOSS, dp: 64, ep: 8, microBatch: 4, batch: 1280, sequence: 4096, recipe: nil,
                    recompute: .selective, modules: oss),
                [("26.02.01", 13722)]
            ),
            (
                "B200 Qwen3-30B-A3B MXFP8, 8 GPUs, micro-batch 1",
                row(
                    b200, .qwen3_30b_a3b, dp: 8, ep: 8, batch: 512, sequence: 4096, recipe: .mxfp8,
                    graphModules: router, dispatcher: .alltoall),
                [("26.02", 9691)]
            ),
            (
                "B200 Qwen3-30B-A3B MXFP8, 8 GPUs, micro-batch 4",
                row(
                    b200, .qwen3_30b_a3b, dp: 8, ep: 8, microBatch: 4, batch: 512, sequence: 4096, recipe: .mxfp8,
                    graphModules: attentionAndRouter, dispatcher: .hybridep),
                [("26.02.01", 26695)]
            ),
            (
                "B200 Qwen3-235B-A22B MXFP8, 256 GPUs",
                row(b200, .qwen3_235b_a22b, pp: 8, dp: 32, ep: 8, batch: 8192, sequence: 4096, recipe: .mxfp8),
                [("26.02", 3805)]
            ),
            (
                "B200 DeepSeek-V3 MXFP8, 256 GPUs",
                row(b200, deepSeek, pp: 16, dp: 16, ep: 8, batch: 4096, sequence: 4096, recipe: .mxfp8),
                [("26.02.01", 2790)]
            ),
        ]
        return layouts.flatMap { layout in
            layout.tokensPerSecond.map { container, value in
                layout.make(
                    "\(container) \(layout.label)", "Megatron-Bridge \(container) (out of sample)", value)
            }
        }
    }()
}
