/// What one routed token costs an expert-parallel MoE layer, for the expert placement planner.
///
/// A gated (SwiGLU) expert runs three h×f matmuls, 6·h·f FLOPs per token forward (shared/references/moe.md §3.1);
/// the dispatch carries one h-wide BF16 activation per token copy (§3.2); an expert's weights are 3·h·f parameters.
public struct ExpertCost: Sendable, Equatable {
    /// GPU seconds per routed token of one expert, forward (the time-critical all-to-all phase).
    public var secondsPerToken: Double
    /// Bytes per token copy sent in the dispatch.
    public var bytesPerToken: Double
    /// Bytes of one expert's weights (one slot).
    public var expertBytes: Double
    /// MoE layers in the model.
    public var moeLayers: Int
    public var experts: Int
    /// Memory of one GPU, to check that the slots fit.
    public var gpuMemoryBytes: Double
    public var source: String

    public init(
        secondsPerToken: Double, bytesPerToken: Double, expertBytes: Double, moeLayers: Int, experts: Int,
        gpuMemoryBytes: Double, source: String
    ) {
        self.secondsPerToken = secondsPerToken
        self.bytesPerToken = bytesPerToken
        self.expertBytes = expertBytes
        self.moeLayers = moeLayers
        self.experts = experts
        self.gpuMemoryBytes = gpuMemoryBytes
        self.source = source
    }

    /// Prices a token with the model's expert width on the cluster's GPU (dense BF16 peak × compute efficiency).
    public static func derive(model: TransformerModel, cluster: Cluster, bytesPerElement: Double = 2)
        throws(CostModelError) -> ExpertCost
    {
        guard let moe = model.moe else {
            throw CostModelError(
                source: model.name, field: "moe", value: "none",
                reason: "expert placement needs a mixture-of-experts model")
        }
        let h = Double(model.hiddenSize)
        let f = Double(moe.expertFFNHiddenSize)
        let achieved = cluster.gpu.bf16FlopsPerSecond * cluster.efficiency.compute
        return ExpertCost(
            secondsPerToken: 6 * h * f / achieved, bytesPerToken: h * bytesPerElement,
            expertBytes: 3 * h * f * bytesPerElement, moeLayers: model.layers - moe.denseLayers,
            experts: moe.experts, gpuMemoryBytes: cluster.gpu.memoryBytes,
            source: model.name)
    }
}
