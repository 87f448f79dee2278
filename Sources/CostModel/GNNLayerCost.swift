/// GNN layer types of GNNPipe's experiments.
public enum GNNLayerType: String, Sendable, Codable, CaseIterable {
    case gcn
    case graphsage
    case gat
    case gcnii
}

/// Forward work of one full-graph GNN layer: FLOPs (2 per multiply-add) and bytes moved through HBM,
/// with 4-byte features and 4-byte edge indices. Backward costs about twice the forward.
public struct GNNLayerCost: Sendable, Equatable {
    public var forwardFlops: Double
    public var forwardBytes: Double

    public var trainingFlops: Double { 3 * forwardFlops }
    public var trainingBytes: Double { 3 * forwardBytes }

    /// `edges` counts directed edges (each undirected edge twice, self-loops included if used).
    /// `heads` applies to GAT only; its output width is per head.
    public static func of(
        _ type: GNNLayerType, vertices: Int, edges: Int, inputWidth: Int, outputWidth: Int,
        heads: Int = 1
    ) -> GNNLayerCost {
        let v = Double(vertices)
        let e = Double(edges)
        let din = Double(inputWidth)
        let dout = Double(outputWidth)
        let featureIn = 4 * v * din
        let featureOut = 4 * v * dout
        let edgeList = 8 * e
        switch type {
        case .gcn:
            // Transform then aggregate (the cheaper order when dout ≤ din): GEMM V×din×dout, SpMM over E.
            let width = min(din, dout)
            return GNNLayerCost(
                forwardFlops: 2 * v * din * dout + 2 * e * width,
                forwardBytes: featureIn + featureOut + edgeList + 4 * e * width + 4 * din * dout)
        case .graphsage:
            // Mean of neighbours, concatenated with self, then one GEMM of width 2·din.
            return GNNLayerCost(
                forwardFlops: 2 * e * din + 2 * v * (2 * din) * dout,
                forwardBytes: 2 * featureIn + featureOut + edgeList + 4 * e * din + 8 * din * dout)
        case .gat:
            let h = Double(heads)
            // Per head: projection, per-edge scores (a·[Wh_i ‖ Wh_j], LeakyReLU, softmax), weighted sum.
            let projection = 2 * v * din * dout * h
            let scores = e * h * (4 * dout + 5)
            let aggregation = 2 * e * dout * h
            return GNNLayerCost(
                forwardFlops: projection + scores + aggregation,
                forwardBytes: featureIn + 2 * featureOut * h + edgeList + 4 * e * h * (dout + 2) + 4 * din * dout * h)
        case .gcnii:
            // Aggregate, mix with the initial embedding (α) and an identity-mapped GEMM (β): width stays d.
            return GNNLayerCost(
                forwardFlops: 2 * e * din + 3 * v * din + 2 * v * din * dout + 2 * v * dout,
                forwardBytes: 2 * featureIn + featureOut + edgeList + 4 * e * din + 4 * din * dout)
        }
    }
}
