/// Token shares by network flow (docs/expert-placement.md §Shares). Experts send their tokens to the GPUs holding
/// their replicas; a GPU takes at most the cap. Phase 1's feasibility question is a maximum flow; phase 2 (the most
/// tokens served on their own node within the cap) is a minimum-cost flow with cost −1 per local token, the same
/// optimum as the phase-2 LP (`ShareLP.localise`, which the tests compare it with) at a fraction of the time.
enum FlowShares {
    /// `shares[g][s]` with every expert's tokens fully routed and each GPU ≤ cap, or nil when the flow falls short.
    /// Single-replica experts are fixed load on their GPU; only replicated experts enter the network.
    /// With `speeds`, GPU g takes at most cap × speeds[g] tokens (the cap is in nominal-speed tokens).
    static func within(cap: Double, gpus: [[Int]], weights: [Double], speeds: [Double]? = nil) -> [[Double]]? {
        FlexibleShares(gpus: gpus, weights: weights, cap: cap, speeds: speeds)?.shares(gpus, weights: weights)
    }

    /// Phase 2: the shares serving the most tokens on the node they come from with no GPU above `cap`, or nil when
    /// no shares fit the cap. Single-replica experts keep share 1; only replicated experts enter the network.
    static func mostLocal(gpus: [[Int]], weights: [Double], origins: [[Double]], topology: ExpertTopology, cap: Double)
        -> [[Double]]?
    {
        var replicas = [Int](repeating: 0, count: weights.count)
        for slots in gpus { for e in slots { replicas[e] += 1 } }
        // Nodes: experts, then (expert, node) pairs as they appear, then GPUs, source, sink.
        let nodes = topology.nodes
        var pairIndex = [Int](repeating: -1, count: weights.count * nodes)
        var pairs: [(expert: Int, node: Int)] = []
        for (g, slots) in gpus.enumerated() {
            for e in slots where replicas[e] > 1 && pairIndex[e * nodes + topology.node(of: g)] < 0 {
                pairIndex[e * nodes + topology.node(of: g)] = pairs.count
                pairs.append((e, topology.node(of: g)))
            }
        }
        let experts = weights.count
        let firstGPU = experts + pairs.count
        let source = firstGPU + gpus.count
        let sink = source + 1
        let flexible = weights.indices.filter { replicas[$0] > 1 }.reduce(0.0) { $0 + weights[$1] }
        var network = FlowNetwork(nodes: sink + 1, epsilon: max(weights.reduce(0, +), 1) * 1e-12)
        for e in 0..<experts where replicas[e] > 1 && weights[e] > 0 {
            network.addArc(from: source, to: e, capacity: weights[e])
        }
        for (index, pair) in pairs.enumerated() {
            let (e, n) = pair
            let local = min(origins[n][e], weights[e])
            if local > 0 { network.addArc(from: e, to: experts + index, capacity: local, cost: -1) }
            network.addArc(from: e, to: experts + index, capacity: weights[e])
        }
        let rigidLoad = Self.rigidLoads(gpus, replicas: replicas, weights: weights)
        guard rigidLoad.indices.allSatisfy({ rigidLoad[$0] <= topology.capacity(cap, of: $0) }) else { return nil }
        var replicaArc: [[Int]] = []
        for (g, slots) in gpus.enumerated() {
            replicaArc.append(
                slots.map { e in
                    guard replicas[e] > 1 else { return -1 }
                    let pair = pairIndex[e * nodes + topology.node(of: g)]
                    return network.addArc(from: experts + pair, to: firstGPU + g, capacity: weights[e])
                })
            network.addArc(from: firstGPU + g, to: sink, capacity: topology.capacity(cap, of: g) - rigidLoad[g])
        }
        let sent = network.minCostFlow(from: source, to: sink, limit: flexible)
        guard sent >= flexible - max(flexible, 1) * 1e-9 else { return nil }
        return shares(gpus, replicaArc, network, weights)
    }

    /// Per GPU, the tokens of its single-replica experts (fixed: their share is 1).
    static func rigidLoads(_ gpus: [[Int]], replicas: [Int], weights: [Double]) -> [Double] {
        gpus.map { slots in slots.filter { replicas[$0] == 1 }.reduce(0.0) { $0 + weights[$1] } }
    }

