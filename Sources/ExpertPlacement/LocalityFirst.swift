extension ReplicaPlacement {
    /// Longest-first with room for locality: replicas heaviest first, each to the lightest GPU overall, unless its
    /// preferred node (the one with the most of the expert's tokens not yet served there at equal shares) has a GPU
    /// within `slack × (load still to place) / GPUs` of it; then to that node's lightest GPU. Heavy replicas can
    /// follow their tokens while much load is left to even the GPUs out; the slack shrinks to zero, so the light
    /// replicas placed last level the GPUs as longest-first does.
    static func localityFirst(
        _ weights: [Double], counts: [Int], origins: [[Double]], topology: ExpertTopology,
        slack: Double
    ) -> [[Int]] {
        var replicas: [(expert: Int, load: Double)] = []
        for e in weights.indices { for _ in 0..<counts[e] { replicas.append((e, weights[e] / Double(counts[e]))) } }
        replicas.sort { $0.load != $1.load ? $0.load > $1.load : $0.expert < $1.expert }
        var remaining = replicas.reduce(0) { $0 + $1.load }
        var state = State(topology: topology, experts: weights.count)
        for replica in replicas {
            remaining -= replica.load
            let e = replica.expert
            guard let lightest = state.lightestGPU(for: e, onNode: nil) else {
                state.placeBySwap(e, load: replica.load)
                continue
            }
            var chosen = lightest
            if let node = preferredNode(e, replicaLoad: replica.load, origins: origins, state: state),
                node != topology.node(of: lightest),
                let local = state.lightestGPU(for: e, onNode: node),
                state.load[local] <= state.load[lightest] + slack * remaining / Double(topology.gpus)
            {
                chosen = local
            }
            state.place(e, on: chosen, load: replica.load)
        }
        return state.gpus
    }

    /// The node with strictly the most of the expert's tokens not yet served there; nil on a tie (no preference).
    private static func preferredNode(_ expert: Int, replicaLoad: Double, origins: [[Double]], state: State) -> Int? {
        var best: (node: Int, unserved: Double)?
        var runnerUp = -Double.infinity
        for n in origins.indices {
            let unserved = origins[n][expert] - Double(state.replicas(of: expert, onNode: n)) * replicaLoad
            if let current = best, unserved <= current.unserved {
                runnerUp = max(runnerUp, unserved)
            } else {
                if let current = best { runnerUp = max(runnerUp, current.unserved) }
                best = (n, unserved)
            }
        }
        guard let best, best.unserved > runnerUp + 1e-9 * max(replicaLoad, 1) else { return nil }
        return best.node
    }
}
