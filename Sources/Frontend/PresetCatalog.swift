import CostModel

/// The GPUs, cluster node types and models known by name (`presets`), as data.
public struct PresetCatalog: Encodable, Sendable {
    public struct GPU: Encodable, Sendable {
        public let name: String
        public let bf16FlopsPerSecond: Double
        public let fp8FlopsPerSecond: Double?
        public let memoryBytes: Double
        public let memoryBandwidth: Double
        public let nvlinkBandwidth: Double
        public let nicBandwidth: Double
    }

    public struct Node: Encodable, Sendable {
        public let name: String
        public let gpu: String
        public let gpusPerNode: Int
    }

    public struct Model: Encodable, Sendable {
        public let name: String
        public let layers: Int
        public let hiddenSize: Int
        public let heads: Int
        public let kvHeads: Int
        public let parameters: Double
        public let activeParameters: Double
    }

    public let gpus: [GPU]
    public let clusters: [Node]
    public let models: [Model]

    public static var current: PresetCatalog {
        PresetCatalog(
            gpus: GPUSpec.presets.map {
                GPU(
                    name: $0.name, bf16FlopsPerSecond: $0.bf16FlopsPerSecond, fp8FlopsPerSecond: $0.fp8FlopsPerSecond,
                    memoryBytes: $0.memoryBytes, memoryBandwidth: $0.memoryBandwidth,
                    nvlinkBandwidth: $0.nvlinkBandwidth,
                    nicBandwidth: $0.nicBandwidth)
            },
            clusters: Cluster.nodePresets.map { Node(name: $0.name, gpu: $0.gpu, gpusPerNode: $0.gpusPerNode) },
            models: TransformerModel.presets.map {
                let counts = $0.parameters
                return Model(
                    name: $0.name, layers: $0.layers, hiddenSize: $0.hiddenSize, heads: $0.heads, kvHeads: $0.kvHeads,
                    parameters: counts.total, activeParameters: counts.active)
            })
    }
}
