import Foundation

/// Measured coefficients that override derived ones. Every field is optional: what is absent is derived
/// from the model and cluster.
public struct CalibrationProfile: Sendable, Equatable, Codable {
    /// Fraction of dense peak reached by training GEMMs (replaces `Efficiency.compute`).
    public var computeEfficiency: Double?
    /// Achieved FLOP/s by GEMM size (the smallest of m, n, k), interpolated on log size.
    public var achievedFlops: [GemmThroughput]?
    /// nccl-tests bus bandwidth, bytes/s, by collective then by rank count.
    public var busBandwidth: [String: [String: Double]]?
    /// Fitted per-sequence time coefficients for sequence parallelism (FlexSP's α1, α2, β1).
    public var sequenceParallel: SequenceTimeCoefficients?
    /// Host time the GPU waits for per MoE layer and micro-batch (forward and backward), seconds.
    public var moeLayerHostSeconds: Double?
    /// Standard deviation of a worker's compute per step against its peers', as a fraction of it (what `whatif`
    /// reports as `computeDeviation`; replaces `SynchronisationJitter.relativeDeviation`).
    public var computeDeviation: Double?
    /// Standard deviation of one micro-batch's forward or backward compute against its peers', as a fraction of it
    /// (what `whatif` reports as `operationDeviation`; replaces `SynchronisationJitter.operationDeviation`).
    public var operationDeviation: Double?
    /// Standard deviation of a worker's step beyond its compute's, as a fraction of the compute (replaces
    /// `SynchronisationJitter.clusterDeviation`; 0 leaves the compute's spread alone).
    public var clusterDeviation: Double?

    public init(
        computeEfficiency: Double? = nil, achievedFlops: [GemmThroughput]? = nil,
        busBandwidth: [String: [String: Double]]? = nil, sequenceParallel: SequenceTimeCoefficients? = nil,
        moeLayerHostSeconds: Double? = nil, computeDeviation: Double? = nil, operationDeviation: Double? = nil,
        clusterDeviation: Double? = nil
    ) {
        self.computeEfficiency = computeEfficiency
        self.achievedFlops = achievedFlops
        self.busBandwidth = busBandwidth
        self.sequenceParallel = sequenceParallel
        self.moeLayerHostSeconds = moeLayerHostSeconds
        self.computeDeviation = computeDeviation
        self.operationDeviation = operationDeviation
        self.clusterDeviation = clusterDeviation
    }

    public struct GemmThroughput: Sendable, Equatable, Codable {
        public var size: Double
        public var flopsPerSecond: Double
    }

    /// time(s, d) = (alpha1·s² + alpha2·s)/d + β1 per group (FlexSP, ASPLOS'25).
    public struct SequenceTimeCoefficients: Sendable, Equatable, Codable {
        public var alpha1: Double
        public var alpha2: Double
        public var beta1: Double
    }

    public func validate(source: String) throws(CostModelError) {
        if let computeEfficiency {
            try CostModelError.check(
                computeEfficiency > 0 && computeEfficiency <= 1, source, "computeEfficiency", computeEfficiency,
                "must be in (0, 1]")
        }
        for (index, point) in (achievedFlops ?? []).enumerated() {
            try CostModelError.positive(point.size, source, "achievedFlops[\(index)].size")
            try CostModelError.positive(point.flopsPerSecond, source, "achievedFlops[\(index)].flopsPerSecond")
        }
        // Sorted, so that of several bad entries the same one is reported on every run.
        for (name, table) in (busBandwidth ?? [:]).sorted(by: { $0.key < $1.key }) {
            try CostModelError.check(
                Collective(rawValue: name) != nil, source, "busBandwidth", name,
                "unknown collective; use \(Collective.allCases.map(\.rawValue).joined(separator: ", "))")
            for (ranks, bandwidth) in table.sorted(by: { $0.key < $1.key }) {
                try CostModelError.check(
                    (Int(ranks) ?? 0) >= 2, source, "busBandwidth.\(name)", ranks,
                    "rank count must be a whole number ≥ 2")
                try CostModelError.positive(bandwidth, source, "busBandwidth.\(name).\(ranks)")
            }
        }
        if let moeLayerHostSeconds {
            try CostModelError.check(
                moeLayerHostSeconds.isFinite && moeLayerHostSeconds >= 0 && moeLayerHostSeconds <= 1, source,
                "moeLayerHostSeconds", moeLayerHostSeconds, "must be a number of seconds from 0 to 1")
        }
        for (field, value) in [
            ("computeDeviation", computeDeviation), ("operationDeviation", operationDeviation),
            ("clusterDeviation", clusterDeviation),
        ] {
            guard let value else { continue }
            try CostModelError.check(
                value.isFinite && value >= 0 && value <= 0.5, source, field, value,
                "must be a fraction of the compute from 0 to 0.5")
        }
        if let coefficients = sequenceParallel {
            for (field, value) in [
                ("alpha1", coefficients.alpha1), ("alpha2", coefficients.alpha2), ("beta1", coefficients.beta1),
            ] {
                try CostModelError.check(
                    value.isFinite && value >= 0, source, "sequenceParallel.\(field)", value,
                    "must be a finite number ≥ 0")
            }
        }
    }

