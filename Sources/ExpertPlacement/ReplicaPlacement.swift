import HeapModule

/// Placements built without the LP: how many replicas each expert gets and which GPU holds each. The LP
/// (`ShareLP`) then chooses the shares.
enum ReplicaPlacement {
    /// D'Hondt over all slots (largest load per replica first, lowest expert on ties), at most one replica per GPU.
    /// Filling every slot costs nothing: the memory is reserved either way and a replica can only add freedom.
    static func replicaCounts(_ weights: [Double], topology: ExpertTopology) -> [Int] {
        Apportionment.allocate(weights, extra: topology.slots - weights.count, cap: topology.gpus).counts
    }

    /// Replicas heaviest first onto the least loaded GPU that has a free slot and no replica of that expert.
    /// With unequal speeds, `earliestFinish` puts each replica where it would finish first instead (list scheduling
    /// for related machines); the planner tries both.
    static func longestFirst(_ weights: [Double], counts: [Int], topology: ExpertTopology, earliestFinish: Bool = false)
        -> [[Int]]
    {
        var replicas: [(expert: Int, load: Double)] = []
        for e in weights.indices { for _ in 0..<counts[e] { replicas.append((e, weights[e] / Double(counts[e]))) } }
        replicas.sort { $0.load != $1.load ? $0.load > $1.load : $0.expert < $1.expert }
        var state = State(topology: topology, experts: weights.count)
        if earliestFinish {
            // Ranks of unequal speed: each replica where it would finish first (list scheduling for related machines).
            for replica in replicas {
                if let gpu = state.lightestGPU(for: replica.expert, onNode: nil, adding: replica.load) {
                    state.place(replica.expert, on: gpu, load: replica.load)
                } else {
                    state.placeBySwap(replica.expert, load: replica.load)
                }
            }
            return state.gpus
        }
        // GPUs with a free slot by (load, index): the first one popped without the expert is `lightestGPU`'s choice.
        var open = Heap((0..<topology.gpus).map { GPUEntry(load: 0, gpu: $0) })
        var passed: [GPUEntry] = []
        for replica in replicas {
            var chosen: GPUEntry?
            while let entry = open.popMin() {
                if state.holds(replica.expert, entry.gpu) {
                    passed.append(entry)
                } else {
                    chosen = entry
                    break
                }
            }
            open.insert(contentsOf: passed)
            passed.removeAll(keepingCapacity: true)
            if var entry = chosen {
                state.place(replica.expert, on: entry.gpu, load: replica.load)
                entry.load = state.load[entry.gpu] / topology.speed(of: entry.gpu)
                if state.used[entry.gpu] < topology.slotsPerGPU { open.insert(entry) }
            } else {
                state.placeBySwap(replica.expert, load: replica.load)
                open = Heap(
                    (0..<topology.gpus).filter { state.used[$0] < topology.slotsPerGPU }
                        .map { GPUEntry(load: state.load[$0] / topology.speed(of: $0), gpu: $0) })
            }
        }
        return state.gpus
    }

    /// Ranks of unequal speed: the spare slots (slots − experts) go to the slow GPUs, so a slow GPU holds
    /// replicas, whose tokens the share LP may send elsewhere, rather than single experts, whose tokens it must run.
    /// `apportioned`: the replicas are `replicaCounts`' (D'Hondt over all slots); otherwise every expert is placed
    /// once and the free slots then take replicas. The planner tries both.
    static func slowestHoldReplicas(_ weights: [Double], topology: ExpertTopology, apportioned: Bool) -> [[Int]] {
        let gpus = topology.gpus
        let bySpeed = (0..<gpus).sorted { a, b in
            topology.speed(of: a) != topology.speed(of: b) ? topology.speed(of: a) < topology.speed(of: b) : a < b
        }
        // Spare slots one at a time to the slow GPU with the most lost speed per reserved slot (D'Hondt), so equally
        // slow GPUs share them.
        let fastest = topology.speeds?.max() ?? 1
        var singleSlots = [Int](repeating: topology.slotsPerGPU, count: gpus)
        for _ in 0..<max(0, topology.slots - weights.count) {
            var best: (gpu: Int, quotient: Double)?
            for g in bySpeed where topology.speed(of: g) < fastest && singleSlots[g] > 0 {
                let quotient = (fastest - topology.speed(of: g)) / Double(topology.slotsPerGPU - singleSlots[g] + 1)
                if quotient > best?.quotient ?? 0 { best = (g, quotient) }
            }
            guard let gpu = best?.gpu else { break }
            singleSlots[gpu] -= 1
        }
        var state = State(topology: topology, experts: weights.count)
        // Where it would finish first within `slots` (per GPU), else anywhere, else by a swap.
        func earliestFinish(_ expert: Int, load: Double, slots: [Int]?) {
            if let gpu = state.lightestGPU(for: expert, onNode: nil, slotLimits: slots, adding: load)
                ?? state.lightestGPU(for: expert, onNode: nil, adding: load)
            {
                state.place(expert, on: gpu, load: load)
            } else {
                state.placeBySwap(expert, load: load)
            }
        }
        let heaviest = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        guard apportioned else {
            // Every expert once, heaviest first, within the single-copy slots; then each free slot, slowest GPU
            // first, a replica of the expert with the most tokens per copy that it does not hold yet.
            for e in heaviest { earliestFinish(e, load: weights[e], slots: singleSlots) }
            var copies = weights.indices.map { e in (0..<gpus).filter { state.holds(e, $0) }.count }
            for g in bySpeed {
                while state.used[g] < topology.slotsPerGPU {
                    var best: Int?
                    func perCopy(_ e: Int) -> Double { weights[e] / Double(copies[e] + 1) }
                    for e in heaviest where !state.holds(e, g) && best.map({ perCopy(e) > perCopy($0) }) ?? true {
                        best = e
                    }
                    guard let e = best else { break }
                    state.place(e, on: g, load: 0)
                    copies[e] += 1
                }
            }
            return state.gpus
        }
        // Replicas as `longestFirst` makes them, heaviest per copy first, each where it would finish first; a single
        // copy (an expert with one replica) only within the single-copy slots.
        let counts = replicaCounts(weights, topology: topology)
        var replicas: [(expert: Int, load: Double)] = []
        for e in weights.indices { for _ in 0..<counts[e] { replicas.append((e, weights[e] / Double(counts[e]))) } }
        replicas.sort { $0.load != $1.load ? $0.load > $1.load : $0.expert < $1.expert }
        for replica in replicas {
            earliestFinish(replica.expert, load: replica.load, slots: counts[replica.expert] == 1 ? singleSlots : nil)
        }
        return state.gpus
    }

