/// Peak capabilities of one GPU model. Rates are dense (no structured sparsity), per GPU.
public struct GPUSpec: Sendable, Equatable, Codable {
    public var name: String
    /// Dense BF16/FP16 tensor-core peak, FLOP/s.
    public var bf16FlopsPerSecond: Double
    /// Dense FP8 tensor-core peak, FLOP/s; nil where the GPU has no FP8 tensor cores.
    public var fp8FlopsPerSecond: Double?
    public var memoryBytes: Double
    public var memoryBandwidth: Double
    /// NVLink bandwidth per GPU per direction in the reference HGX/DGX node, bytes/s.
    public var nvlinkBandwidth: Double
    /// Inter-node NIC bandwidth per GPU per direction in the reference node, bytes/s.
    public var nicBandwidth: Double
    /// Streaming multiprocessors, for wave quantisation of GEMM tiles; nil leaves it out.
    public var streamingMultiprocessors: Int?
    /// Tensor cores that apply block scales themselves (Blackwell: MXFP8 and blockwise FP8 at full rate).
    public var nativeBlockScaling: Bool
    /// The GPU's link to host memory per direction, bytes/s (PCIe, or NVLink-C2C to a Grace CPU), for activations
    /// offloaded to the host; nil where unknown, and then offloading is refused.
    public var hostBandwidth: Double?
    /// Host memory per GPU in the reference node, bytes: what offloaded activations may fill; nil where unknown (then
    /// unchecked).
    public var hostMemoryBytes: Double?

    public init(
        name: String, bf16FlopsPerSecond: Double, fp8FlopsPerSecond: Double?, memoryBytes: Double,
        memoryBandwidth: Double, nvlinkBandwidth: Double, nicBandwidth: Double, streamingMultiprocessors: Int? = nil,
        nativeBlockScaling: Bool = false, hostBandwidth: Double? = nil, hostMemoryBytes: Double? = nil
    ) {
        self.name = name
        self.bf16FlopsPerSecond = bf16FlopsPerSecond
        self.fp8FlopsPerSecond = fp8FlopsPerSecond
        self.memoryBytes = memoryBytes
        self.memoryBandwidth = memoryBandwidth
        self.nvlinkBandwidth = nvlinkBandwidth
        self.nicBandwidth = nicBandwidth
        self.streamingMultiprocessors = streamingMultiprocessors
        self.nativeBlockScaling = nativeBlockScaling
        self.hostBandwidth = hostBandwidth
        self.hostMemoryBytes = hostMemoryBytes
    }

    func validate(source: String) throws(CostModelError) {
        try CostModelError.physical(bf16FlopsPerSecond, source, "gpu.bf16FlopsPerSecond")
        if let fp8FlopsPerSecond { try CostModelError.physical(fp8FlopsPerSecond, source, "gpu.fp8FlopsPerSecond") }
        try CostModelError.physical(memoryBytes, source, "gpu.memoryBytes", low: 1e6, high: 1e15)
        try CostModelError.physical(memoryBandwidth, source, "gpu.memoryBandwidth")
        try CostModelError.physical(nvlinkBandwidth, source, "gpu.nvlinkBandwidth")
        try CostModelError.physical(nicBandwidth, source, "gpu.nicBandwidth")
        if let hostBandwidth { try CostModelError.physical(hostBandwidth, source, "gpu.hostBandwidth") }
        if let hostMemoryBytes {
            try CostModelError.physical(hostMemoryBytes, source, "gpu.hostMemoryBytes", low: 1e6, high: 1e15)
        }
        if let streamingMultiprocessors {
            try CostModelError.check(
                (1...4096).contains(streamingMultiprocessors), source, "gpu.streamingMultiprocessors",
                streamingMultiprocessors, "must be a whole number from 1 to 4096")
        }
    }
}

/// Memory as `nvidia-smi` reports it (memory.total), in MiB: the whole device, before the CUDA context.
private func mebibytes(_ count: Double) -> Double { count * 1_048_576 }

