/// After the share LP, the most loaded GPUs are a set whose experts have no replica outside it: the LP cannot move
/// their tokens out. Swapping a single-replica expert of such a GPU with a lighter single-replica expert (or a replica,
/// whose share the LP can shrink) of a less loaded GPU moves the difference out; the LP then re-balances. The swap
/// kept is the one whose two sides end lowest, the LP decides whether it paid (docs/expert-placement.md §Placement).
enum BottleneckSwaps {
    /// At most this many swaps (each one LP solve) per layer.
    static let rounds = 16

    static func improve(
        _ start: ShareLP.Solved, lp: ShareLP, weights: [Double], topology: ExpertTopology,
        lowerBound: Double
    ) -> ShareLP.Solved {
        var current = start
        for _ in 0..<rounds where current.maxLoad > lowerBound * (1 + 1e-9) {
            guard let gpus = bestSwap(current, weights: weights, topology: topology) else { break }
            let next = lp.balance(gpus, lowerBound: lowerBound)
            guard next.maxLoad < current.maxLoad * (1 - 1e-9) else { break }
            current = next
        }
        return current
    }

    /// The placement after the best swap out of the most loaded GPUs, or nil when no swap lowers both sides.
    private static func bestSwap(_ solved: ShareLP.Solved, weights: [Double], topology: ExpertTopology) -> [[Int]]? {
        let gpus = solved.placement.gpus
        let times = solved.placement.times(weights, topology)
        let peak = solved.maxLoad
        var replicas = [Int](repeating: 0, count: weights.count)
        for slots in gpus { for e in slots { replicas[e] += 1 } }
        let fixed = { (e: Int) in replicas[e] == 1 ? weights[e] : 0 }
        let tight = times.indices.filter { times[$0] >= peak * (1 - 1e-7) }
        let tightSpeed = tight.reduce(0) { $0 + topology.speed(of: $1) }
        var best: (a: Int, slotA: Int, b: Int, slotB: Int, finish: Double)?
        for a in tight {
            for (slotA, e) in gpus[a].enumerated() where replicas[e] == 1 {
                for b in gpus.indices where times[b] < peak * (1 - 1e-7) && !gpus[b].contains(e) {
                    for (slotB, f) in gpus[b].enumerated() where fixed(f) < weights[e] && !gpus[a].contains(f) {
                        let moved = weights[e] - fixed(f)
                        // The tight set sheds `moved` over its summed speed; b takes it at its own speed.
                        let finish = max(peak - moved / tightSpeed, times[b] + moved / topology.speed(of: b))
                        if finish < (best?.finish ?? peak * (1 - 1e-9)) { best = (a, slotA, b, slotB, finish) }
                    }
                }
            }
        }
        guard let swap = best else { return nil }
        var swapped = gpus
        swapped[swap.a][swap.slotA] = gpus[swap.b][swap.slotB]
        swapped[swap.b][swap.slotB] = gpus[swap.a][swap.slotA]
        return swapped
    }
}
