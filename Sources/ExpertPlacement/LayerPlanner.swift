/// One MoE layer: candidate placements, their LP shares, and the choice among them (docs/expert-placement.md).
struct LayerPlanner {
    let topology: ExpertTopology
    let weights: [Double]
    /// Per node, the tokens its GPUs route to each expert, scaled so each expert's column sums to its weight.
    let origins: [[Double]]?
    let groups: Int?
    let balanceTolerance: Double

    struct Outcome: Sendable {
        var placement: LayerPlacement
        var score: LayerScore
        var lowerBound: Double
        var moves: Int?
        var candidate: String
        var baselines: [(name: String, placement: LayerPlacement, score: LayerScore)]
    }

    func plan(previous: [[Int]]?, maxMoves: Int?) -> Outcome {
        let lp = ShareLP(topology: topology, weights: weights)
        let lowerBound = LayerBound.tokens(weights, topology: topology)
        let baselines = baselineLayouts()
        var candidates: [(name: String, gpus: [[Int]])] = []
        let counts = ReplicaPlacement.replicaCounts(weights, topology: topology)
        candidates.append(("longest-first", ReplicaPlacement.longestFirst(weights, counts: counts, topology: topology)))
        if !topology.uniformSpeeds {
            let finish = ReplicaPlacement.longestFirst(
                weights, counts: counts, topology: topology, earliestFinish: true)
            candidates.append(("earliest-finish", finish))
            candidates.append(
                (
                    "earliest-finish+swaps",
                    SpeedSwaps.improve(finish, weights: weights, topology: topology, target: lowerBound)
                ))
            candidates.append(
                (
                    "longest-first+swaps",
                    SpeedSwaps.improve(
                        candidates[0].gpus, weights: weights, topology: topology,
                        target: lowerBound)
                ))
            for apportioned in [false, true] {
                let gpus = ReplicaPlacement.slowestHoldReplicas(weights, topology: topology, apportioned: apportioned)
                candidates.append((apportioned ? "slowest-hold-apportioned" : "slowest-hold-replicas", gpus))
            }
        }
        if let exact = ExactPlacement.solve(weights, topology: topology) { candidates.append(("exact-milp", exact)) }
        if let origins {
            candidates.append(
                (
                    "origin-affinity",
                    ReplicaPlacement.rigidFirst(
                        weights, counts: counts, topology: topology, nodeFor: affinityNode(origins),
                        replicaNodeFor: replicaAffinity(origins))
                ))
        }
        if let previous {
            candidates.append(("previous", previous))
        }
        func solve(_ name: String, _ gpus: [[Int]]) -> (name: String, solved: ShareLP.Solved) {
            let solved = lp.balance(gpus, lowerBound: lowerBound)
            // Under a move budget a candidate is used as it is if within the budget, else approached from the
            // previous plan by at most that many changes.
            guard let previous, let maxMoves else { return (name, solved) }
            let aligned = Moves.aligned(solved.placement, previous: previous, blockSize: alignmentBlock)
            if Moves.count(aligned.gpus, previous: previous) <= maxMoves { return (name, solved) }
            let partial = Moves.budgeted(toward: aligned.gpus, previous: previous, weights: weights, budget: maxMoves)
            return (name + " (move budget)", lp.balance(partial, lowerBound: lowerBound))
        }
        var solved = candidates.map { solve($0.name, $0.gpus) }
        let eplbBest = baselines.filter { $0.name.hasPrefix("eplb") }.map(\.score.maxLoad).min() ?? .infinity
        // EPLB's own placements, duplicates removed and shares from the LP, are at least as balanced as EPLB; they
        // are only solved when our candidates have not already matched EPLB (it saves most of the LP time).
        if (solved.map(\.solved.maxLoad).min() ?? .infinity) > eplbBest * (1 + 1e-9) {
            for baseline in baselines where baseline.name.hasPrefix("eplb") {
                solved.append(
                    solve(baseline.name + "+lp", ReplicaPlacement.withoutDuplicates(baseline.gpus, weights: weights)))
            }
        }
        // The most balanced candidate (the two most, under unequal speeds, where the runner-up's swaps can end lower),
        // with its bottleneck's single experts swapped out where that pays.
        let ranked = solved.indices.sorted {
            solved[$0].solved.maxLoad != solved[$1].solved.maxLoad
                ? solved[$0].solved.maxLoad < solved[$1].solved.maxLoad : $0 < $1
        }
        for top in ranked.prefix(topology.uniformSpeeds ? 1 : 2).map({ solved[$0] })
        where top.solved.maxLoad > lowerBound * (1 + 1e-9) {
            let swapped = BottleneckSwaps.improve(
                top.solved, lp: lp, weights: weights, topology: topology,
                lowerBound: lowerBound)
            if swapped.maxLoad < top.solved.maxLoad * (1 - 1e-9) {
                // Its shares are already the LP's; only a move budget needs the candidate solved again.
                let name = top.name + "+bottleneck-swaps"
                solved.append(
                    previous == nil || maxMoves == nil ? (name, swapped) : solve(name, swapped.placement.gpus))
            }
        }
        let best = solved.map(\.solved.maxLoad).min() ?? 0
        // Locality may cost balance only within the tolerance and never below the better EPLB policy.
        let cap = max(best, min(best * (1 + balanceTolerance), eplbBest))
        // Lexicographic: max load (within the cap), then inter-node tokens, then moves, then candidate order. The
        // swaps, the planner's costliest step, improve only the candidate that starts most local; the phase-2 flow
        // runs once, on the winner. Candidates are compared at their phase-1 shares.
        var withinCap = solved.filter { $0.solved.maxLoad <= cap * (1 + 1e-12) }
        // When origin-affinity (the most local construction) misses the cap, a locality-first placement that fits.
        if let origins, !withinCap.contains(where: { $0.name.hasPrefix("origin-affinity") }),
            let fallback = localityFirst(origins, counts: counts, cap: cap, previous: previous, maxMoves: maxMoves)
        {
            withinCap.append(fallback)
        }
        let startInter = withinCap.map { candidate in
            origins.map { candidate.solved.placement.interNodeTokens(weights, origins: $0, topology: topology) } ?? 0
        }
        let swapped = startInter.indices.min { startInter[$0] < startInter[$1] }
        var chosen: (name: String, placement: LayerPlacement, key: [Double])?
        for (index, candidate) in withinCap.enumerated() {
            var placement = candidate.solved.placement
            var inter = startInter[index]
            // The swaps keep a token cap per GPU; with unequal speeds only the flows below weigh speed.
            if let origins, index == swapped, topology.uniformSpeeds {
                placement = LocalitySwaps.improve(
                    placement, weights: weights, origins: origins, topology: topology, cap: cap)
                inter = placement.interNodeTokens(weights, origins: origins, topology: topology)
            }
            var moves = 0.0
            if let previous {
                placement = Moves.aligned(placement, previous: previous, blockSize: alignmentBlock)
                moves = Double(Moves.count(placement.gpus, previous: previous))
            }
            // Figures within a millionth of the layer's tokens count as ties, so LP round-off does not decide.
            let unit = max(weights.reduce(0, +), 1) * 1e-6
            let key = [
                (inter / unit).rounded(), moves, ((placement.times(weights, topology).max() ?? 0) / unit).rounded(),
            ]
            if chosen.map({ key.lexicographicallyPrecedes($0.key) }) ?? true {
                chosen = (candidate.name, placement, key)
            }
        }
        // Round-off in the flow could lift a GPU a hair above the cap; such a result is not used.
        if let origins, let winner = chosen {
            let winnerPeak = winner.placement.times(weights, topology).max() ?? 0
            if let shares = FlowShares.mostLocal(
                gpus: winner.placement.gpus, weights: weights, origins: origins,
                topology: topology, cap: max(cap, winnerPeak))
            {
                let local = LayerPlacement(gpus: winner.placement.gpus, shares: shares).normalised(weights)
                if (local.times(weights, topology).max() ?? 0) <= max(cap, winnerPeak) * (1 + 1e-12),
                    local.interNodeTokens(weights, origins: origins, topology: topology)
                        <= winner.placement.interNodeTokens(weights, origins: origins, topology: topology)
                {
                    chosen?.placement = local
                }
            }
        }
        var placement = chosen?.placement ?? solved[0].solved.placement
        // Among shares as balanced (and, with origins, as local), the ones closest to equal: they hold up on the
        // next window's loads. Kept only if round-off moved neither figure.
        let peak = placement.times(weights, topology).max() ?? 0
        if let even = EvenShares.shares(
            placement, weights: weights, topology: topology, cap: peak, keepNodeTotals: origins != nil)
        {
            let evened = LayerPlacement(gpus: placement.gpus, shares: even).normalised(weights)
            let unit = max(weights.reduce(0, +), 1) * 1e-9
            let inter = { (p: LayerPlacement) in
                origins.map { p.interNodeTokens(weights, origins: $0, topology: self.topology) } ?? 0
            }
            if (evened.times(weights, topology).max() ?? 0) <= peak + unit, inter(evened) <= inter(placement) + unit {
                placement = evened
            }
        }
        let moves = previous.map { Moves.count(placement.gpus, previous: $0) }
        return Outcome(
            placement: placement,
            score: LayerScore(placement, weights: weights, origins: origins, topology: topology),
            lowerBound: lowerBound, moves: moves, candidate: chosen?.name ?? solved[0].name,
            baselines: baselines.map {
                ($0.name, LayerPlacement.equalShares($0.gpus, experts: weights.count), $0.score)
            })
    }

