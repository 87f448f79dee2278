/// The GPUs of an expert-parallel group: `nodes` × `gpusPerNode`, each with `slotsPerGPU` expert slots.
public struct ExpertTopology: Sendable, Equatable {
    public var nodes: Int
    public var gpusPerNode: Int
    public var slotsPerGPU: Int
    /// Each GPU's speed relative to the cost's GPU (a cluster's `speedFactors`): a GPU of speed s runs its tokens in
    /// 1/s the nominal time, so loads are compared as tokens ÷ s. Nil: every GPU at 1.
    public var speeds: [Double]?

    public init(nodes: Int, gpusPerNode: Int, slotsPerGPU: Int, speeds: [Double]? = nil) {
        self.nodes = nodes
        self.gpusPerNode = gpusPerNode
        self.slotsPerGPU = slotsPerGPU
        self.speeds = speeds
    }

    func speed(of gpu: Int) -> Double { speeds?[gpu] ?? 1 }
    /// Tokens GPU `gpu` may take so that it finishes within `cap` nominal-speed tokens' time.
    func capacity(_ cap: Double, of gpu: Int) -> Double { cap * speed(of: gpu) }
    var totalSpeed: Double { speeds?.reduce(0, +) ?? Double(gpus) }
    var uniformSpeeds: Bool { speeds.map { speeds in speeds.allSatisfy { $0 == speeds[0] } } ?? true }

    public var gpus: Int { nodes * gpusPerNode }
    public var slots: Int { gpus * slotsPerGPU }
    func node(of gpu: Int) -> Int { gpu / gpusPerNode }
}

/// One layer's placement: the experts in each GPU's slots and each replica's share of its expert's tokens.
struct LayerPlacement: Sendable, Equatable {
    var gpus: [[Int]]
    var shares: [[Double]]

    /// Equal shares, as EPLB assumes.
    static func equalShares(_ gpus: [[Int]], experts: Int) -> LayerPlacement {
        var count = [Int](repeating: 0, count: experts)
        for slots in gpus { for e in slots { count[e] += 1 } }
        return LayerPlacement(gpus: gpus, shares: gpus.map { $0.map { 1 / Double(count[$0]) } })
    }

    /// Shares summing exactly to 1 per expert (solver round-off removed); an expert with no tokens splits evenly,
    /// since any split is optimal for it.
    func normalised(_ weights: [Double]) -> LayerPlacement {
        var total = [Double](repeating: 0, count: weights.count)
        var count = [Int](repeating: 0, count: weights.count)
        for (slots, shares) in zip(gpus, shares) {
            for (e, x) in zip(slots, shares) {
                total[e] += x
                count[e] += 1
            }
        }
        var result = self
        for g in result.gpus.indices {
            for (s, e) in result.gpus[g].enumerated() {
                result.shares[g][s] =
                    weights[e] > 0 && total[e] > 0 ? min(1, result.shares[g][s] / total[e]) : 1 / Double(count[e])
            }
        }
        return result
    }

    func loads(_ weights: [Double]) -> [Double] {
        zip(gpus, shares).map { slots, shares in zip(slots, shares).reduce(0) { $0 + weights[$1.0] * $1.1 } }
    }

    /// Each GPU's tokens at its speed, in nominal-speed tokens
    /// (the time the slowest GPU takes, over seconds per token).
    func times(_ weights: [Double], _ topology: ExpertTopology) -> [Double] {
        guard topology.speeds != nil else { return loads(weights) }
        return loads(weights).enumerated().map { $0.element / topology.speed(of: $0.offset) }
    }

    /// Tokens that cross nodes when every source node first fills the replicas on its own node, up to their shares
    /// (the optimal dispatch for these shares: a transportation problem with cost 1 off-node).
    func interNodeTokens(_ weights: [Double], origins: [[Double]], topology: ExpertTopology) -> Double {
        var served = [[Double]](repeating: [Double](repeating: 0, count: weights.count), count: topology.nodes)
        for (g, slots) in gpus.enumerated() {
            for (s, e) in slots.enumerated() { served[topology.node(of: g)][e] += weights[e] * shares[g][s] }
        }
        var local = 0.0
        for n in 0..<topology.nodes { for e in weights.indices { local += min(origins[n][e], served[n][e]) } }
        return max(0, weights.reduce(0, +) - local)
    }
}

/// Layer figures a candidate is ranked by.
struct LayerScore: Sendable, Equatable {
    var maxLoad: Double
    var meanLoad: Double
    var interNodeTokens: Double?

    init(_ placement: LayerPlacement, weights: [Double], origins: [[Double]]?, topology: ExpertTopology) {
        maxLoad = placement.times(weights, topology).max() ?? 0
        meanLoad = weights.reduce(0, +) / topology.totalSpeed
        interNodeTokens = origins.map { placement.interNodeTokens(weights, origins: $0, topology: topology) }
    }
}
