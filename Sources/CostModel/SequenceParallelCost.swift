import Foundation

/// FlexSP's cost model of Ulysses sequence parallelism (Wang et al., ASPLOS'25, §4.1.2; coefficients as in
/// its released solver): a sequence of s tokens in a group of degree d takes
/// `(α1·s² + α2·s)/d + bytesPerToken·s/(d·bw(d))` (no communication when d = 1); a non-empty group adds β1;
/// a group holds at most `tokensPerGPU` tokens per GPU (Σ s/d). A degree may run ring attention or a Ulysses × ring
/// hybrid instead (`schemes`, docs/sequence-parallel.md §Attention schemes).
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
    /// The schemes with a ring each degree may run besides pure Ulysses (which a degree runs when `bandwidth` has it
    /// and it is within `maxUlyssesDegree`). Each group runs the one fastest for its sequences.
    public var schemes: [Int: [AttentionScheme]] = [:]
    /// Ring attention's point-to-point bytes per token: K and V forward, K, V and their gradients backward, all layers.
    public var ringBytesPerToken = 0.0
    /// The widest Ulysses block the model allows (its query heads), when known; wider degrees need a ring.
    public var maxUlyssesDegree: Int?
    /// Hidden communication still slows the computation it overlaps by this share (Galvatron's 1.13), as the
    /// estimator prices context parallelism's ring.
    public static let overlapSlowdown = 0.13

    public init(
        gpus: Int, gpusPerNode: Int, alpha1: Double, alpha2: Double, beta1: Double, bytesPerToken: Double,
        bandwidth: [Int: Double], tokensPerGPU: Double, degrees: [Int]? = nil
    ) {
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

    /// Time of one sequence of `length` tokens in a group of `degree`, without the group's β1: under the fastest
    /// scheme for it, what the packer and the bound use (a group's own scheme is chosen for all its sequences).
    public func time(_ length: Double, degree: Int) -> Double {
        let (compute, communication) = parts(length, degree: degree)
        return compute + communication
    }

    /// `time(length, degree:)` in its two parts: the attention and linear-layer compute, and the communication left
    /// exposed (FlexSP's model adds the Ulysses all-to-alls; nothing overlaps them). Their sum is `time`.
    public func parts(_ length: Double, degree: Int) -> (compute: Double, communication: Double) {
        let compute = (alpha1 * length * length + alpha2 * length) / Double(degree)
        guard degree > 1 else { return (compute, 0) }
        guard let rings = schemes[degree], !rings.isEmpty else {
            guard let bw = bandwidth[degree] else { return (compute, 0) }
            return (compute, bytesPerToken * length / (Double(degree) * bw))
        }
        // The fastest allowed scheme; a degree with rings always has one.
        return (
            compute,
            candidates(degree: degree).map { communication(length, degree: degree, scheme: $0) }.min() ?? .infinity
        )
    }

    /// Whether a sequence alone fits a group of `degree` by memory.
    public func fits(_ length: Double, degree: Int) -> Bool { length / Double(degree) <= tokensPerGPU }

    public func validate(source: String) throws(CostModelError) {
        try CostModelError.count(gpus, atMost: Limits.gpus, source, "gpus")
        try CostModelError.count(gpusPerNode, atMost: Limits.gpus, source, "gpusPerNode")
        try CostModelError.check(
            gpus & (gpus - 1) == 0, source, "gpus", gpus, "must be a power of two (aligned SP groups)")
        // Ceilings orders of magnitude above any measured profile keep every step time finite.
        for (field, value, ceiling) in [
            ("alpha1", alpha1, 1.0), ("alpha2", alpha2, 1e3), ("beta1", beta1, 1e6),
            ("bytesPerToken", bytesPerToken, 1e12),
        ] {
            try CostModelError.check(
                value.isFinite && value >= 0 && value <= ceiling, source, field, value,
                "must be a number from 0 to \(ceiling)")
        }
        try CostModelError.check(
            tokensPerGPU.isFinite && tokensPerGPU >= 1 && tokensPerGPU <= Double(Limits.tokens), source, "tokensPerGPU",
            tokensPerGPU, "must be a number of tokens from 1 to \(Limits.tokens)")
        try CostModelError.check(!degrees.isEmpty, source, "degrees", "[]", "needs at least one degree")
        if let maxUlyssesDegree {
            try CostModelError.check(
                maxUlyssesDegree >= 1 && maxUlyssesDegree <= Limits.gpus, source, "maxUlyssesDegree",
                maxUlyssesDegree, "must be a whole number from 1 to \(Limits.gpus)")
        }
        try CostModelError.check(
            ringBytesPerToken.isFinite && ringBytesPerToken >= 0 && ringBytesPerToken <= 1e12, source,
            "ringBytesPerToken", ringBytesPerToken, "must be a number from 0 to 1e12")
        for degree in schemes.keys where !degrees.contains(degree) {
            throw CostModelError(source: source, field: "schemes", value: "\(degree)", reason: "not an allowed degree")
        }
        for degree in degrees {
            try CostModelError.check(
                degree >= 1 && degree & (degree - 1) == 0 && degree <= gpus, source, "degrees", degree,
                "must be a power of two between 1 and gpus (\(gpus))")
            guard degree > 1 else { continue }
            try CostModelError.check(
                !candidates(degree: degree).isEmpty, source, "degrees", degree,
                "needs a Ulysses bandwidth within maxUlyssesDegree, or a ring scheme")
            if degree <= (maxUlyssesDegree ?? degree), schemes[degree]?.isEmpty ?? true, bandwidth[degree] == nil {
                throw CostModelError(
                    source: source, field: "bandwidth", value: "\(degree)",
                    reason: "missing for allowed degree \(degree)")
            }
            if let bw = bandwidth[degree] { try CostModelError.physical(bw, source, "bandwidth.\(degree)") }
            for (index, scheme) in (schemes[degree] ?? []).enumerated() {
                let u = scheme.ulysses
                let r = scheme.ring
                let field = "schemes.\(degree)[\(index)]"
                try CostModelError.check(
                    u >= 1 && r >= 2 && u & (u - 1) == 0 && r & (r - 1) == 0 && u * r == degree,
                    source, field, "ulysses \(u) × ring \(r)",
                    "must be powers of two whose product is the degree, with a ring of at least 2")
                if let maxUlyssesDegree, u > maxUlyssesDegree {
                    throw CostModelError(
                        source: source, field: field, value: "ulysses \(u)",
                        reason: "wider than maxUlyssesDegree \(maxUlyssesDegree)")
                }
                if u > 1, bandwidth[u] == nil {
                    throw CostModelError(
                        source: source, field: "bandwidth", value: "\(u)",
                        reason: "missing for Ulysses degree \(u) of \(field)")
                }
                try CostModelError.physical(scheme.ringBandwidth, source, field + ".ringBandwidth")
                try CostModelError.check(
                    scheme.ringStepLatency.isFinite && scheme.ringStepLatency >= 0 && scheme.ringStepLatency <= 1,
                    source, field + ".ringStepLatency", scheme.ringStepLatency,
                    "must be a number of seconds from 0 to 1")
                try CostModelError.check(
                    ringBytesPerToken > 0, source, "ringBytesPerToken", ringBytesPerToken,
                    "must be above 0 where a degree runs a ring")
            }
        }
    }
}

