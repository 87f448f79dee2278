/// The shares closest to equal among those that keep a placement's balance and locality (docs/expert-placement.md
/// §Even shares). The phase-1 and phase-2 flows stop at whichever optimal vertex they reach, which often gives one
/// replica most of an expert's tokens; on the next window's drifted loads such shares are less balanced than EPLB's
/// equal ones. Here every GPU keeps its load within `cap`, every (expert, node) pair keeps the tokens it served (so
/// inter-node tokens do not change), and the tokens a replica takes above its equal share w_e / c_e cost 1 each: a
/// minimum-cost flow, source → (e, n) (tokens served there) → replica (two arcs: up to the equal share at cost 0, the
/// rest at cost 1) → GPU (cap − fixed load) → sink.
enum EvenShares {
    /// Nil when the flow cannot route every token within the cap (round-off); the caller keeps its shares. Without
    /// `keepNodeTotals` (no origins, so no locality to keep) an expert's tokens may move between nodes.
    static func shares(
        _ placement: LayerPlacement, weights: [Double], topology: ExpertTopology, cap: Double,
        keepNodeTotals: Bool
    ) -> [[Double]]? {
        let gpus = placement.gpus
        var replicas = [Int](repeating: 0, count: weights.count)
        for slots in gpus { for e in slots { replicas[e] += 1 } }
        let nodes = keepNodeTotals ? topology.nodes : 1
        func node(of gpu: Int) -> Int { keepNodeTotals ? topology.node(of: gpu) : 0 }
        // Supply nodes: one per (expert, node) pair holding a replicated expert, numbered as they appear.
        var pairIndex = [Int](repeating: -1, count: weights.count * nodes)
        var served: [Double] = []
        for (g, slots) in gpus.enumerated() {
            for (s, e) in slots.enumerated() where replicas[e] > 1 {
                let key = e * nodes + node(of: g)
                if pairIndex[key] < 0 {
                    pairIndex[key] = served.count
                    served.append(0)
                }
                served[pairIndex[key]] += weights[e] * placement.shares[g][s]
            }
        }
        guard !served.isEmpty else { return placement.shares }
        let firstGPU = served.count
        let source = firstGPU + gpus.count
        let sink = source + 1
        var network = FlowNetwork(nodes: sink + 1, epsilon: max(weights.reduce(0, +), 1) * 1e-12)
        for (pair, amount) in served.enumerated() where amount > 0 {
            network.addArc(from: source, to: pair, capacity: amount)
        }
        var arcs: [[(even: Int, above: Int)?]] = []
        var fixed = [Double](repeating: 0, count: gpus.count)
        for (g, slots) in gpus.enumerated() {
            arcs.append(
                slots.map { e in
                    guard replicas[e] > 1 else {
                        fixed[g] += weights[e]
                        return nil
                    }
                    let pair = pairIndex[e * nodes + node(of: g)]
                    let equal = weights[e] / Double(replicas[e])
                    return (
                        network.addArc(from: pair, to: firstGPU + g, capacity: equal),
                        network.addArc(from: pair, to: firstGPU + g, capacity: weights[e], cost: 1)
                    )
                })
        }
        for g in gpus.indices {
            guard fixed[g] <= topology.capacity(cap, of: g) else { return nil }
            network.addArc(from: firstGPU + g, to: sink, capacity: topology.capacity(cap, of: g) - fixed[g])
        }
        let total = served.reduce(0, +)
        let sent = network.minCostFlow(from: source, to: sink, limit: total)
        guard sent >= total - max(total, 1) * 1e-9 else { return nil }
        return zip(gpus, arcs).map { slots, slotArcs in
            zip(slots, slotArcs).map { e, pair in
                guard let pair else { return 1 }
                return weights[e] > 0 ? (network.flow(pair.even) + network.flow(pair.above)) / weights[e] : 0
            }
        }
    }
}
