/// CUDA graph capture as Megatron-Core's --cuda-graph-impl names it (docs/cost-model.md §Expert layers).
public enum CUDAGraphCapture: String, Sendable, Codable, CaseIterable {
    /// The whole forward-backward iteration as one graph (`--cuda-graph-impl full_iteration`).
    case fullIteration = "full_iteration"
    /// One graph per layer part, as `ParallelStrategy.cudaGraphModules` lists them
    /// (`--cuda-graph-impl transformer_engine`).
    case perLayer = "transformer_engine"
}

/// A part of a layer that per-layer CUDA graphs capture (Megatron-Core's `--cuda-graph-modules`).
public enum CUDAGraphModule: String, Sendable, Codable, CaseIterable {
    /// The attention block.
    case attn
    /// A dense layer's MLP.
    case mlp
    /// An MoE layer up to its router, shared experts included.
    case moeRouter = "moe_router"
    /// The MoE layer's preprocessing before dispatch (needs `moe_router`).
    case moePreprocess = "moe_preprocess"
}

/// How an MoE layer's tokens reach their experts (Megatron-Core's --moe-token-dispatcher-type, and
/// --moe-flex-dispatcher-backend for the fused ones).
public enum MoEDispatcher: String, Sendable, Codable, CaseIterable {
    /// NCCL all-to-all with permutation kernels around it (`--moe-token-dispatcher-type alltoall`).
    case alltoall
    /// DeepEP's fused dispatch and combine kernels (`flex` with the `deepep` backend).
    case deepep
    /// NVIDIA's HybridEP kernels, dispatch fused with permutation (`flex` with the `hybridep` backend).
    case hybridep

    /// Whether dispatch and combine are single fused kernels (Megatron-Core's flex dispatcher).
    public var isFused: Bool { self != .alltoall }
}

extension ParallelStrategy {
    /// Whether one CUDA graph replays the whole forward and backward: the host launches nothing within the
    /// iteration, so nothing there waits for it.
    public var fullIterationCUDAGraph: Bool { cudaGraph == .fullIteration }

    /// Whether the MoE layers' host wait is hidden (docs/cost-model.md §Expert layers): under a full-iteration graph,
    /// or with per-layer graphs of the router and the preprocessing and a fused dispatcher, where after the
    /// dispatcher's token-count read-back the host has a few graph replays and fused kernels to launch, not the
    /// dozens of eager kernels that leave the GPU waiting. With all-to-all the exchange and its permutations stay eager
    /// after the read-back, and the wait is priced in full.
    public var hidesMoEHostWait: Bool {
        if fullIterationCUDAGraph { return true }
        guard cudaGraph == .perLayer, let modules = cudaGraphModules else { return false }
        return modules.contains(.moeRouter) && modules.contains(.moePreprocess) && (moeDispatcher?.isFused ?? false)
    }

    func cudaGraphWarnings(model: TransformerModel) -> [String] {
        guard model.moe != nil else { return [] }
        if fullIterationCUDAGraph {
            return [
                "a full-iteration CUDA graph needs an MoE dispatch without host syncs: HybridEP with "
                    + "--moe-expert-rank-capacity-factor, as Megatron-Bridge's recipes set it"
            ]
        }
        let modules = cudaGraphModules ?? []
        if cudaGraph == .perLayer, modules.contains(.moePreprocess), !(moeDispatcher?.isFused ?? false) {
            return [
                "per-layer CUDA graphs hide the MoE host wait only with a fused dispatcher (--moe-dispatcher hybridep "
                    + "or deepep): with all-to-all the exchange stays eager after the token counts are read back, "
                    + "so the wait is priced in full"
            ]
        }
        return []
    }

    /// Megatron-Core's rules for CUDA graphs and dispatchers (TransformerConfig), and what ParaPlan prices.
    public func validateCUDAGraphs(model: TransformerModel) throws(CostModelError) {
        let source = "strategy"
        let flag = "--cuda-graph-modules"
        let modules = cudaGraphModules ?? []
        let names = modules.map(\.rawValue).joined(separator: ",")
        if let cudaGraphModules {
            try CostModelError.check(
                cudaGraph == .perLayer, source, flag, names,
                "needs per-layer CUDA graphs (--cuda-graph-impl transformer_engine), not "
                    + (cudaGraph?.rawValue ?? "none"))
            try CostModelError.check(!cudaGraphModules.isEmpty, source, flag, names, "must name at least one module")
            try CostModelError.check(Set(modules).count == modules.count, source, flag, names, "names a module twice")
        }
        if cudaGraph == .perLayer {
            try CostModelError.check(
                !modules.isEmpty, source, flag, "",
                "per-layer CUDA graphs need their modules (whole-layer capture of MoE layers needs drop-and-pad "
                    + "routing, which is not priced)")
            try CostModelError.check(
                recompute != .full, source, "--recompute", "full",
                "per-layer CUDA graphs cannot be combined with full recompute (Megatron-Core refuses it)")
            try CostModelError.check(
                cpuOffloadLayers == nil, source, "--cpu-offload-layers", cpuOffloadLayers ?? 0,
                "per-layer CUDA graphs cannot be combined with CPU offloading (Megatron-Core refuses it)")
        }
        let moeLayers = model.moeLayerCount
        let denseLayers = model.layers - moeLayers
        try CostModelError.check(
            !modules.contains(.moePreprocess) || modules.contains(.moeRouter), source, flag, names,
            "moe_preprocess needs moe_router")
        try CostModelError.check(
            moeLayers > 0 || !modules.contains(.moeRouter), source, flag, names, "moe_router needs a model with experts"
        )
        try CostModelError.check(
            denseLayers > 0 || !modules.contains(.mlp), source, flag, names, "mlp needs dense layers in the model")
        if let moeDispatcher {
            try CostModelError.check(
                model.moe != nil, source, "--moe-dispatcher", moeDispatcher.rawValue, "the model has no experts")
        }
    }
}
