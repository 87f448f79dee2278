import Foundation

/// A deep GNN for full-graph training: `layers` layers of one type, input → hidden … hidden → output.
public struct GNNModel: Sendable, Equatable {
    public var type: GNNLayerType
    public var layers: Int
    public var inputWidth: Int
    public var hiddenWidth: Int
    public var outputWidth: Int
    /// Attention heads (GAT only).
    public var heads: Int

    public init(type: GNNLayerType, layers: Int, inputWidth: Int, hiddenWidth: Int, outputWidth: Int, heads: Int = 1) {
        self.type = type
        self.layers = layers
        self.inputWidth = inputWidth
        self.hiddenWidth = hiddenWidth
        self.outputWidth = outputWidth
        self.heads = heads
    }

    public func validate(source: String) throws(CostModelError) {
        try CostModelError.positive(layers, source, "layers")
        try CostModelError.positive(inputWidth, source, "inputWidth")
        try CostModelError.positive(hiddenWidth, source, "hiddenWidth")
        try CostModelError.positive(outputWidth, source, "outputWidth")
        try CostModelError.positive(heads, source, "heads")
        // Bounds that keep weight counts and per-layer work inside 64 bits and the layer-split search short.
        try CostModelError.count(layers, atMost: Self.maximumLayers, source, "layers")
        for (field, width) in [("inputWidth", inputWidth), ("hiddenWidth", hiddenWidth), ("outputWidth", outputWidth)] {
            try CostModelError.count(width, atMost: Self.maximumWidth, source, field)
        }
        try CostModelError.count(heads, atMost: Self.maximumHeads, source, "heads")
    }

    public static let maximumLayers = 1_024
    public static let maximumWidth = 1 << 20
    public static let maximumHeads = 1_024

    /// Input and output width of layer l.
    public func widths(_ l: Int) -> (input: Int, output: Int) {
        (l == 0 ? inputWidth : hiddenWidth * (type == .gat ? heads : 1), l == layers - 1 ? outputWidth : hiddenWidth)
    }

    /// d_l: the width of the tensor layer l aggregates over neighbours, which is what crosses partitions in graph
    /// parallelism. Every layer aggregates at the hidden width: the first transforms its input before aggregating,
    /// the last aggregates before its output transform (GNNPipe's models; reference §1.2, §6).
    public func aggregationWidth(_ l: Int) -> Int {
        type == .gat ? hiddenWidth * heads : hiddenWidth
    }

    /// Width of the tensor crossing the stage boundary after layer l: its output, plus for GCNII the initial
    /// embedding every layer mixes in (GNNPipe's shared tensor, reference §1.2).
    public func boundaryWidth(after l: Int) -> Int {
        let output = widths(l).output * (type == .gat && l < layers - 1 ? heads : 1)
        return type == .gcnii ? output + hiddenWidth : output
    }

    /// Trainable parameters of layer l.
    public func weights(_ l: Int) -> Int {
        let (input, output) = widths(l)
        switch type {
        case .gcn, .gcnii: return input * output
        case .graphsage: return 2 * input * output
        case .gat: return heads * (input * output + 2 * output)
        }
    }

    public func layerCost(_ l: Int, vertices: Int, directedEdges: Int) -> GNNLayerCost {
        let (input, output) = widths(l)
        return .of(type, vertices: vertices, edges: directedEdges, inputWidth: input, outputWidth: output, heads: heads)
    }
}