    /// The most local locality-first placement that fits the cap: slacks from 2 down, halving, until one fits; its
    /// shares come from the phase-1 flow at the cap (only fitting matters here, so no LP is solved). Under a move
    /// budget it must also be within the budget.
    private func localityFirst(
        _ origins: [[Double]], counts: [Int], cap: Double, previous: [[Int]]?,
        maxMoves: Int?
    ) -> (name: String, solved: ShareLP.Solved)? {
        for slack in [2, 1, 0.5, 0.25, 0.125] {
            let gpus = ReplicaPlacement.localityFirst(
                weights, counts: counts, origins: origins, topology: topology, slack: slack)
            guard let shares = FlowShares.within(cap: cap, gpus: gpus, weights: weights, speeds: topology.speeds) else {
                continue
            }
            let placement = LayerPlacement(gpus: gpus, shares: shares).normalised(weights)
            let maxLoad = placement.times(weights, topology).max() ?? 0
            guard maxLoad <= cap * (1 + 1e-12) else { continue }
            if let previous, let maxMoves,
                Moves.count(
                    Moves.aligned(placement, previous: previous, blockSize: alignmentBlock).gpus, previous: previous)
                    > maxMoves
            {
                continue
            }
            return ("locality-first (slack \(slack))", ShareLP.Solved(placement: placement, maxLoad: maxLoad))
        }
        return nil
    }

