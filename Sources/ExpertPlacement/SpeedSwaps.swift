/// For GPUs of unequal speed: a slow GPU must still fill its slots, and the tokens of the single-replica experts in
/// them are fixed (the share LP moves only replicated experts' tokens). While some GPU's fixed tokens take longer than
/// `target` at its speed, its costliest such expert is swapped with a slot elsewhere (a replica, whose share the LP can
/// shrink, or a lighter single expert) where that lowers the later of the two GPUs' fixed times.
enum SpeedSwaps {
    static func improve(
        _ gpus: [[Int]], weights: [Double], topology: ExpertTopology, target: Double, rounds: Int? = nil
    ) -> [[Int]] {
        var gpus = gpus
        var replicas = [Int](repeating: 0, count: weights.count)
        for slots in gpus { for e in slots { replicas[e] += 1 } }
        let load = { (e: Int) in replicas[e] == 1 ? weights[e] : 0 }
        var loads = gpus.map { $0.reduce(0) { $0 + load($1) } }
        var holds = Set<Int>()
        for (g, slots) in gpus.enumerated() { for e in slots { holds.insert(e * topology.gpus + g) } }
        for _ in 0..<(rounds ?? 4 * topology.gpus) {
            let times = loads.indices.map { loads[$0] / topology.speed(of: $0) }
            guard let top = times.indices.max(by: { times[$0] < times[$1] || times[$0] == times[$1] && $0 > $1 }),
                times[top] > target
            else { break }
            var best: (slot: Int, gpu: Int, otherSlot: Int, finish: Double)?
            let target = times[top] * (1 - 1e-9)
            for (slot, e) in gpus[top].enumerated() {
                for h in gpus.indices where h != top && times[h] < target && !holds.contains(e * topology.gpus + h) {
                    for (otherSlot, f) in gpus[h].enumerated()
                    where load(f) < load(e) && !holds.contains(f * topology.gpus + top) {
                        let delta = load(e) - load(f)
                        let finish = max(
                            (loads[top] - delta) / topology.speed(of: top), (loads[h] + delta) / topology.speed(of: h))
                        if finish < (best?.finish ?? target) { best = (slot, h, otherSlot, finish) }
                    }
                }
            }
            guard let swap = best else { break }
            let e = gpus[top][swap.slot]
            let f = gpus[swap.gpu][swap.otherSlot]
            gpus[top][swap.slot] = f
            gpus[swap.gpu][swap.otherSlot] = e
            holds.remove(e * topology.gpus + top)
            holds.remove(f * topology.gpus + swap.gpu)
            holds.insert(f * topology.gpus + top)
            holds.insert(e * topology.gpus + swap.gpu)
            loads[top] += load(f) - load(e)
            loads[swap.gpu] += load(e) - load(f)
        }
        return gpus
    }
}