extension SequenceParallelCost {

    /// FlexSP's GPT-7B profile on 64 A100-40GB (its released solver's constants; bandwidths given there in MiB/ms).
    public static func flexSPGPT7B(gpus: Int = 64) -> SequenceParallelCost {
        let mibPerMs = 1_048_576_000.0
        let measured: [Int: Double] = [2: 119.54, 4: 104.07, 8: 96.5, 16: 10.33, 32: 5.94, 64: 4.87]
        return SequenceParallelCost(
            gpus: gpus, gpusPerNode: 8, alpha1: 5.128e-9, alpha2: 1.839576e-4, beta1: 0.6293563,
            bytesPerToken: 2_097_152,
            bandwidth: measured.filter { $0.key <= gpus }.mapValues { $0 * mibPerMs }, tokensPerGPU: 5992)
    }

    /// Derives the profile from a model and cluster (docs/sequence-parallel.md §Derived profile): α1 and α2 from
    /// training FLOPs at the cluster's achieved FLOP/s, β1 from ZeRO-3's per-micro-batch parameter gathers and
    /// gradient reduce-scatter, all-to-all bandwidth from the collective model for contiguous groups, and the
    /// token capacity from activation bytes per token against 70 % of HBM less sharded model states.
    public static func derive(model: TransformerModel, cluster: Cluster) throws(CostModelError) -> SequenceParallelCost
    {
        try model.validate(source: "--model")
        try cluster.validate(source: "--cluster")
        let gpus = cluster.gpuCount
        try CostModelError.check(
            gpus & (gpus - 1) == 0, "--cluster", "GPUs", gpus, "must be a power of two for aligned SP groups")
        let estimator = IterationEstimator(model: model, cluster: cluster)
        let reference = ParallelStrategy(globalBatch: 1, sequenceLength: 1)
        let flopsPerSecond = estimator.achievedFlopsPerSecond(reference)
        // Training FLOPs: 3 × forward, no recompute; attention's s² term and everything linear in s (sliding-window
        // layers' attention among it).
        let attention = model.attentionCoefficients
        let perToken = model.forwardFlops(sequenceLength: 1)
        let attentionPerToken2 = 3.0 * attention.perToken2
        let linearPerToken = 3.0 * (perToken.linear + perToken.outputHead + attention.perToken)
        let activationPerToken = model.activationBytesPerLayer(strategy: reference) * Double(model.layers)
        let memoryBoundPerToken =
            IterationEstimator.activationTrafficFactor * activationPerToken
            / (cluster.gpu.memoryBandwidth * cluster.efficiency.layerKernels)
        let alpha1 = attentionPerToken2 / flopsPerSecond
        let alpha2 = linearPerToken / flopsPerSecond + memoryBoundPerToken
        // Ulysses: all-to-all of Q, K, V before attention and of the output after, forward and backward.
        let widths = model.attentionWidths
        let bytesPerToken = 2.0 * 2 * Double(model.layers) * (widths.query + widths.key + widths.value + widths.output)
        let collectives = CollectiveModel(cluster: cluster)
        let states = 16 * model.parameters.total / Double(gpus)
        let usable = 0.7 * cluster.gpu.memoryBytes - states
        try CostModelError.check(
            usable > activationPerToken, "--model", "memory",
            String(format: "%.1f GiB of states per GPU", states / 1_073_741_824),
            "leaves no room for activations on \(cluster.gpu.name)")
        let capacity = (usable / activationPerToken).rounded(.down)
        // Ulysses splits the query heads over its ranks, so a Ulysses block must divide them (DeepSpeed-Ulysses and
        // FlexSP's head-parallel attention); ring attention splits the sequence instead and has no such limit.
        let ulyssesDegrees = powersOfTwo(upTo: gpus).filter { model.heads % $0 == 0 }
        var bandwidth: [Int: Double] = [:]
        for degree in ulyssesDegrees where degree > 1 {
            let probe = 1e9
            let seconds = collectives.time(
                .allToAll, bytes: probe, group: .contiguous(count: degree, gpusPerNode: cluster.gpusPerNode)
            ).seconds
            bandwidth[degree] = probe / seconds / kvReplication(model, ulysses: degree, widths: widths)
        }
        // Ring attention passes K and V once per step forward, and K, V and their gradients backward.
        let ringBytesPerToken = 2.0 * 3 * Double(model.layers) * (widths.key + widths.value)
        let schemes = ringSchemes(model: model, cluster: cluster, ulyssesDegrees: ulyssesDegrees)
        let degrees = powersOfTwo(upTo: gpus)
        let parameters = model.parameters.total
        let group = GroupPlacement.contiguous(count: gpus, gpusPerNode: cluster.gpusPerNode)
        let gather = collectives.time(.allGather, bytes: 2 * parameters / Double(gpus) * Double(gpus), group: group)
            .seconds
        let reduce = collectives.time(.reduceScatter, bytes: 2 * parameters, group: group).seconds
        let beta1 = 2 * gather + reduce
        var cost = SequenceParallelCost(
            gpus: gpus, gpusPerNode: cluster.gpusPerNode, alpha1: alpha1, alpha2: alpha2, beta1: beta1,
            bytesPerToken: bytesPerToken, bandwidth: bandwidth, tokensPerGPU: capacity, degrees: degrees)
        cost.schemes = schemes
        cost.ringBytesPerToken = ringBytesPerToken
        cost.maxUlyssesDegree = ulyssesDegrees.last
        return cost
    }

    /// Past the KV heads (GQA) each rank of a Ulysses block still needs a whole K and V head: the all-to-all moves
    /// max(d, kv) heads of K and V instead of kv, and the extra bytes are folded into the degree's rate.
    private static func kvReplication(
        _ model: TransformerModel, ulysses degree: Int,
        widths: (query: Double, key: Double, value: Double, output: Double)
    ) -> Double {
        guard model.mla == nil, degree > model.kvHeads else { return 1 }
        return (widths.query + widths.output + 2 * Double(degree * model.headDim))
            / (widths.query + widths.key + widths.value + widths.output)
    }
}