    /// With origins, GPUs are interchangeable only inside a node; without, anywhere.
    private var alignmentBlock: Int { origins == nil ? topology.gpus : topology.gpusPerNode }

    private func baselineLayouts() -> [(name: String, gpus: [[Int]], score: LayerScore)] {
        var layouts: [(String, [[Int]])] = [
            ("no-replication", ReplicaPlacement.noReplication(experts: weights.count, topology: topology))
        ]
        if let groups, groups % topology.nodes == 0 {
            let layer = EPLB.hierarchical(
                weights: weights, slots: topology.slots, groups: groups, nodes: topology.nodes, gpus: topology.gpus)
            layouts.append(
                ("eplb-hierarchical", ReplicaPlacement.fromPhysical(layer.physicalToLogical, topology: topology)))
        }
        let global = EPLB.global(weights: weights, slots: topology.slots, gpus: topology.gpus)
        layouts.append(("eplb-global", ReplicaPlacement.fromPhysical(global.physicalToLogical, topology: topology)))
        return layouts.map { name, gpus in
            (
                name, gpus,
                LayerScore(
                    .equalShares(gpus, experts: weights.count), weights: weights, origins: origins, topology: topology)
            )
        }
    }

    /// A replica goes to the node with the most of its expert's tokens not yet served there (at an equal split), if
    /// that node has a GPU without the expert; otherwise to the least loaded GPU anywhere.
    private func replicaAffinity(_ origins: [[Double]]) -> (Int, Double, ReplicaPlacement.State) -> Int? {
        let topology = self.topology
        return { expert, replicaLoad, state in
            var best: (node: Int, unserved: Double)?
            for n in 0..<topology.nodes {
                let unserved = origins[n][expert] - Double(state.replicas(of: expert, onNode: n)) * replicaLoad
                guard unserved > 0, state.hasRoom(for: expert, onNode: n) else { continue }
                if best.map({ unserved > $0.unserved }) ?? true { best = (n, unserved) }
            }
            return best?.node
        }
    }

