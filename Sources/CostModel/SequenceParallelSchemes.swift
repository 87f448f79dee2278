import Foundation

/// Ring attention and Ulysses × ring hybrids in the sequence-parallel cost (docs/sequence-parallel.md §Attention
/// schemes): which schemes a degree may run, each one's time, and the one a group runs for its sequences.
extension SequenceParallelCost {
    /// How a group of some degree runs attention: Ulysses all-to-all over `ulysses` ranks (whole heads per rank),
    /// times ring attention over `ring` such blocks (K/V passed around, overlapped with block attention), as USP
    /// (Fang and Zhao, 2024) composes them. Pure Ulysses is `ring` 1; pure ring, `ulysses` 1.
    public struct AttentionScheme: Sendable, Equatable, Codable {
        public var ulysses: Int
        public var ring: Int
        /// Point-to-point bandwidth between ring neighbours (blocks `ulysses` ranks apart), bytes/s; 0 without a ring.
        public var ringBandwidth: Double
        /// Fixed seconds of one ring step over all layers (the transfers' latency, forward and backward).
        public var ringStepLatency: Double

        public init(ulysses: Int, ring: Int, ringBandwidth: Double = 0, ringStepLatency: Double = 0) {
            self.ulysses = ulysses
            self.ring = ring
            self.ringBandwidth = ringBandwidth
            self.ringStepLatency = ringStepLatency
        }
    }

    /// The schemes a group of `degree` may run: pure Ulysses first where the heads and profile allow it, then the
    /// rings.
    public func candidates(degree: Int) -> [AttentionScheme] {
        let pure = AttentionScheme(ulysses: degree, ring: 1)
        let ulyssesAllowed = degree == 1 || bandwidth[degree] != nil && degree <= (maxUlyssesDegree ?? degree)
        return (ulyssesAllowed ? [pure] : []) + (schemes[degree] ?? [])
    }

    /// The scheme a group of `degree` runs for these sequences: the least total time, the first candidate on ties.
    public func bestScheme(degree: Int, lengths: [Double]) -> AttentionScheme {
        let options = candidates(degree: degree)
        guard options.count > 1 else { return options.first ?? AttentionScheme(ulysses: degree, ring: 1) }
        var best = options[0]
        var bestSeconds = lengths.reduce(0) { $0 + time($1, degree: degree, scheme: options[0]) }
        for option in options.dropFirst() {
            let seconds = lengths.reduce(0) { $0 + time($1, degree: degree, scheme: option) }
            if seconds < bestSeconds { (best, bestSeconds) = (option, seconds) }
        }
        return best
    }

    /// The allowed scheme a plan's group states (`ulysses` and `ring`, both absent for pure Ulysses), or why it is
    /// not one this profile runs for its degree.
    public func scheme(degree: Int, ulysses: Int?, ring: Int?) -> Result<AttentionScheme, SchemeMismatch> {
        let u = ulysses ?? degree
        let r = ring ?? 1
        if let match = candidates(degree: degree).first(where: { $0.ulysses == u && $0.ring == r }) {
            return .success(match)
        }
        let allowed = candidates(degree: degree).map { "Ulysses \($0.ulysses) × ring \($0.ring)" }.joined(
            separator: ", ")
        return .failure(
            SchemeMismatch(
                message: "the plan's group of degree \(degree) runs Ulysses \(u) × ring \(r), which this "
                    + "profile does not run (it allows \(allowed.isEmpty ? "none" : allowed); planned with another profile?)"
            ))
    }

    public struct SchemeMismatch: Error, Sendable { public let message: String }

    /// Time of one sequence under a given scheme.
    public func time(_ length: Double, degree: Int, scheme: AttentionScheme) -> Double {
        let parts = parts(length, degree: degree, scheme: scheme)
        return parts.compute + parts.communication
    }

    public func parts(_ length: Double, degree: Int, scheme: AttentionScheme) -> (
        compute: Double, communication: Double
    ) {
        let compute = (alpha1 * length * length + alpha2 * length) / Double(degree)
        guard degree > 1 else { return (compute, 0) }
        guard scheme.ring > 1 || schemes[degree]?.isEmpty == false else {
            guard let bw = bandwidth[degree] else { return (compute, 0) }
            return (compute, bytesPerToken * length / (Double(degree) * bw))
        }
        return (compute, communication(length, degree: degree, scheme: scheme))
    }

    /// The Ulysses all-to-alls among `ulysses` ranks on each rank's s/d tokens, plus the ring's r − 1 steps, each
    /// passing a K/V block of s/d tokens while the rank computes one block pair of attention (α1·s²/(d·r): causal load
    /// balancing, as Megatron's context parallelism orders the blocks, evens them out). What the attention does not
    /// hide is exposed, and the hidden part slows the attention by `overlapSlowdown`.
    func communication(_ length: Double, degree: Int, scheme: AttentionScheme) -> Double {
        let perRank = length / Double(degree)
        var seconds = 0.0
        if scheme.ulysses > 1, let bw = bandwidth[scheme.ulysses] { seconds += bytesPerToken * perRank / bw }
        if scheme.ring > 1, scheme.ringBandwidth > 0 {
            let step = scheme.ringStepLatency + ringBytesPerToken * perRank / scheme.ringBandwidth
            let attention = alpha1 * length * perRank / Double(scheme.ring)
            seconds +=
                Double(scheme.ring - 1) * (max(0, step - attention) + Self.overlapSlowdown * min(step, attention))
        }
        return seconds
    }

    /// A derived profile's rings: for every degree, Ulysses over u adjacent ranks inside each block (u = 1 or a
    /// Ulysses degree below d) and a ring over the d/u blocks (stride u), priced by the collective model's
    /// point-to-point rate and latency between ranks u apart. Every split is offered; each group takes the fastest.
    static func ringSchemes(model: TransformerModel, cluster: Cluster, ulyssesDegrees: [Int]) -> [Int:
        [AttentionScheme]]
    {
        let collectives = CollectiveModel(cluster: cluster)
        var schemes: [Int: [AttentionScheme]] = [:]
        for degree in powersOfTwo(upTo: cluster.gpuCount) where degree > 1 {
            for u in [1] + ulyssesDegrees.filter({ $0 > 1 && $0 < degree }) {
                let r = degree / u
                let probe = 1e9
                let ring = GroupPlacement.strided(count: r, stride: u, gpusPerNode: cluster.gpusPerNode)
                let seconds = collectives.time(.pointToPoint, bytes: probe, group: ring).seconds
                // One transfer per layer forward and two backward (K and V; then K, V and their gradients).
                let latency = 3 * Double(model.layers) * collectives.time(.pointToPoint, bytes: 0, group: ring).seconds
                // Past the KV heads a Ulysses block's ranks each hold a replicated K/V head, which the ring passes too.
                let replicated = u > model.kvHeads && model.mla == nil ? Double(u) / Double(model.kvHeads) : 1
                schemes[degree, default: []].append(
                    AttentionScheme(
                        ulysses: u, ring: r, ringBandwidth: probe / seconds / replicated,
                        ringStepLatency: latency))
            }
        }
        return schemes
    }
}