/// Host links per GPU per direction (docs/cost-model.md §Hardware): PCIe Gen4 and Gen5 x16, and GB200's NVLink-C2C
/// (900 GB/s both ways between a Grace CPU and its two GPUs). Host memory per GPU: DGX A100 1 TB, DGX H100/H200/B200
/// 2 TB over 8 GPUs; a GB200 Grace CPU's 480 GB over its 2 GPUs.
private let pcieGen4 = 32e9
private let pcieGen5 = 64e9
private let graceC2C = 900e9 / 2 / 2

extension GPUSpec {
    /// Presets; sources in docs/cost-model.md §Hardware.
    public static let presets: [GPUSpec] = [
        GPUSpec(
            name: "a100-40gb", bf16FlopsPerSecond: 312e12, fp8FlopsPerSecond: nil, memoryBytes: mebibytes(40_960),
            memoryBandwidth: 1.555e12, nvlinkBandwidth: 300e9, nicBandwidth: 25e9, streamingMultiprocessors: 108,
            hostBandwidth: pcieGen4, hostMemoryBytes: 1e12 / 8),
        GPUSpec(
            name: "a100-80gb", bf16FlopsPerSecond: 312e12, fp8FlopsPerSecond: nil, memoryBytes: mebibytes(81_920),
            memoryBandwidth: 2.039e12, nvlinkBandwidth: 300e9, nicBandwidth: 25e9, streamingMultiprocessors: 108,
            hostBandwidth: pcieGen4, hostMemoryBytes: 1e12 / 8),
        GPUSpec(
            name: "h100-sxm", bf16FlopsPerSecond: 989.4e12, fp8FlopsPerSecond: 1978.9e12,
            memoryBytes: mebibytes(81_559),
            memoryBandwidth: 3.35e12, nvlinkBandwidth: 450e9, nicBandwidth: 50e9, streamingMultiprocessors: 132,
            hostBandwidth: pcieGen5, hostMemoryBytes: 2e12 / 8),
        GPUSpec(
            name: "h200", bf16FlopsPerSecond: 989.4e12, fp8FlopsPerSecond: 1978.9e12, memoryBytes: mebibytes(143_771),
            memoryBandwidth: 4.8e12, nvlinkBandwidth: 450e9, nicBandwidth: 50e9, streamingMultiprocessors: 132,
            hostBandwidth: pcieGen5, hostMemoryBytes: 2e12 / 8),
        GPUSpec(
            name: "h800", bf16FlopsPerSecond: 989.4e12, fp8FlopsPerSecond: 1978.9e12, memoryBytes: mebibytes(81_559),
            memoryBandwidth: 3.35e12, nvlinkBandwidth: 200e9, nicBandwidth: 50e9, streamingMultiprocessors: 132,
            hostBandwidth: pcieGen5, hostMemoryBytes: 2e12 / 8),
        GPUSpec(
            name: "b200", bf16FlopsPerSecond: 2.25e15, fp8FlopsPerSecond: 4.5e15, memoryBytes: mebibytes(183_359),
            memoryBandwidth: 8e12, nvlinkBandwidth: 900e9, nicBandwidth: 50e9, streamingMultiprocessors: 148,
            nativeBlockScaling: true, hostBandwidth: pcieGen5, hostMemoryBytes: 2e12 / 8),
        // GB200 NVL72: 13.4 TB of HBM3e over 72 GPUs (NVIDIA's datasheet gives no nvidia-smi figure).
        GPUSpec(
            name: "gb200", bf16FlopsPerSecond: 2.5e15, fp8FlopsPerSecond: 5e15, memoryBytes: 186e9,
            memoryBandwidth: 8e12, nvlinkBandwidth: 900e9, nicBandwidth: 50e9, streamingMultiprocessors: 148,
            nativeBlockScaling: true, hostBandwidth: graceC2C, hostMemoryBytes: 480e9 / 2),
    ]

    public static func preset(named name: String) -> GPUSpec? {
        presets.first { $0.name == name.lowercased() }
    }
}
