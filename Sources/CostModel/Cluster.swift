/// Nodes of identical GPUs: NVLink/NVSwitch inside a node, one NIC per GPU between nodes.
public struct Cluster: Sendable, Equatable {
    public var gpu: GPUSpec
    public var nodes: Int
    public var gpusPerNode: Int
    /// Per GPU per direction, bytes/s.
    public var intraNodeBandwidth: Double
    public var interNodeBandwidth: Double
    /// Per message, seconds.
    public var intraNodeLatency: Double
    public var interNodeLatency: Double
    /// Fractions of peak that kernels and links reach; see `Efficiency`.
    public var efficiency: Efficiency
    /// Per-GPU speed relative to the spec (1 = nominal; 0.8 = a straggler at 80 %), in rank order.
    public var speedFactors: [Double]?

    public init(
        gpu: GPUSpec, nodes: Int, gpusPerNode: Int,
        intraNodeBandwidth: Double? = nil, interNodeBandwidth: Double? = nil,
        intraNodeLatency: Double = Cluster.defaultIntraNodeLatency,
        interNodeLatency: Double = Cluster.defaultInterNodeLatency,
        efficiency: Efficiency? = nil, speedFactors: [Double]? = nil
    ) {
        self.gpu = gpu
        self.nodes = nodes
        self.gpusPerNode = gpusPerNode
        self.intraNodeBandwidth = intraNodeBandwidth ?? gpu.nvlinkBandwidth
        self.interNodeBandwidth = interNodeBandwidth ?? gpu.nicBandwidth
        self.intraNodeLatency = intraNodeLatency
        self.interNodeLatency = interNodeLatency
        self.efficiency = efficiency ?? Efficiency.defaults(for: gpu)
        self.speedFactors = speedFactors
    }

    /// NCCL's per-hop latencies are a few microseconds over NVLink and roughly 10-20 µs over IB.
    public static let defaultIntraNodeLatency = 5e-6
    public static let defaultInterNodeLatency = 15e-6

    public var gpuCount: Int { nodes * gpusPerNode }

    /// Bandwidths as the collectives see them: peak times link efficiency.
    public var effectiveIntraNodeBandwidth: Double { intraNodeBandwidth * efficiency.intraNode }
    public var effectiveInterNodeBandwidth: Double { interNodeBandwidth * efficiency.interNode }

    /// The slowest GPU's speed factor (a synchronous step waits for it).
    public var slowestSpeedFactor: Double { speedFactors?.min() ?? 1 }

    public func validate(source: String) throws(CostModelError) {
        try gpu.validate(source: source)
        try CostModelError.count(nodes, atMost: Limits.gpus, source, "nodes")
        try CostModelError.count(gpusPerNode, atMost: Limits.gpus, source, "gpusPerNode")
        try CostModelError.check(
            gpuCount <= Limits.gpus, source, "nodes × gpusPerNode", gpuCount, "must be at most \(Limits.gpus) GPUs")
        try CostModelError.physical(intraNodeBandwidth, source, "intraNodeBandwidth")
        try CostModelError.physical(interNodeBandwidth, source, "interNodeBandwidth")
        try CostModelError.check(
            intraNodeLatency.isFinite && intraNodeLatency >= 0 && intraNodeLatency <= 1e3, source, "intraNodeLatency",
            intraNodeLatency, "must be a number of seconds from 0 to 1000")
        try CostModelError.check(
            interNodeLatency.isFinite && interNodeLatency >= 0 && interNodeLatency <= 1e3, source, "interNodeLatency",
            interNodeLatency, "must be a number of seconds from 0 to 1000")
        try efficiency.validate(source: source)
        if let speedFactors {
            try CostModelError.check(
                speedFactors.count == gpuCount, source, "speedFactors", "\(speedFactors.count) values",
                "needs one factor per GPU (\(gpuCount))")
            for (rank, factor) in speedFactors.enumerated() {
                try CostModelError.check(
                    factor.isFinite && factor >= 1e-3 && factor <= 1e3, source, "speedFactors[\(rank)]", factor,
                    "must be a number from 0.001 to 1000")
            }
        }
    }
}

/// Fractions of peak, one set per GPU type (not fitted per workload); docs/cost-model.md §Efficiency.
public struct Efficiency: Sendable, Equatable, Codable {
    /// Fraction of dense tensor-core peak that transformer GEMMs reach.
    public var compute: Double
    /// Fraction of HBM bandwidth that streaming kernels (FP8 casts, token permutation, the loss) reach.
    public var memory: Double
    /// Fraction of HBM bandwidth the layers' kernels between the GEMMs (norms, activation functions, rotary
    /// embeddings, residual additions, dropout) reach on their activation traffic, launch gaps included; fitted per
    /// GPU family like the others (docs/cost-model.md §Efficiency).
    public var layerKernels: Double
    public var intraNode: Double
    public var interNode: Double
    /// Fraction of BF16 peak that fused attention kernels reach on the causal work they do.
    public var attention: Double
    /// FP8 GEMMs' fraction of the FP8 peak relative to BF16 GEMMs' fraction of the BF16 peak.
    public var fp8: Double
    /// What Hopper's blockwise-scaled FP8 GEMMs keep of per-tensor FP8 speed (scales applied in the main loop).
    public var fp8Blockwise: Double

