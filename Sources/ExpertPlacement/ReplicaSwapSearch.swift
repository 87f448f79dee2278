/// The state of the replica-swap search (`LocalitySwaps.improve`) in flat arrays, as a struct so its hot loop reads
/// stored arrays directly (nested functions capturing mutable locals would box them).
struct ReplicaSwapSearch {
    let weights: [Double]
    let origin: [Double]
    let topology: ExpertTopology
    let cap: Double
    let experts: Int
    var start: [Int] = [0]
    var expert: [Int] = []
    var share: [Double] = []
    var slotNode: [Int] = []
    var load: [Double]
    var served: [Double]
    var held: [Bool]
    /// What moving a slot's tokens to each node gains; a swap changes it only for the two experts swapped.
    var moveGain: [Double]
    let threshold: Double

    init(_ placement: LayerPlacement, weights: [Double], origins: [[Double]], topology: ExpertTopology, cap: Double) {
        self.weights = weights
        self.topology = topology
        self.cap = cap
        experts = weights.count
        origin = origins.flatMap { $0 }
        for (g, (slots, shares)) in zip(placement.gpus, placement.shares).enumerated() {
            expert += slots
            share += shares
            slotNode += slots.map { _ in topology.node(of: g) }
            start.append(expert.count)
        }
        load = placement.loads(weights)
        served = [Double](repeating: 0, count: topology.nodes * weights.count)
        held = [Bool](repeating: false, count: weights.count * topology.gpus)
        for g in 0..<topology.gpus {
            for slot in start[g]..<start[g + 1] {
                served[slotNode[slot] * experts + expert[slot]] += weights[expert[slot]] * share[slot]
                held[expert[slot] * topology.gpus + g] = true
            }
        }
        threshold = max(weights.reduce(0, +), 1) * 1e-9
        moveGain = [Double](repeating: 0, count: expert.count * topology.nodes)
        for slot in expert.indices { refreshMoveGain(slot) }
    }

    /// Change in tokens served locally for expert e when `tokens` of it move from node `from` to node `to`.
    func gain(_ e: Int, _ tokens: Double, from: Int, to: Int) -> Double {
        let (i, j) = (from * experts + e, to * experts + e)
        let before = min(origin[i], served[i]) + min(origin[j], served[j])
        let after = min(origin[i], served[i] - tokens) + min(origin[j], served[j] + tokens)
        return after - before
    }

    mutating func refreshMoveGain(_ slot: Int) {
        let tokens = weights[expert[slot]] * share[slot]
        for target in 0..<topology.nodes where target != slotNode[slot] {
            moveGain[slot * topology.nodes + target] = gain(expert[slot], tokens, from: slotNode[slot], to: target)
        }
    }

    /// One pass over every slot: each over-served replica swaps with the best partner on a node that lacks its tokens.
    mutating func pass() -> Bool {
        let gpus = topology.gpus
        var improved = false
        for g1 in 0..<gpus {
            let n1 = topology.node(of: g1)
            for s1 in start[g1]..<start[g1 + 1] {
                let a = expert[s1]
                let ta = weights[a] * share[s1]
                guard ta > 0, served[n1 * experts + a] > origin[n1 * experts + a] else { continue }
                var bestSlot = -1, bestGPU = -1, bestGain = threshold
                for n2 in 0..<topology.nodes where n2 != n1 && origin[n2 * experts + a] > served[n2 * experts + a] {
                    let gainA = moveGain[s1 * topology.nodes + n2]
                    for g2 in (n2 * topology.gpusPerNode)..<((n2 + 1) * topology.gpusPerNode) where !held[a * gpus + g2] {
                        for s2 in start[g2]..<start[g2 + 1] {
                            let total = gainA + moveGain[s2 * topology.nodes + n1]
                            guard total > bestGain, !held[expert[s2] * gpus + g1] else { continue }
                            let tb = weights[expert[s2]] * share[s2]
                            // A GPU may stay where it is even if the cap is below it (the cap only binds rises).
                            guard load[g1] - ta + tb <= max(cap, load[g1]) || tb <= ta,
                                  load[g2] - tb + ta <= max(cap, load[g2]) || ta <= tb else { continue }
                            (bestSlot, bestGPU, bestGain) = (s2, g2, total)
                        }
                    }
                }
                guard bestSlot >= 0 else { continue }
                swap(s1, on: g1, with: bestSlot, on: bestGPU)
                improved = true
            }
        }
        return improved
    }

    private mutating func swap(_ s1: Int, on g1: Int, with s2: Int, on g2: Int) {
        let (a, b) = (expert[s1], expert[s2])
        let (ta, tb) = (weights[a] * share[s1], weights[b] * share[s2])
        let (n1, n2) = (slotNode[s1], slotNode[s2])
        let gpus = topology.gpus
        served[n1 * experts + a] -= ta; served[n2 * experts + a] += ta
        served[n2 * experts + b] -= tb; served[n1 * experts + b] += tb
        load[g1] += tb - ta; load[g2] += ta - tb
        held[a * gpus + g1] = false; held[a * gpus + g2] = true
        held[b * gpus + g2] = false; held[b * gpus + g1] = true
        expert.swapAt(s1, s2)
        share.swapAt(s1, s2)
        for slot in expert.indices where expert[slot] == a || expert[slot] == b { refreshMoveGain(slot) }
    }

    func placement(_ original: LayerPlacement) -> LayerPlacement {
        var result = original
        for g in 0..<topology.gpus {
            result.gpus[g] = Array(expert[start[g]..<start[g + 1]])
            result.shares[g] = Array(share[start[g]..<start[g + 1]])
        }
        return result
    }
}
