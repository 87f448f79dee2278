import Foundation

/// FlexSP's cost model of Ulysses sequence parallelism (Wang et al., ASPLOS'25, §4.1.2; coefficients as in
/// its released solver): a sequence of s tokens in a group of degree d takes
/// `(α1·s² + α2·s)/d + bytesPerToken·s/(d·bw(d))` (no communication when d = 1); a non-empty group adds β1;
/// a group holds at most `tokensPerGPU` tokens per GPU (Σ s/d).
public struct SequenceParallelCost: Sendable, Equatable {
    public var gpus: Int
    public var gpusPerNode: Int
    /// Seconds per token² (attention).
    public var alpha1: Double
    /// Seconds per token (everything linear in length).
    public var alpha2: Double
    /// Seconds per non-empty group per micro-batch.
    public var beta1: Double
    /// All-to-all bytes per token over forward and backward.
    public var bytesPerToken: Double
    /// All-to-all bandwidth by degree, bytes/s.
    public var bandwidth: [Int: Double]
    public var tokensPerGPU: Double
    /// Allowed degrees, ascending powers of two.
    public var degrees: [Int]

    public init(gpus: Int, gpusPerNode: Int, alpha1: Double, alpha2: Double, beta1: Double, bytesPerToken: Double,
                bandwidth: [Int: Double], tokensPerGPU: Double, degrees: [Int]? = nil) {
        self.gpus = gpus
        self.gpusPerNode = gpusPerNode
        self.alpha1 = alpha1
        self.alpha2 = alpha2
        self.beta1 = beta1
        self.bytesPerToken = bytesPerToken
        self.bandwidth = bandwidth
        self.tokensPerGPU = tokensPerGPU
        self.degrees = degrees ?? Self.powersOfTwo(upTo: gpus)
    }

    /// 1, 2, 4, … up to `limit`: SP group sizes here, and TP, CP and EP degrees for the layout search.
    static func powersOfTwo(upTo limit: Int) -> [Int] {
        var result: [Int] = []
        var degree = 1
        while degree <= limit {
            result.append(degree)
            degree *= 2
        }
        return result
    }

    /// Time of one sequence of `length` tokens in a group of `degree`, without the group's β1.
    @inline(__always)
    public func time(_ length: Double, degree: Int) -> Double {
        let compute = (alpha1 * length * length + alpha2 * length) / Double(degree)
        guard degree > 1, let bw = bandwidth[degree] else { return compute }
        return compute + bytesPerToken * length / (Double(degree) * bw)
    }

    /// `time(length, degree:)` in its two parts: the attention and linear-layer compute, and the Ulysses all-to-alls
    /// (FlexSP's model adds them; nothing overlaps). Their sum is `time` to the last bit.
    public func parts(_ length: Double, degree: Int) -> (compute: Double, communication: Double) {
        let compute = (alpha1 * length * length + alpha2 * length) / Double(degree)
        guard degree > 1, let bw = bandwidth[degree] else { return (compute, 0) }
        return (compute, bytesPerToken * length / (Double(degree) * bw))
    }

    /// Whether a sequence alone fits a group of `degree` by memory.
    public func fits(_ length: Double, degree: Int) -> Bool { length / Double(degree) <= tokensPerGPU }

