/// The dispatch `interNodeTokens` assumes, as data a runtime can follow: for each source node and expert, the
/// fraction of that node's tokens for the expert sent to each of its replicas.
///
/// Per expert e with replica capacities c_r = w_e · share_r and node capacities C_n = Σ_{r on n} c_r, node n keeps
/// l_n = min(o_n, C_n) of its o_n tokens on its own replicas (in proportion to their capacities) and sends the rest,
/// x_n = o_n − l_n, to the other nodes' spare capacity R_m = C_m − l_m, in proportion to it (and within node m to its
/// replicas' capacities). Every replica then receives exactly c_r, and exactly Σ_n x_n = w_e − Σ_n l_n tokens cross
/// nodes: the least any dispatch can send for these shares (docs/expert-placement.md §Dispatch).
extension LayerPlacement {
    /// `[node][expert]`: (replica index, fraction) pairs with fraction > 0, replicas numbered in the order they appear
    /// scanning GPUs and their slots. A node with no tokens for an expert splits by the shares.
    func dispatch(_ weights: [Double], origins: [[Double]], topology: ExpertTopology) -> [[[ReplicaFraction]]] {
        var replicas = [[(node: Int, capacity: Double)]](repeating: [], count: weights.count)
        for (g, slots) in gpus.enumerated() {
            for (s, e) in slots.enumerated() { replicas[e].append((topology.node(of: g), weights[e] * shares[g][s])) }
        }
        var result = [[[ReplicaFraction]]](
            repeating: [[ReplicaFraction]](repeating: [], count: weights.count), count: topology.nodes)
        for e in weights.indices {
            let list = replicas[e]
            var capacity = [Double](repeating: 0, count: topology.nodes)
            for replica in list { capacity[replica.node] += replica.capacity }
            // Differences below a relative 1e-9 are rounding (origins are scaled to the loads): a node whose own
            // replicas hold its tokens up to that keeps them all, rather than sending 1e-16 of them elsewhere.
            let local = (0..<topology.nodes).map { n -> Double in
                let own = min(origins[n][e], capacity[n])
                return origins[n][e] - own <= 1e-9 * max(1, origins[n][e]) ? origins[n][e] : own
            }
            let spare = (0..<topology.nodes).map { n -> Double in
                let left = capacity[n] - local[n]
                return left <= 1e-9 * max(1, capacity[n]) ? 0 : left
            }
            let totalSpare = spare.reduce(0, +)
            for n in 0..<topology.nodes {
                let tokens = origins[n][e]
                guard tokens > 0 else {
                    result[n][e] = Self.byShares(list.map(\.capacity))
                    continue
                }
                let excess = max(0, tokens - local[n])
                var fractions: [ReplicaFraction] = []
                for (index, replica) in list.enumerated() where replica.capacity > 0 {
                    let nodeCapacity = capacity[replica.node]
                    let amount =
                        replica.node == n
                        ? (nodeCapacity > 0 ? local[n] * replica.capacity / nodeCapacity : 0)
                        : (totalSpare > 0
                            ? excess * spare[replica.node] / totalSpare * replica.capacity / nodeCapacity : 0)
                    if amount > 0 { fractions.append(ReplicaFraction(replica: index, fraction: amount / tokens)) }
                }
                result[n][e] = fractions.isEmpty ? Self.byShares(list.map(\.capacity)) : fractions
            }
        }
        return result
    }

    /// The shares themselves (evenly when the expert has no tokens at all).
    private static func byShares(_ capacities: [Double]) -> [ReplicaFraction] {
        let total = capacities.reduce(0, +)
        return capacities.enumerated().compactMap { index, capacity in
            if total > 0 { return capacity > 0 ? ReplicaFraction(replica: index, fraction: capacity / total) : nil }
            return ReplicaFraction(replica: index, fraction: 1 / Double(capacities.count))
        }
    }
}

/// One replica's part of a source node's tokens for an expert.
struct ReplicaFraction: Sendable, Equatable {
    var replica: Int
    var fraction: Double
}
