/// One matrix multiply C[m×n] = A[m×k]·B[k×n], or a group of equal ones run as one grouped GEMM (MoE experts).
public struct GemmShape: Sendable, Equatable {
    public var m: Double
    public var n: Double
    public var k: Double
    /// GEMMs of this shape launched together (a grouped GEMM fills the GPU with all of their tiles).
    public var count: Double

    public init(m: Double, n: Double, k: Double, count: Double = 1) {
        self.m = m
        self.n = n
        self.k = k
        self.count = count
    }

    public var flops: Double { 2 * m * n * k * count }
}

/// The precision a GEMM's tensor cores run at.
public enum GemmPrecision: Sendable {
    case bf16
    case fp8(FP8Recipe)
}

/// Time of GEMMs from their shape (docs/cost-model.md §GEMM efficiency): a roofline over the GPU's peak and HBM
/// bandwidth, with wave quantisation of 128×128 output tiles over the GPU's streaming multiprocessors. The large-GEMM
/// efficiency is one number per GPU type and precision; a calibration profile's measured table replaces all of it.
public struct GemmTimer: Sendable {
    public let gpu: GPUSpec
    public let efficiency: Efficiency
    public let profile: CalibrationProfile?
    /// Output tile edge of the tensor-core kernels the wave count assumes.
    public static let tile = 128.0

    public init(gpu: GPUSpec, efficiency: Efficiency, profile: CalibrationProfile?) {
        self.gpu = gpu
        self.efficiency = efficiency
        self.profile = profile
    }

    /// Fraction of the launched work that is useful: the output's area over the area of the waves of padded tiles the
    /// launch takes (waves = tiles ÷ SMs, rounded up). 1 without an SM count.
    public func waveEfficiency(rows: Double, columns: Double, count: Double = 1) -> Double {
        guard let sms = gpu.streamingMultiprocessors.map(Double.init), sms > 0, rows > 0, columns > 0 else { return 1 }
        let groups = max(count, 1)
        let tiles = (rows / Self.tile).rounded(.up) * (columns / Self.tile).rounded(.up) * groups
        let waves = (tiles / sms).rounded(.up)
        return min(1, rows * columns * groups / (waves * sms * Self.tile * Self.tile))
    }

    /// Peak FLOP/s of the precision and the fraction of it large GEMMs reach.
    func peak(_ precision: GemmPrecision) -> Double {
        switch precision {
        case .bf16: gpu.bf16FlopsPerSecond * (profile?.computeEfficiency ?? efficiency.compute)
        case .fp8(let recipe):
            (gpu.fp8FlopsPerSecond ?? gpu.bf16FlopsPerSecond) * (profile?.computeEfficiency ?? efficiency.compute)
                * efficiency.fp8 * (recipe == .blockwise && !gpu.nativeBlockScaling ? efficiency.fp8Blockwise : 1)
        }
    }

    /// Seconds for forward and both backward GEMMs (data and weight gradients) of `shape`: three GEMMs of the same
    /// FLOPs whose outputs are m×n, m×k and k×n.
    public func trainingTime(_ shape: GemmShape, precision: GemmPrecision) -> Double {
        [(shape.m, shape.n, shape.k), (shape.m, shape.k, shape.n), (shape.k, shape.n, shape.m)].reduce(0) {
            total, dims in
            total + time(GemmShape(m: dims.0, n: dims.1, k: dims.2, count: shape.count), precision: precision)
        }
    }

    /// Seconds for one GEMM (or group) of `shape`.
    public func time(_ shape: GemmShape, precision: GemmPrecision) -> Double {
        guard shape.flops > 0 else { return 0 }
        if let measured = profile?.achievedFlopsPerSecond(gemmSize: min(shape.m, shape.n, shape.k)) {
            return shape.flops / measured
        }
        let compute =
            shape.flops / (peak(precision) * waveEfficiency(rows: shape.m, columns: shape.n, count: shape.count))
        let elementBytes: Double = if case .fp8 = precision { 1 } else { 2 }
        let bytes = shape.count * (elementBytes * (shape.m * shape.k + shape.k * shape.n) + 2 * shape.m * shape.n)
        let memory = bytes / (gpu.memoryBandwidth * efficiency.memory)
        return max(compute, memory)
    }
}