    public func validate(source: String) throws(CostModelError) {
        try CostModelError.count(gpus, atMost: Limits.gpus, source, "gpus")
        try CostModelError.count(gpusPerNode, atMost: Limits.gpus, source, "gpusPerNode")
        try CostModelError.check(gpus & (gpus - 1) == 0, source, "gpus", gpus, "must be a power of two (aligned SP groups)")
        // Ceilings orders of magnitude above any measured profile keep every step time finite.
        for (field, value, ceiling) in [("alpha1", alpha1, 1.0), ("alpha2", alpha2, 1e3), ("beta1", beta1, 1e6),
                                        ("bytesPerToken", bytesPerToken, 1e12)] {
            try CostModelError.check(value.isFinite && value >= 0 && value <= ceiling, source, field, value, "must be a number from 0 to \(ceiling)")
        }
        try CostModelError.check(tokensPerGPU.isFinite && tokensPerGPU >= 1 && tokensPerGPU <= Double(Limits.tokens), source, "tokensPerGPU",
                                 tokensPerGPU, "must be a number of tokens from 1 to \(Limits.tokens)")
        try CostModelError.check(!degrees.isEmpty, source, "degrees", "[]", "needs at least one degree")
        for degree in degrees {
            try CostModelError.check(degree >= 1 && degree & (degree - 1) == 0 && degree <= gpus, source, "degrees", degree,
                                     "must be a power of two between 1 and gpus (\(gpus))")
            if degree > 1 {
                guard let bw = bandwidth[degree] else {
                    throw CostModelError(source: source, field: "bandwidth", value: "\(degree)", reason: "missing for allowed degree \(degree)")
                }
                try CostModelError.physical(bw, source, "bandwidth.\(degree)")
            }
        }
    }
}

