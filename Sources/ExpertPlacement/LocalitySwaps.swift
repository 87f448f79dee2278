/// Swaps of two replicas (with their token shares) between GPUs on different nodes that serve more tokens on the node
/// they come from, while no GPU rises above the cap. Shares stay as they are, so the balance the LP reached is kept;
/// the phase-2 LP afterwards re-optimises the shares for locality.
enum LocalitySwaps {
    static func improve(_ placement: LayerPlacement, weights: [Double], origins: [[Double]], topology: ExpertTopology,
                        cap: Double, maxPasses: Int = 8) -> LayerPlacement {
        var result = placement
        var load = result.loads(weights)
        var served = [[Double]](repeating: [Double](repeating: 0, count: weights.count), count: topology.nodes)
        var held = [Bool](repeating: false, count: weights.count * topology.gpus)
        for (g, slots) in result.gpus.enumerated() {
            for (s, e) in slots.enumerated() {
                served[topology.node(of: g)][e] += weights[e] * result.shares[g][s]
                held[e * topology.gpus + g] = true
            }
        }
        let threshold = max(weights.reduce(0, +), 1) * 1e-9
        // Change in tokens served locally for expert e when `tokens` of it move from node `from` to node `to`.
        func gain(_ e: Int, _ tokens: Double, from: Int, to: Int) -> Double {
            let before = min(origins[from][e], served[from][e]) + min(origins[to][e], served[to][e])
            let after = min(origins[from][e], served[from][e] - tokens) + min(origins[to][e], served[to][e] + tokens)
            return after - before
        }
        for _ in 0..<maxPasses {
            var improved = false
            for g1 in result.gpus.indices {
                let n1 = topology.node(of: g1)
                for s1 in result.gpus[g1].indices {
                    let a = result.gpus[g1][s1]
                    let ta = weights[a] * result.shares[g1][s1]
                    guard ta > 0, served[n1][a] > origins[n1][a] else { continue }
                    var best: (g2: Int, s2: Int, gain: Double)?
                    for n2 in 0..<topology.nodes where n2 != n1 && origins[n2][a] > served[n2][a] {
                        for g2 in (n2 * topology.gpusPerNode)..<((n2 + 1) * topology.gpusPerNode) where !held[a * topology.gpus + g2] {
                            for s2 in result.gpus[g2].indices {
                                let b = result.gpus[g2][s2]
                                guard !held[b * topology.gpus + g1] else { continue }
                                let tb = weights[b] * result.shares[g2][s2]
                                // A GPU may stay where it is even if the cap is below it (the cap only binds rises).
                                guard load[g1] - ta + tb <= max(cap, load[g1]) || tb <= ta,
                                      load[g2] - tb + ta <= max(cap, load[g2]) || ta <= tb else { continue }
                                let total = gain(a, ta, from: n1, to: n2) + gain(b, tb, from: n2, to: n1)
                                if total > threshold, best.map({ total > $0.gain }) ?? true { best = (g2, s2, total) }
                            }
                        }
                    }
                    guard let swap = best else { continue }
                    let (g2, s2) = (swap.g2, swap.s2)
                    let b = result.gpus[g2][s2]
                    let (xa, xb) = (result.shares[g1][s1], result.shares[g2][s2])
                    let tb = weights[b] * xb
                    let n2 = topology.node(of: g2)
                    served[n1][a] -= ta; served[n2][a] += ta
                    served[n2][b] -= tb; served[n1][b] += tb
                    load[g1] += tb - ta; load[g2] += ta - tb
                    held[a * topology.gpus + g1] = false; held[a * topology.gpus + g2] = true
                    held[b * topology.gpus + g2] = false; held[b * topology.gpus + g1] = true
                    result.gpus[g1][s1] = b; result.shares[g1][s1] = xb
                    result.gpus[g2][s2] = a; result.shares[g2][s2] = xa
                    improved = true
                }
            }
            if !improved { break }
        }
        return rigidSwaps(result, weights: weights, origins: origins, topology: topology, cap: cap)
    }

    /// Attempts at swaps that only a re-balance of the replicated experts' shares can absorb.
    static let flowAttempts = 32

    /// Swaps of two single-replica experts between nodes that serve more of their tokens locally, where the fixed
    /// shares would break the cap: accepted when the max-flow finds shares within the cap again and the layer's
    /// inter-node tokens fall (the phase-2 LP then re-optimises the shares).
    static func rigidSwaps(_ placement: LayerPlacement, weights: [Double], origins: [[Double]], topology: ExpertTopology,
                           cap: Double) -> LayerPlacement {
        var result = placement
        var count = [Int](repeating: 0, count: weights.count)
        for slots in result.gpus { for e in slots { count[e] += 1 } }
        var inter = result.interNodeTokens(weights, origins: origins, topology: topology)
        // Rigid experts whose busiest origin node is not theirs, most tokens to win first.
        var movable: [(gain: Double, gpu: Int, slot: Int, target: Int)] = []
        for (g, slots) in result.gpus.enumerated() {
            for (s, e) in slots.enumerated() where count[e] == 1 {
                let here = topology.node(of: g)
                guard let best = (0..<topology.nodes).max(by: { origins[$0][e] < origins[$1][e] }), best != here else { continue }
                movable.append((origins[best][e] - origins[here][e], g, s, best))
            }
        }
        movable.sort { $0.gain != $1.gain ? $0.gain > $1.gain : ($0.gpu, $0.slot) < ($1.gpu, $1.slot) }
        var attempts = 0
        for move in movable where attempts < flowAttempts {
            let a = result.gpus[move.gpu][move.slot]
            guard a == placement.gpus[move.gpu][move.slot] else { continue }
            // The partner: a rigid expert on the target node that loses least by moving to a's node.
            var partner: (gpu: Int, slot: Int, loss: Double)?
            let here = topology.node(of: move.gpu)
            for g in (move.target * topology.gpusPerNode)..<((move.target + 1) * topology.gpusPerNode) where !result.gpus[g].contains(a) {
                for (s, b) in result.gpus[g].enumerated() where count[b] == 1 && !result.gpus[move.gpu].contains(b) {
                    let loss = origins[move.target][b] - origins[here][b]
                    if partner.map({ loss < $0.loss }) ?? true { partner = (g, s, loss) }
                }
            }
            guard let swap = partner, swap.loss < move.gain else { continue }
            attempts += 1
            var trial = result
            let b = trial.gpus[swap.gpu][swap.slot]
            trial.gpus[move.gpu][move.slot] = b
            trial.gpus[swap.gpu][swap.slot] = a
            guard let shares = FlowShares.within(cap: cap, gpus: trial.gpus, weights: weights) else { continue }
            trial.shares = shares
            trial = trial.normalised(weights)
            let trialInter = trial.interNodeTokens(weights, origins: origins, topology: topology)
            if trialInter < inter { result = trial; inter = trialInter }
        }
        return result
    }
}
