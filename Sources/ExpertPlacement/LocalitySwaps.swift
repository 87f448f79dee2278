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
        return result
    }
}