    private struct GPUEntry: Comparable {
        var load: Double
        let gpu: Int
        static func < (a: Self, b: Self) -> Bool { a.load != b.load ? a.load < b.load : a.gpu < b.gpu }
    }

    /// Rigid first, flexible last: experts with one replica (whose tokens cannot move) go to the node `nodeFor`
    /// names, on its least loaded GPU, keeping room on every GPU for the replicated experts; the replicas of
    /// replicated experts then fill the least loaded GPUs, where the share LP uses them to even out the load.
    static func rigidFirst(
        _ weights: [Double], counts: [Int], topology: ExpertTopology,
        nodeFor: (_ expert: Int, _ state: State) -> Int?,
        replicaNodeFor: (_ expert: Int, _ replicaLoad: Double, _ state: State) -> Int?
    ) -> [[Int]] {
        let flexible = counts.reduce(0) { $0 + ($1 > 1 ? $1 : 0) }
        let rigidSlotsPerGPU = topology.slotsPerGPU - flexible / topology.gpus
        var state = State(topology: topology, experts: weights.count)
        let rigid = weights.indices.filter { counts[$0] == 1 }.sorted {
            weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1
        }
        for e in rigid {
            let node = nodeFor(e, state)
            let gpu =
                state.lightestGPU(for: e, onNode: node, slotLimit: rigidSlotsPerGPU, adding: weights[e])
                ?? state.lightestGPU(for: e, onNode: nil, slotLimit: rigidSlotsPerGPU, adding: weights[e])
                ?? state.lightestGPU(for: e, onNode: nil, adding: weights[e])
            if let gpu { state.place(e, on: gpu, load: weights[e]) } else { state.placeBySwap(e, load: weights[e]) }
        }
        var replicas: [(expert: Int, load: Double)] = []
        for e in weights.indices where counts[e] > 1 {
            for _ in 0..<counts[e] { replicas.append((e, weights[e] / Double(counts[e]))) }
        }
        replicas.sort { $0.load != $1.load ? $0.load > $1.load : $0.expert < $1.expert }
        for replica in replicas {
            let node = replicaNodeFor(replica.expert, replica.load, state)
            if let gpu = state.lightestGPU(for: replica.expert, onNode: node, adding: replica.load)
                ?? state.lightestGPU(for: replica.expert, onNode: nil, adding: replica.load)
            {
                state.place(replica.expert, on: gpu, load: replica.load)
            } else {
                state.placeBySwap(replica.expert, load: replica.load)
            }
        }
        return state.gpus
    }

    /// The partial placement while replicas are being placed, with flat per-GPU counts so the many "lightest GPU"
    /// scans read plain arrays.
    struct State {
        let topology: ExpertTopology
        var gpus: [[Int]]
        var load: [Double]
        var nodeLoad: [Double]
        /// Slots filled on each GPU.
        var used: [Int]
        /// `held[e * gpus + g]`: GPU g holds a replica of expert e.
        var held: [Bool]
        /// `nodeReplicas[e * nodes + n]`: replicas of expert e on node n.
        var nodeReplicas: [Int]

        init(topology: ExpertTopology, experts: Int) {
            self.topology = topology
            gpus = [[Int]](repeating: [], count: topology.gpus)
            load = [Double](repeating: 0, count: topology.gpus)
            nodeLoad = [Double](repeating: 0, count: topology.nodes)
            used = [Int](repeating: 0, count: topology.gpus)
            held = [Bool](repeating: false, count: experts * topology.gpus)
            nodeReplicas = [Int](repeating: 0, count: experts * topology.nodes)
        }