    /// A single-replica expert goes to the node that sends it the most tokens, if that node's rigid load stays within
    /// its fair share of the layer; otherwise wherever is least loaded.
    private func affinityNode(_ origins: [[Double]]) -> (Int, ReplicaPlacement.State) -> Int? {
        let fairNodeLoad = weights.reduce(0, +) / Double(topology.nodes)
        let (topology, weights) = (self.topology, self.weights)
        return { expert, state in
            var best: (node: Int, tokens: Double)?
            for n in 0..<topology.nodes where state.nodeLoad[n] + weights[expert] <= fairNodeLoad {
                guard origins[n][expert] > 0, state.hasRoom(for: expert, onNode: n) else { continue }
                if best.map({ origins[n][expert] > $0.tokens }) ?? true { best = (n, origins[n][expert]) }
            }
            return best?.node
        }
    }
}

/// A lower bound on a layer's most loaded GPU, for any placement with these slots and any shares.
enum LayerBound {
    /// The j heaviest experts can have at most j + S replicas (S = slots − experts: every other expert needs one),
    /// so their tokens land on at most min(G, j + S) GPUs: T ≥ max_j W_j / min(G, j + S), W_j their total load.
    /// j = E gives the mean; j = 1 with S = 0 gives the heaviest expert. With speeds, those GPUs run at most the
    /// min(G, j + S) fastest speeds summed, which replaces the count (T in nominal-speed tokens). And slots bind: the
    /// f fastest GPUs hold at most f·K experts (K slots each), so the lightest E − f·K run on the others. Without
    /// spare slots each GPU holds exactly K experts, so the GPUs of the j heaviest also run the lightest in their
    /// other slots.
    static func tokens(_ weights: [Double], topology: ExpertTopology) -> Double {
        let sorted = weights.sorted(by: >)
        let spare = topology.slots - weights.count
        var fastest = [0.0]
        for speed in (topology.speeds ?? [Double](repeating: 1, count: topology.gpus)).sorted(by: >) {
            fastest.append((fastest.last ?? 0) + speed)
        }
        var prefix = 0.0
        var bound = 0.0
        for (index, w) in sorted.enumerated() {
            prefix += w
            bound = max(bound, prefix / fastest[min(topology.gpus, index + 1 + spare)])
        }
        // The f fastest GPUs hold at most f·slots experts, so the others' tokens, at least the E − f·slots lightest
        // experts', run on the G − f slowest GPUs.
        let total = fastest[topology.gpus]
        var lightest = [0.0]
        for w in sorted.reversed() { lightest.append((lightest.last ?? 0) + w) }
        for f in 0..<topology.gpus {
            let forced = weights.count - f * topology.slotsPerGPU
            guard forced > 0 else { break }
            bound = max(bound, lightest[forced] / (total - fastest[f]))
        }
        guard spare == 0 else { return bound }
        // No spare slot: every GPU holds exactly K experts, one copy each. The j heaviest sit on some m GPUs
        // (m·K ≥ j), whose other m·K − j slots hold at least the lightest experts, all run by those m GPUs.
        let slots = topology.slotsPerGPU
        var heaviest = 0.0
        for j in 1...weights.count {
            heaviest += sorted[j - 1]
            var least = Double.infinity
            for m in max(1, (j + slots - 1) / slots)...min(j, topology.gpus) where m * slots - j < lightest.count {
                least = min(least, (heaviest + lightest[m * slots - j]) / fastest[m])
            }
            if least.isFinite { bound = max(bound, least) }
        }
        return bound
    }
}
