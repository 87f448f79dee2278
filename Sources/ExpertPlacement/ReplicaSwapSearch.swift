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
    /// Per GPU and target node, at least the largest `moveGain` of its slots (exact at the start of a pass, raised
    /// by every refresh), so a scan skips GPUs that cannot beat the best swap found.
    var gpuGainBound: [Double]
    var slotGPU: [Int] = []
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
            slotGPU += slots.map { _ in g }
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
        gpuGainBound = [Double](repeating: -.infinity, count: topology.gpus * topology.nodes)
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
            let value = gain(expert[slot], tokens, from: slotNode[slot], to: target)
            moveGain[slot * topology.nodes + target] = value
            raiseGainBound(slot, target)
        }
    }

    private mutating func raiseGainBound(_ slot: Int, _ target: Int) {
        let bound = slotGPU[slot] * topology.nodes + target
        gpuGainBound[bound] = max(gpuGainBound[bound], moveGain[slot * topology.nodes + target])
    }

    /// One pass over every slot: each over-served replica swaps with the best partner on a node that lacks its tokens.
    mutating func pass() -> Bool {
        tightenGainBounds()
        var improved = false
        for g1 in 0..<topology.gpus {
            let n1 = topology.node(of: g1)
            for s1 in start[g1]..<start[g1 + 1] {
                let a = expert[s1]
                guard weights[a] * share[s1] > 0, served[n1 * experts + a] > origin[n1 * experts + a],
                    let partner = bestPartner(of: s1, on: g1)
                else { continue }
                swap(s1, on: g1, with: partner.slot, on: partner.gpu)
                improved = true
            }
        }
        return improved
    }

    /// The swap partner for slot `s1` (on GPU `g1`) that serves the most more tokens locally, within the cap. The
    /// scan covers every slot on every node short of s1's expert, so it reads the arrays through unchecked views.
    private func bestPartner(of s1: Int, on g1: Int) -> (slot: Int, gpu: Int)? {
        let (gpus, nodes, perNode) = (topology.gpus, topology.nodes, topology.gpusPerNode)
        let n1 = topology.node(of: g1)
        let a = expert[s1]
        let ta = weights[a] * share[s1]
        let (cap, threshold, load1) = (cap, threshold, load[g1])
        var bestSlot = -1
        var bestGPU = -1
        var bestGain = threshold
        moveGain.withUnsafeBufferPointer { moveGain in
            held.withUnsafeBufferPointer { held in
                expert.withUnsafeBufferPointer { expert in
                    share.withUnsafeBufferPointer { share in
                        weights.withUnsafeBufferPointer { weights in
                            for n2 in 0..<nodes where n2 != n1 && origin[n2 * experts + a] > served[n2 * experts + a] {
                                let gainA = moveGain[s1 * nodes + n2]
                                for g2 in (n2 * perNode)..<((n2 + 1) * perNode)
                                where !held[a * gpus + g2] && gainA + gpuGainBound[g2 * nodes + n1] > bestGain {
                                    let load2 = load[g2]
                                    for s2 in start[g2]..<start[g2 + 1] {
                                        let total = gainA + moveGain[s2 * nodes + n1]
                                        guard total > bestGain, !held[expert[s2] * gpus + g1] else { continue }
                                        let tb = weights[expert[s2]] * share[s2]
                                        // A GPU may stay where it is even if the cap
                                        // is below it (the cap only binds rises).
                                        guard load1 - ta + tb <= max(cap, load1) || tb <= ta,
                                            load2 - tb + ta <= max(cap, load2) || ta <= tb
                                        else { continue }
                                        (bestSlot, bestGPU, bestGain) = (s2, g2, total)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return bestSlot >= 0 ? (bestSlot, bestGPU) : nil
    }

    private mutating func tightenGainBounds() {
        for index in gpuGainBound.indices { gpuGainBound[index] = -.infinity }
        for slot in expert.indices {
            for target in 0..<topology.nodes where target != slotNode[slot] { raiseGainBound(slot, target) }
        }
    }

    private mutating func swap(_ s1: Int, on g1: Int, with s2: Int, on g2: Int) {
        let (a, b) = (expert[s1], expert[s2])
        let (ta, tb) = (weights[a] * share[s1], weights[b] * share[s2])
        let (n1, n2) = (slotNode[s1], slotNode[s2])
        let gpus = topology.gpus
        served[n1 * experts + a] -= ta
        served[n2 * experts + a] += ta
        served[n2 * experts + b] -= tb
        served[n1 * experts + b] += tb
        load[g1] += tb - ta
        load[g2] += ta - tb
        held[a * gpus + g1] = false
        held[a * gpus + g2] = true
        held[b * gpus + g2] = false
        held[b * gpus + g1] = true
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