extension SequenceParallelCost {
    /// A profile file (YAML or JSON): kind: sequence-parallel, gpus, gpusPerNode, alpha1 (s/token²), alpha2 (s/token),
    /// beta1 (s), bytesPerToken, bandwidth (degree → bytes/s), tokensPerGPU, degrees (optional).
    public static func load(data: Data, source: String) throws(CostModelError) -> SequenceParallelCost {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: ["kind", "gpus", "gpusPerNode", "alpha1", "alpha2", "beta1", "bytesPerToken", "bandwidth",
                                           "tokensPerGPU", "degrees"])
        if let kind = try fields.string("kind"), kind != "sequence-parallel" {
            throw fields.fail("kind", kind, "must be sequence-parallel")
        }
        guard let table = try fields.nested("bandwidth") else { throw fields.fail("bandwidth", nil, "missing") }
        var bandwidth: [Int: Double] = [:]
        for key in table.values.keys.sorted() {
            guard let degree = Int(key), degree >= 1 else { throw table.fail(key, nil, "degree must be a whole number ≥ 1") }
            bandwidth[degree] = try table.double(key)
        }
        let degrees = try fields.doubles("degrees")?.map { Int($0) }
        let cost = SequenceParallelCost(
            gpus: try fields.int("gpus"), gpusPerNode: try fields.int("gpusPerNode"), alpha1: try fields.double("alpha1"),
            alpha2: try fields.double("alpha2"), beta1: try fields.double("beta1"), bytesPerToken: try fields.double("bytesPerToken"),
            bandwidth: bandwidth, tokensPerGPU: try fields.double("tokensPerGPU"), degrees: degrees)
        try cost.validate(source: source)
        return cost
    }

    /// FlexSP's GPT-7B profile on 64 A100-40GB (its released solver's constants; bandwidths given there in MiB/ms).
    public static func flexSPGPT7B(gpus: Int = 64) -> SequenceParallelCost {
        let mibPerMs = 1_048_576_000.0
        let measured: [Int: Double] = [2: 119.54, 4: 104.07, 8: 96.5, 16: 10.33, 32: 5.94, 64: 4.87]
        return SequenceParallelCost(
            gpus: gpus, gpusPerNode: 8, alpha1: 5.128e-9, alpha2: 1.839576e-4, beta1: 0.6293563, bytesPerToken: 2_097_152,
            bandwidth: measured.filter { $0.key <= gpus }.mapValues { $0 * mibPerMs }, tokensPerGPU: 5992)
    }

    /// Derives the profile from a model and cluster (docs/sequence-parallel.md §Derived profile): α1 and α2 from
    /// training FLOPs at the cluster's achieved FLOP/s, β1 from ZeRO-3's per-micro-batch parameter gathers and
    /// gradient reduce-scatter, all-to-all bandwidth from the collective model for contiguous groups, and the
    /// token capacity from activation bytes per token against 70 % of HBM less sharded model states.
    public static func derive(model: TransformerModel, cluster: Cluster) throws(CostModelError) -> SequenceParallelCost {
        try model.validate(source: "--model")
        try cluster.validate(source: "--cluster")
        let gpus = cluster.gpuCount
        try CostModelError.check(gpus & (gpus - 1) == 0, "--cluster", "GPUs", gpus, "must be a power of two for aligned SP groups")
        let estimator = IterationEstimator(model: model, cluster: cluster)
        let reference = ParallelStrategy(globalBatch: 1, sequenceLength: 1)
        let flopsPerSecond = estimator.achievedFlopsPerSecond(reference)
        // Training FLOPs: 3 × forward, no recompute; attention's s² term and everything linear in s (sliding-window
        // layers' attention among it).
        let attention = model.attentionCoefficients, perToken = model.forwardFlops(sequenceLength: 1)
        let attentionPerToken2 = 3.0 * attention.perToken2
        let linearPerToken = 3.0 * (perToken.linear + perToken.outputHead + attention.perToken)
        let activationPerToken = model.activationBytesPerLayer(strategy: reference) * Double(model.layers)
        let memoryBoundPerToken = IterationEstimator.activationTrafficFactor * activationPerToken
            / (cluster.gpu.memoryBandwidth * cluster.efficiency.memory)
        let alpha1 = attentionPerToken2 / flopsPerSecond
        let alpha2 = linearPerToken / flopsPerSecond + memoryBoundPerToken
        // Ulysses: all-to-all of Q, K, V before attention and of the output after, forward and backward.
        let widths = model.attentionWidths
        let bytesPerToken = 2.0 * 2 * Double(model.layers) * (widths.query + widths.key + widths.value + widths.output)
        let collectives = CollectiveModel(cluster: cluster)
        // Ulysses splits the query heads over the group, so its degree must divide them (DeepSpeed-Ulysses and
        // FlexSP's head-parallel attention); the vision tower does not bound it, the LLM's heads do.
        let degrees = powersOfTwo(upTo: gpus).filter { model.heads % $0 == 0 }
        var bandwidth: [Int: Double] = [:]
        for degree in degrees where degree > 1 {
            let probe = 1e9
            let seconds = collectives.time(.allToAll, bytes: probe, group: .contiguous(count: degree, gpusPerNode: cluster.gpusPerNode)).seconds
            // Past the KV heads each rank still needs whole K and V heads: they are replicated, and the all-to-all
            // moves max(d, kv) heads of K and V instead of kv; the extra bytes are folded into the degree's rate.
            let replicated = model.mla == nil && degree > model.kvHeads
                ? (widths.query + widths.output + 2 * Double(degree * model.headDim)) / (widths.query + widths.key + widths.value + widths.output)
                : 1
            bandwidth[degree] = probe / seconds / replicated
        }
        let parameters = model.parameters.total
        let group = GroupPlacement.contiguous(count: gpus, gpusPerNode: cluster.gpusPerNode)
        let gather = collectives.time(.allGather, bytes: 2 * parameters / Double(gpus) * Double(gpus), group: group).seconds
        let reduce = collectives.time(.reduceScatter, bytes: 2 * parameters, group: group).seconds
        let beta1 = 2 * gather + reduce
        let states = 16 * parameters / Double(gpus)
        let usable = 0.7 * cluster.gpu.memoryBytes - states
        try CostModelError.check(usable > activationPerToken, "--model", "memory", String(format: "%.1f GiB of states per GPU", states / 1_073_741_824),
                                 "leaves no room for activations on \(cluster.gpu.name)")
        return SequenceParallelCost(gpus: gpus, gpusPerNode: cluster.gpusPerNode, alpha1: alpha1, alpha2: alpha2, beta1: beta1,
                                    bytesPerToken: bytesPerToken, bandwidth: bandwidth, tokensPerGPU: (usable / activationPerToken).rounded(.down),
                                    degrees: degrees)
    }
}