        func holds(_ expert: Int, _ gpu: Int) -> Bool { held[expert * topology.gpus + gpu] }

        private mutating func setHolds(_ expert: Int, _ gpu: Int, _ value: Bool) {
            held[expert * topology.gpus + gpu] = value
            nodeReplicas[expert * topology.nodes + topology.node(of: gpu)] += value ? 1 : -1
        }

        func replicas(of expert: Int, onNode node: Int) -> Int { nodeReplicas[expert * topology.nodes + node] }

        /// The GPU that would finish `adding` more tokens first (the least loaded one when speeds are equal), among
        /// those with a slot free under `slotLimit` and, per GPU, under `slotLimits`.
        func lightestGPU(
            for expert: Int, onNode node: Int?, slotLimit: Int? = nil, slotLimits: [Int]? = nil,
            adding: Double = 0
        ) -> Int? {
            let range =
                node.map { ($0 * topology.gpusPerNode)..<(($0 + 1) * topology.gpusPerNode) } ?? 0..<topology.gpus
            let limit = min(slotLimit ?? topology.slotsPerGPU, topology.slotsPerGPU)
            let row = expert * topology.gpus
            var best = -1
            var bestLoad = Double.infinity
            for g in range where used[g] < min(limit, slotLimits?[g] ?? limit) && !held[row + g] {
                let finish = topology.speeds == nil ? load[g] : (load[g] + adding) / topology.speed(of: g)
                if best < 0 || finish < bestLoad {
                    best = g
                    bestLoad = finish
                }
            }
            return best < 0 ? nil : best
        }

        func hasRoom(for expert: Int, onNode node: Int) -> Bool {
            let row = expert * topology.gpus
            return (node * topology.gpusPerNode..<(node + 1) * topology.gpusPerNode).contains {
                used[$0] < topology.slotsPerGPU && !held[row + $0]
            }
        }

        mutating func place(_ expert: Int, on gpu: Int, load replicaLoad: Double) {
            gpus[gpu].append(expert)
            used[gpu] += 1
            load[gpu] += replicaLoad
            nodeLoad[topology.node(of: gpu)] += replicaLoad
            setHolds(expert, gpu, true)
        }

        /// Every GPU with a free slot already holds `expert`: move some other expert f from a GPU h without `expert`
        /// to the free slot, and put `expert` in f's place. Exists whenever `expert` has fewer replicas than GPUs.
        mutating func placeBySwap(_ expert: Int, load replicaLoad: Double) {
            guard let free = (0..<topology.gpus).first(where: { used[$0] < topology.slotsPerGPU }) else { return }
            for h in 0..<topology.gpus where !holds(expert, h) {
                for (s, other) in gpus[h].enumerated() where !holds(other, free) {
                    gpus[h][s] = expert
                    setHolds(other, h, false)
                    setHolds(expert, h, true)
                    gpus[free].append(other)
                    used[free] += 1
                    setHolds(other, free, true)
                    load[h] += replicaLoad
                    nodeLoad[topology.node(of: h)] += replicaLoad
                    return
                }
            }
        }
    }

    /// Removes a second replica of an expert on the same GPU (EPLB can produce them) and gives each freed slot to
    /// the expert with the largest load per replica that the GPU does not hold.
    static func withoutDuplicates(_ gpus: [[Int]], weights: [Double]) -> [[Int]] {
        var counts = [Int](repeating: 0, count: weights.count)
        var result = gpus.map { slots -> [Int] in
            var seen = Set<Int>()
            return slots.filter { seen.insert($0).inserted }
        }
        for slots in result { for e in slots { counts[e] += 1 } }
        for g in result.indices where result[g].count < gpus[g].count {
            for _ in result[g].count..<gpus[g].count {
                let held = Set(result[g])
                var best = -1
                for e in weights.indices where !held.contains(e) {
                    if best < 0 || weights[e] * Double(counts[best]) > weights[best] * Double(counts[e]) { best = e }
                }
                guard best >= 0 else { break }
                result[g].append(best)
                counts[best] += 1
            }
        }
        return result
    }

    /// Slot p of EPLB's physical order is on GPU p / slotsPerGPU.
    static func fromPhysical(_ physicalToLogical: [Int], topology: ExpertTopology) -> [[Int]] {
        (0..<topology.gpus).map { g in
            Array(physicalToLogical[(g * topology.slotsPerGPU)..<((g + 1) * topology.slotsPerGPU)])
        }
    }

    /// The default layout without replication: expert e on GPU ⌊e·G/E⌋.
    static func noReplication(experts: Int, topology: ExpertTopology) -> [[Int]] {
        var gpus = [[Int]](repeating: [], count: topology.gpus)
        for e in 0..<experts { gpus[e * topology.gpus / experts].append(e) }
        return gpus
    }
}
