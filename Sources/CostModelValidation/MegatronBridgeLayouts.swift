import CostModel

/// One layout of Megatron-Bridge's performance summary, as its recipe runs it: the held-out sets list each layout once
/// and then its throughput in every container that ran it, so one layout is priced the same wherever it appears.
struct BridgeLayout: Sendable {
    var label: String
    var gpu: String
    var model: TransformerModel
    var tp = 1, pp = 1, dp: Int, cp = 1, ep = 1, vp = 1, microBatch = 1
    var batch: Int
    var sequence: Int
    var recipe: FP8Recipe?
    var zero = 1
    var recompute: Recompute?
    var modules: [RecomputeModule] = [.coreAttention]
    var overlapExperts = false
    var offloadLayers: Int?
    var cudaGraph: CUDAGraphCapture?
    var graphModules: [CUDAGraphModule]?
    var dispatcher: MoEDispatcher?

    /// The layout's run in `container`, priced by `PublishedRun.megatronBridge`'s rules. A GB200 job of fewer than 64
    /// GPUs is one NVLink domain of its own size; DGX nodes hold 8.
    func run(container: String, tokensPerSecond: Double, source: String) -> PublishedRun {
        PublishedRun.bridge(
            "\(container) \(label)", model, source: source, gpu: gpu,
            gpusPerNode: gpu == "gb200" ? min(64, tp * pp * dp * cp) : 8, tp: tp, pp: pp, dp: dp, cp: cp, ep: ep,
            vp: vp, microBatch: microBatch, batch: batch, sequence: sequence, tokensPerSecond: tokensPerSecond,
            recipe: recipe, zero: zero, recompute: recompute, modules: modules, overlapExperts: overlapExperts,
            offloadLayers: offloadLayers, cudaGraph: cudaGraph, graphModules: graphModules, dispatcher: dispatcher)
    }

    /// Every container's run of each layout, in the order listed.
    static func runs(_ table: [(BridgeLayout, [(container: String, tokensPerSecond: Double)])]) -> [PublishedRun] {
        table.flatMap { layout, containers in
            containers.map { container, tokens in
                layout.run(
                    container: container, tokensPerSecond: tokens,
                    source: "Megatron-Bridge \(container) (out of sample)")
            }
        }
    }
}

// The recipes' per-layer CUDA graphs (`cuda_graph_scope`) and recompute lists.
private let router: [CUDAGraphModule] = [.moeRouter, .moePreprocess]
private let attentionAndRouter: [CUDAGraphModule] = [.attn, .moeRouter, .moePreprocess]
private let oss: [RecomputeModule] = [.layernorm, .moeActivation]
private let llama70 = TransformerModel.validationPreset("llama-3-70b")
private let llama405 = TransformerModel.validationPreset("llama-3.1-405b")
private let deepSeek = TransformerModel.validationPreset("deepseek-v3")
private let gptOSS = TransformerModel.validationPreset("gpt-oss-120b")