    /// Measured rates above the GPU's dense BF16 peak cannot be this GPU's: the profile was measured on another one
    /// (an H100 profile on A100s once gave an MFU of 139 %).
    public func validate(for gpu: GPUSpec, source: String) throws(CostModelError) {
        for (index, point) in (achievedFlops ?? []).enumerated() {
            try CostModelError.check(
                point.flopsPerSecond <= gpu.bf16FlopsPerSecond, source, "achievedFlops[\(index)].flopsPerSecond",
                point.flopsPerSecond,
                String(
                    format:
                        "exceeds the %@'s dense BF16 peak of %.0f TFLOP/s; was the profile measured on another GPU?",
                    gpu.name, gpu.bf16FlopsPerSecond / 1e12))
        }
    }

    var measuredBandwidths: MeasuredBandwidths? {
        guard let busBandwidth, !busBandwidth.isEmpty else { return nil }
        var table: [Collective: [(ranks: Int, busBandwidth: Double)]] = [:]
        for (name, entries) in busBandwidth {
            guard let collective = Collective(rawValue: name) else { continue }
            table[collective] = entries.compactMap { key, value in Int(key).map { ($0, value) } }.sorted {
                $0.ranks < $1.ranks
            }
        }
        return MeasuredBandwidths(table: table)
    }

    /// Achieved FLOP/s for a GEMM whose smallest dimension is `size`, if measured.
    func achievedFlopsPerSecond(gemmSize size: Double) -> Double? {
        guard let points = achievedFlops?.sorted(by: { $0.size < $1.size }), let first = points.first,
            let last = points.last
        else { return nil }
        if size <= first.size { return first.flopsPerSecond }
        if size >= last.size { return last.flopsPerSecond }
        for (lower, upper) in zip(points, points.dropFirst()) where size <= upper.size {
            let t =
                (PortableMath.log(size) - PortableMath.log(lower.size))
                / (PortableMath.log(upper.size) - PortableMath.log(lower.size))
            return lower.flopsPerSecond + t * (upper.flopsPerSecond - lower.flopsPerSecond)
        }
        return last.flopsPerSecond
    }
}

/// Bus bandwidths measured with nccl-tests. A rank count not measured uses the nearest measured one
/// on a log scale.
public struct MeasuredBandwidths: Sendable, Equatable {
    let table: [Collective: [(ranks: Int, busBandwidth: Double)]]

    public static func == (lhs: MeasuredBandwidths, rhs: MeasuredBandwidths) -> Bool {
        lhs.table.keys.sorted { $0.rawValue < $1.rawValue } == rhs.table.keys.sorted { $0.rawValue < $1.rawValue }
            && lhs.table.allSatisfy { key, entries in
                rhs.table[key].map {
                    $0.map(\.ranks) == entries.map(\.ranks) && $0.map(\.busBandwidth) == entries.map(\.busBandwidth)
                } ?? false
            }
    }

    func busBandwidth(_ collective: Collective, ranks: Int) -> Double? {
        guard let entries = table[collective], !entries.isEmpty else { return nil }
        let target = PortableMath.log(Double(ranks))
        return entries.min {
            abs(PortableMath.log(Double($0.ranks)) - target) < abs(PortableMath.log(Double($1.ranks)) - target)
        }?.busBandwidth
    }
}
