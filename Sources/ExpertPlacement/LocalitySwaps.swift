/// Swaps of two replicas (with their token shares) between GPUs on different nodes that serve more tokens on the node
/// they come from, while no GPU rises above the cap. Shares stay as they are, so the balance the LP reached is kept;
/// the phase-2 flow afterwards re-optimises the shares for locality.
enum LocalitySwaps {
    static func improve(
        _ placement: LayerPlacement, weights: [Double], origins: [[Double]], topology: ExpertTopology,
        cap: Double, maxPasses: Int = 2
    ) -> LayerPlacement {
        var search = ReplicaSwapSearch(placement, weights: weights, origins: origins, topology: topology, cap: cap)
        var changed = false
        for _ in 0..<maxPasses {
            guard search.pass() else { break }
            changed = true
        }
        let swapped = changed ? search.placement(placement) : placement
        return rigidSwaps(swapped, weights: weights, origins: origins, topology: topology, cap: cap)
    }

    /// Swaps of two single-replica experts between nodes that serve more of their tokens locally, where the fixed
    /// shares would break the cap: kept when the replicated experts' shares can be rerouted to keep every GPU within
    /// the cap (a live flow; only the shifted load is rerouted). The phase-2 flow then re-optimises the shares.
    static func rigidSwaps(
        _ placement: LayerPlacement, weights: [Double], origins: [[Double]], topology: ExpertTopology,
        cap: Double
    ) -> LayerPlacement {
        guard var flexible = FlexibleShares(gpus: placement.gpus, weights: weights, cap: cap) else { return placement }
        var result = placement
        var count = [Int](repeating: 0, count: weights.count)
        for slots in result.gpus { for e in slots { count[e] += 1 } }
        // Rigid experts whose busiest origin node is not theirs, most tokens to win first.
        var movable: [(gain: Double, gpu: Int, slot: Int, target: Int)] = []
        for (g, slots) in result.gpus.enumerated() {
            for (s, e) in slots.enumerated() where count[e] == 1 {
                let here = topology.node(of: g)
                guard let best = (0..<topology.nodes).max(by: { origins[$0][e] < origins[$1][e] }), best != here else {
                    continue
                }
                movable.append((origins[best][e] - origins[here][e], g, s, best))
            }
        }
        movable.sort { $0.gain != $1.gain ? $0.gain > $1.gain : ($0.gpu, $0.slot) < ($1.gpu, $1.slot) }
        var changed = false
        for move in movable {
            let a = result.gpus[move.gpu][move.slot]
            guard a == placement.gpus[move.gpu][move.slot] else { continue }
            // The partner: a rigid expert on the target node that loses least by moving to a's node.
            var partner: (gpu: Int, slot: Int, loss: Double)?
            let here = topology.node(of: move.gpu)
            for g in (move.target * topology.gpusPerNode)..<((move.target + 1) * topology.gpusPerNode)
            where !result.gpus[g].contains(a) {
                for (s, b) in result.gpus[g].enumerated() where count[b] == 1 && !result.gpus[move.gpu].contains(b) {
                    let loss = origins[move.target][b] - origins[here][b]
                    guard flexible.rigidLoad[g] - weights[b] + weights[a] <= cap || weights[a] <= weights[b] else {
                        continue
                    }
                    if partner.map({ loss < $0.loss }) ?? true { partner = (g, s, loss) }
                }
            }
            guard let swap = partner, swap.loss < move.gain else { continue }
            let b = result.gpus[swap.gpu][swap.slot]
            guard flexible.shiftRigidLoad(weights[a] - weights[b], from: move.gpu, to: swap.gpu) else { continue }
            result.gpus[move.gpu][move.slot] = b
            result.gpus[swap.gpu][swap.slot] = a
            changed = true
        }
        guard changed else { return placement }
        result.shares = flexible.shares(result.gpus, weights: weights)
        return result.normalised(weights)
    }
}
