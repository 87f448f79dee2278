import CostModel
import Foundation

extension Cluster {
    /// A cluster file (YAML or JSON): gpu (preset name or inline spec), nodes, gpusPerNode, and optional
    /// intraNodeBandwidth, interNodeBandwidth (bytes/s per GPU per direction), intraNodeLatency,
    /// interNodeLatency (s), efficiency {compute, memory, layerKernels, intraNode, interNode, attention, fp8,
    /// fp8Blockwise}, speedFactors.
    public static func load(data: Data, source: String) throws(CostModelError) -> Cluster {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: [
            "gpu", "nodes", "gpusPerNode", "intraNodeBandwidth", "interNodeBandwidth",
            "intraNodeLatency", "interNodeLatency", "efficiency", "speedFactors",
        ])
        let gpu: GPUSpec
        if let name = fields.values["gpu"] as? String {
            guard let preset = GPUSpec.preset(named: name) else {
                throw fields.fail(
                    "gpu", name, "unknown GPU; known: \(GPUSpec.presets.map(\.name).joined(separator: ", "))")
            }
            gpu = preset
        } else if let spec = try fields.nested("gpu") {
            try spec.rejectUnknown(allowed: [
                "name", "bf16FlopsPerSecond", "fp8FlopsPerSecond", "memoryBytes", "memoryBandwidth",
                "nvlinkBandwidth", "nicBandwidth", "streamingMultiprocessors", "nativeBlockScaling", "hostBandwidth",
                "hostMemoryBytes",
            ])
            gpu = GPUSpec(
                name: try spec.string("name") ?? "custom", bf16FlopsPerSecond: try spec.double("bf16FlopsPerSecond"),
                fp8FlopsPerSecond: try spec.optionalDouble("fp8FlopsPerSecond"),
                memoryBytes: try spec.double("memoryBytes"),
                memoryBandwidth: try spec.double("memoryBandwidth"),
                nvlinkBandwidth: try spec.double("nvlinkBandwidth"),
                nicBandwidth: try spec.double("nicBandwidth"),
                streamingMultiprocessors: spec.has("streamingMultiprocessors")
                    ? try spec.int("streamingMultiprocessors") : nil,
                nativeBlockScaling: try spec.bool("nativeBlockScaling", default: false),
                hostBandwidth: try spec.optionalDouble("hostBandwidth"),
                hostMemoryBytes: try spec.optionalDouble("hostMemoryBytes"))
        } else {
            throw fields.fail("gpu", fields.values["gpu"], "needs a GPU preset name or an inline spec")
        }
        var efficiency = Efficiency.defaults(for: gpu)
        if let overrides = try fields.nested("efficiency") {
            try overrides.rejectUnknown(allowed: [
                "compute", "memory", "layerKernels", "intraNode", "interNode", "attention", "fp8", "fp8Blockwise",
            ])
            efficiency.compute = try overrides.optionalDouble("compute") ?? efficiency.compute
            efficiency.memory = try overrides.optionalDouble("memory") ?? efficiency.memory
            efficiency.layerKernels = try overrides.optionalDouble("layerKernels") ?? efficiency.layerKernels
            efficiency.intraNode = try overrides.optionalDouble("intraNode") ?? efficiency.intraNode
            efficiency.interNode = try overrides.optionalDouble("interNode") ?? efficiency.interNode
            efficiency.attention = try overrides.optionalDouble("attention") ?? efficiency.attention
            efficiency.fp8 = try overrides.optionalDouble("fp8") ?? efficiency.fp8
            efficiency.fp8Blockwise = try overrides.optionalDouble("fp8Blockwise") ?? efficiency.fp8Blockwise
        }
        let cluster = Cluster(
            gpu: gpu, nodes: try fields.int("nodes"), gpusPerNode: try fields.int("gpusPerNode"),
            intraNodeBandwidth: try fields.optionalDouble("intraNodeBandwidth"),
            interNodeBandwidth: try fields.optionalDouble("interNodeBandwidth"),
            intraNodeLatency: try fields.optionalDouble("intraNodeLatency") ?? Cluster.defaultIntraNodeLatency,
            interNodeLatency: try fields.optionalDouble("interNodeLatency") ?? Cluster.defaultInterNodeLatency,
            efficiency: efficiency, speedFactors: try fields.doubles("speedFactors"))
        try cluster.validate(source: source)
        return cluster
    }
}