extension BridgeLayout {
    static let gb200Llama70MXFP8 = BridgeLayout(
        label: "GB200 Llama 3 70B MXFP8, 64 GPUs", gpu: "gb200", model: llama70, tp: 2, pp: 4, dp: 8, vp: 5,
        batch: 256, sequence: 8192, recipe: .mxfp8)
    static let gb200Llama70FSDP = BridgeLayout(
        label: "GB200 Llama 3 70B, 64 GPUs, FSDP", gpu: "gb200", model: llama70, dp: 64, microBatch: 2, batch: 256,
        sequence: 8192, recipe: .current, zero: 3, offloadLayers: 40)
    static let gb200Llama405MXFP8 = BridgeLayout(
        label: "GB200 Llama 3.1 405B MXFP8, 256 GPUs", gpu: "gb200", model: llama405, tp: 4, pp: 16, dp: 4, vp: 8,
        batch: 1536, sequence: 8192, recipe: .mxfp8)
    static let gb200Llama405 = BridgeLayout(
        label: "GB200 Llama 3.1 405B, 256 GPUs", gpu: "gb200", model: llama405, tp: 4, pp: 16, dp: 4, vp: 4,
        batch: 1536, sequence: 8192, recipe: .current)
    static let gb200DeepSeekLayerGraphs = BridgeLayout(
        label: "GB200 DeepSeek-V3 MXFP8, 256 GPUs", gpu: "gb200", model: deepSeek, pp: 4, dp: 64, ep: 64, vp: 4,
        batch: 4096, sequence: 4096, recipe: .mxfp8, graphModules: attentionAndRouter, dispatcher: .hybridep)
    static let gb200DeepSeekIterationGraph = BridgeLayout(
        label: "GB200 DeepSeek-V3 MXFP8, 256 GPUs", gpu: "gb200", model: deepSeek, pp: 4, dp: 64, ep: 64, vp: 4,
        batch: 4096, sequence: 4096, recipe: .mxfp8, overlapExperts: true, cudaGraph: .fullIteration)
    static let gb200GptOSS = BridgeLayout(
        label: "GB200 gpt-oss-120b, 64 GPUs", gpu: "gb200", model: gptOSS, dp: 64, ep: 64, microBatch: 4,
        batch: 1280, sequence: 4096, recompute: .selective, modules: oss)
    static let gb200GptOSSOverlapped = BridgeLayout(
        label: "GB200 gpt-oss-120b, 64 GPUs", gpu: "gb200", model: gptOSS, dp: 64, ep: 64, microBatch: 4,
        batch: 1280, sequence: 4096, recompute: .selective, modules: oss, overlapExperts: true)
    /// The 26.08 recipe (tag v0.6.0, `_apply_gpt_oss_120b_full_iter_fp8mx_configs`): the iteration in one graph,
    /// HybridEP overlapped, `recompute_modules` emptied. Its FP8 attention (`fp8_dot_product_attention`) is not
    /// priced: attention stays BF16 in the model.
    static let gb200GptOSSMXFP8 = BridgeLayout(
        label: "GB200 gpt-oss-120b MXFP8, 64 GPUs", gpu: "gb200", model: gptOSS, dp: 64, ep: 64, microBatch: 4,
        batch: 1280, sequence: 4096, recipe: .mxfp8, recompute: Recompute.none, overlapExperts: true,
        cudaGraph: .fullIteration, dispatcher: .hybridep)
    static let gb200Qwen30RouterGraphs = BridgeLayout(
        label: "GB200 Qwen3-30B-A3B MXFP8, 8 GPUs", gpu: "gb200", model: .qwen3_30b_a3b, dp: 8, ep: 8,
        microBatch: 4, batch: 512, sequence: 4096, recipe: .mxfp8, graphModules: router, dispatcher: .hybridep)
    static let gb200Qwen30IterationGraph = BridgeLayout(
        label: "GB200 Qwen3-30B-A3B MXFP8, 8 GPUs", gpu: "gb200", model: .qwen3_30b_a3b, dp: 8, ep: 8,
        microBatch: 4, batch: 512, sequence: 4096, recipe: .mxfp8, overlapExperts: true, cudaGraph: .fullIteration)
    static let gb200Qwen235LayerGraphs = BridgeLayout(
        label: "GB200 Qwen3-235B-A22B MXFP8, 256 GPUs", gpu: "gb200", model: .qwen3_235b_a22b, pp: 8, dp: 32,
        ep: 32, batch: 8192, sequence: 4096, recipe: .mxfp8, graphModules: attentionAndRouter,
        dispatcher: .hybridep)
    /// The 26.04.01 recipe (tag v0.4.2): VP 3 with per-layer graphs, before 26.06 captured the whole iteration.
    static let gb200Qwen235VP3LayerGraphs = BridgeLayout(
        label: "GB200 Qwen3-235B-A22B MXFP8, 256 GPUs, VP 3", gpu: "gb200", model: .qwen3_235b_a22b, pp: 8, dp: 32,
        ep: 32, vp: 3, batch: 8192, sequence: 4096, recipe: .mxfp8, graphModules: attentionAndRouter,
        dispatcher: .hybridep)
    static let gb200Qwen235VP3IterationGraph = BridgeLayout(
        label: "GB200 Qwen3-235B-A22B MXFP8, 256 GPUs, VP 3", gpu: "gb200", model: .qwen3_235b_a22b, pp: 8, dp: 32,
        ep: 32, vp: 3, batch: 8192, sequence: 4096, recipe: .mxfp8, overlapExperts: true, cudaGraph: .fullIteration)
    static let h100Llama70 = BridgeLayout(
        label: "H100 Llama 3 70B, 64 GPUs", gpu: "h100-sxm", model: llama70, tp: 4, pp: 8, dp: 2, vp: 5, batch: 256,
        sequence: 8192, recipe: .current)
    static let h100Llama405 = BridgeLayout(
        label: "H100 Llama 3.1 405B, 1024 GPUs", gpu: "h100-sxm", model: llama405, tp: 8, pp: 8, dp: 8, cp: 2, vp: 8,
        batch: 1536, sequence: 8192, recipe: .current)
    static let h100GptOSS = BridgeLayout(
        label: "H100 gpt-oss-120b, 64 GPUs", gpu: "h100-sxm", model: gptOSS, pp: 4, dp: 16, ep: 8, batch: 1280,
        sequence: 4096, recompute: .selective, modules: oss)
    static let h100Qwen30 = BridgeLayout(
        label: "H100 Qwen3-30B-A3B, 16 GPUs", gpu: "h100-sxm", model: .qwen3_30b_a3b, pp: 2, dp: 8, ep: 8, vp: 12,
        batch: 1024, sequence: 4096, recipe: .current, overlapExperts: true)
    static let h100Qwen30EP16 = BridgeLayout(
        label: "H100 Qwen3-30B-A3B, 16 GPUs, EP 16", gpu: "h100-sxm", model: .qwen3_30b_a3b, dp: 16, ep: 16,
        batch: 1024, sequence: 4096, recipe: .current, dispatcher: .hybridep)
    static let h100Qwen235 = BridgeLayout(
        label: "H100 Qwen3-235B-A22B, 256 GPUs", gpu: "h100-sxm", model: .qwen3_235b_a22b, tp: 2, pp: 8, dp: 16,
        ep: 32, vp: 4, batch: 8192, sequence: 4096, recipe: .current, overlapExperts: true, dispatcher: .alltoall)
    static let b200GptOSSEP64 = BridgeLayout(
        label: "B200 gpt-oss-120b, 64 GPUs, EP 64", gpu: "b200", model: gptOSS, dp: 64, ep: 64, microBatch: 4,
        batch: 1280, sequence: 4096, recompute: .selective, modules: oss, dispatcher: .alltoall)
    static let b200GptOSSEP8 = BridgeLayout(
        label: "B200 gpt-oss-120b, 64 GPUs, EP 8", gpu: "b200", model: gptOSS, dp: 64, ep: 8, microBatch: 4,
        batch: 1280, sequence: 4096, recompute: .selective, modules: oss)
    static let b200Qwen30MicroBatch1 = BridgeLayout(
        label: "B200 Qwen3-30B-A3B MXFP8, 8 GPUs, micro-batch 1", gpu: "b200", model: .qwen3_30b_a3b, dp: 8, ep: 8,
        batch: 512, sequence: 4096, recipe: .mxfp8, graphModules: router, dispatcher: .alltoall)
    static let b200Qwen30MicroBatch4 = BridgeLayout(
        label: "B200 Qwen3-30B-A3B MXFP8, 8 GPUs, micro-batch 4", gpu: "b200", model: .qwen3_30b_a3b, dp: 8, ep: 8,
        microBatch: 4, batch: 512, sequence: 4096, recipe: .mxfp8, graphModules: attentionAndRouter,
        dispatcher: .hybridep)
    static let b200Qwen235 = BridgeLayout(
        label: "B200 Qwen3-235B-A22B MXFP8, 256 GPUs", gpu: "b200", model: .qwen3_235b_a22b, pp: 8, dp: 32, ep: 8,
        batch: 8192, sequence: 4096, recipe: .mxfp8)
    static let b200DeepSeek = BridgeLayout(
        label: "B200 DeepSeek-V3 MXFP8, 256 GPUs", gpu: "b200", model: deepSeek, pp: 16, dp: 16, ep: 8, batch: 4096,
        sequence: 4096, recipe: .mxfp8)
    /// The 26.04.01 recipe (tag v0.4.2, `DEEPSEEK_V3_PRETRAIN_CONFIG_B200_FP8_MX_V2`): EP 32 across four nodes with
    /// DeepEP, overlapped, attention and router graphed. Its `mla_up_proj` and `mlp` recompute is not among the
    /// modules the model prices, so the least recompute that fits stands in.
    static let b200DeepSeekEP32 = BridgeLayout(
        label: "B200 DeepSeek-V3 MXFP8, 256 GPUs, EP 32", gpu: "b200", model: deepSeek, pp: 8, dp: 32, ep: 32, vp: 2,
        batch: 4096, sequence: 4096, recipe: .mxfp8, overlapExperts: true, graphModules: attentionAndRouter,
        dispatcher: .deepep)
}