    public init(
        compute: Double, memory: Double = 0.7, intraNode: Double, interNode: Double, attention: Double? = nil,
        fp8: Double = Efficiency.defaultFP8, fp8Blockwise: Double = Efficiency.defaultFP8Blockwise,
        layerKernels: Double? = nil
    ) {
        self.compute = compute
        self.memory = memory
        self.layerKernels = layerKernels ?? memory
        self.intraNode = intraNode
        self.interNode = interNode
        self.attention = attention ?? compute
        self.fp8 = fp8
        self.fp8Blockwise = fp8Blockwise
    }

    private enum CodingKeys: String, CodingKey {
        case compute, memory, layerKernels, intraNode, interNode, attention, fp8, fp8Blockwise
    }

    /// Encodings written before `layerKernels` existed priced those kernels at `memory`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        compute = try container.decode(Double.self, forKey: .compute)
        memory = try container.decode(Double.self, forKey: .memory)
        layerKernels = try container.decodeIfPresent(Double.self, forKey: .layerKernels) ?? memory
        intraNode = try container.decode(Double.self, forKey: .intraNode)
        interNode = try container.decode(Double.self, forKey: .interNode)
        attention = try container.decode(Double.self, forKey: .attention)
        fp8 = try container.decode(Double.self, forKey: .fp8)
        fp8Blockwise = try container.decode(Double.self, forKey: .fp8Blockwise)
    }

    public static let defaultFP8 = 0.8
    public static let defaultFP8Blockwise = 0.85

    public static func defaults(for gpu: GPUSpec) -> Efficiency {
        switch gpu.name {
        case "a100-40gb", "a100-80gb":
            Efficiency(compute: 0.70, memory: 0.7, intraNode: 0.75, interNode: 0.9, attention: 0.6, layerKernels: 0.7)
        default:
            Efficiency(
                compute: 0.7, memory: 0.7, intraNode: 0.75, interNode: 0.9, attention: 0.45, fp8: 0.85,
                layerKernels: 0.2)
        }
    }

    func validate(source: String) throws(CostModelError) {
        for (field, value) in [
            ("efficiency.compute", compute), ("efficiency.memory", memory), ("efficiency.layerKernels", layerKernels),
            ("efficiency.intraNode", intraNode), ("efficiency.interNode", interNode),
            ("efficiency.attention", attention), ("efficiency.fp8", fp8), ("efficiency.fp8Blockwise", fp8Blockwise),
        ] {
            try CostModelError.check(
                value.isFinite && value > 0 && value <= 1, source, field, value, "must be in (0, 1]")
        }
    }
}

extension Cluster {
    /// Node types for `--cluster NAME` or `NAME:NODES` (one node when no count is given).
    public static let nodePresets: [(name: String, gpu: String, gpusPerNode: Int)] = [
        ("dgx-a100", "a100-80gb", 8),
        ("dgx-a100-40gb", "a100-40gb", 8),
        ("hgx-h100", "h100-sxm", 8),
        ("hgx-h200", "h200", 8),
        ("hgx-h800", "h800", 8),
        ("hgx-b200", "b200", 8),
        ("gb200-nvl72", "gb200", 72),
    ]

    /// `hgx-h100:16` is 16 HGX H100 nodes.
    public static func preset(_ text: String) throws(CostModelError) -> Cluster {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, let name = parts.first,
            let entry = nodePresets.first(where: { $0.name == name.lowercased() }),
            let gpu = GPUSpec.preset(named: entry.gpu)
        else {
            throw CostModelError(
                source: "--cluster", field: "preset", value: text,
                reason:
                    "unknown cluster; known: \(nodePresets.map(\.name).joined(separator: ", ")) (add :NODES), or a cluster file"
            )
        }
        var nodes = 1
        if parts.count == 2 {
            let most = Limits.gpus / entry.gpusPerNode
            guard let count = Int(parts[1]), count > 0, count <= most else {
                throw CostModelError(
                    source: "--cluster", field: "nodes", value: parts[1],
                    reason: "must be a whole number from 1 to \(most) (\(Limits.gpus) GPUs)")
            }
            nodes = count
        }
        return Cluster(gpu: gpu, nodes: nodes, gpusPerNode: entry.gpusPerNode)
    }
}