    /// Share = flow on the replica's arc ÷ its expert's tokens; replicas without an arc (single replicas) get 1.
    static func shares(_ gpus: [[Int]], _ replicaArc: [[Int]], _ network: FlowNetwork, _ weights: [Double])
        -> [[Double]]
    {
        zip(gpus, replicaArc).map { slots, arcs in
            zip(slots, arcs).map { e, arc in
                guard arc >= 0 else { return 1 }
                return weights[e] > 0 ? network.flow(arc) / weights[e] : 0
            }
        }
    }
}

/// The replicated experts' shares of a placement as a live flow, so that moving single-replica experts between GPUs
/// (which shifts fixed load) is checked by rerouting only the difference instead of solving a new flow.
struct FlexibleShares {
    private var network: FlowNetwork
    private var gpuArc: [Int]
    private var replicaArc: [[Int]]
    private(set) var rigidLoad: [Double]
    let cap: Double
    /// GPU g takes at most cap × speeds[g] tokens; nil: cap.
    let speeds: [Double]?
    private let source: Int, sink: Int

    func capacity(_ gpu: Int) -> Double { cap * (speeds?[gpu] ?? 1) }

    /// Nil when no shares of the replicated experts fit the cap next to the single replicas' fixed loads.
    init?(gpus placement: [[Int]], weights: [Double], cap: Double, speeds: [Double]? = nil) {
        var replicas = [Int](repeating: 0, count: weights.count)
        for slots in placement { for e in slots { replicas[e] += 1 } }
        let experts = weights.count
        let gpus = placement.count
        source = experts + gpus
        sink = source + 1
        self.cap = cap
        self.speeds = speeds
        network = FlowNetwork(nodes: sink + 1, epsilon: max(weights.reduce(0, +), 1) * 1e-12)
        var flexible = 0.0
        for e in 0..<experts where replicas[e] > 1 && weights[e] > 0 {
            network.addArc(from: source, to: e, capacity: weights[e])
            flexible += weights[e]
        }
        rigidLoad = FlowShares.rigidLoads(placement, replicas: replicas, weights: weights)
        guard rigidLoad.enumerated().allSatisfy({ $0.element <= cap * (speeds?[$0.offset] ?? 1) }) else { return nil }
        replicaArc = []
        gpuArc = []
        for (g, slots) in placement.enumerated() {
            replicaArc.append(
                slots.map { e in replicas[e] > 1 ? network.addArc(from: e, to: experts + g, capacity: weights[e]) : -1 }
            )
            gpuArc.append(network.addArc(from: experts + g, to: sink, capacity: capacity(g) - rigidLoad[g]))
        }
        let sent = network.minCostFlow(from: source, to: sink, limit: flexible)
        guard sent >= flexible - max(flexible, 1) * 1e-9 else { return nil }
    }

    /// Moves `tokens` of fixed load from GPU `from` to GPU `to` (negative moves the other way); false, with nothing
    /// changed, when the replicated experts' shares cannot make room within the cap.
    mutating func shiftRigidLoad(_ tokens: Double, from: Int, to: Int) -> Bool {
        let (giver, taker, amount) = tokens >= 0 ? (from, to, tokens) : (to, from, -tokens)
        guard rigidLoad[taker] + amount <= capacity(taker) else { return false }
        // Room first, then the squeeze, so the rerouted flow can use the room.
        _ = network.setCapacity(
            gpuArc[giver], to: capacity(giver) - (rigidLoad[giver] - amount), source: source, sink: sink)
        guard
            network.setCapacity(
                gpuArc[taker], to: capacity(taker) - (rigidLoad[taker] + amount), source: source, sink: sink)
        else {
            _ = network.setCapacity(gpuArc[giver], to: capacity(giver) - rigidLoad[giver], source: source, sink: sink)
            return false
        }
        rigidLoad[giver] -= amount
        rigidLoad[taker] += amount
        return true
    }

    /// Shares for `gpus` (the placement with its single replicas moved): flows of the replicated experts, 1 otherwise.
    func shares(_ gpus: [[Int]], weights: [Double]) -> [[Double]] {
        FlowShares.shares(gpus, replicaArc, network, weights)
    }
}
