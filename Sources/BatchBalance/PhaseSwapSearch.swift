/// Local search for one assignment that serves two synchronised phases: it lowers max_r E_r + max_r L_r (the slowest
/// encoder rank plus the slowest LLM rank) by swaps, and by moves when counts are free, out of the rank that sets
/// either maximum. A plain makespan search cannot see this objective: it balances E_r + L_r, which leaves each
/// phase's own maximum free to sit on different ranks. Loads are seconds at each rank's speed.
struct PhaseSwapSearch {
    let llm: [Double]
    let encoder: [Double]
    /// Counts may change (no equal-count rule); a rank keeps at least `minimumCount` samples.
    let movesAllowed: Bool
    let minimumCount: Int
    /// Each rank's 1 / speed: a rank runs its work in work / speed seconds (all 1 at nominal speed).
    var inverseSpeeds: [Double]? = nil
    /// Partner ranks tried per critical rank: the ones with the most room in that phase.
    var partners = 16
    static let kept = 8

    /// Steps are ranked by (objective, Σ E_r² + Σ L_r²): the second key lets the search leave a tie at the maximum
    /// (two ranks sharing it) and, strictly decreasing with the first, stops it from cycling.
    func improve(_ start: [[Int]], rounds: Int, target: Double, admits: (([Int]) -> Bool)? = nil) -> [[Int]] {
        var contents = start
        let ranks = contents.count
        let slowness = inverseSpeeds ?? [Double](repeating: 1, count: ranks)
        var encoderLoads = contents.indices.map { contents[$0].reduce(0) { $0 + encoder[$1] } * slowness[$0] }
        var llmLoads = contents.indices.map { contents[$0].reduce(0) { $0 + llm[$1] } * slowness[$0] }
        guard ranks > 1 else { return contents }
        // Steps that only even out the squares pay while they open a way down; `patience` rounds without a lower
        // objective end the search.
        let patience = 8 + ranks / 8
        var best = Double.infinity
        var sinceBest = 0
        for _ in 0..<rounds {
            let topE = TopThree(encoderLoads)
            let topL = TopThree(llmLoads)
            let current = topE.value(excluding: -1, -1) + topL.value(excluding: -1, -1)
            // Within 1e-4 of the bound is below the cost model's precision (as in the makespan search).
            if current <= target * (1 + 1e-4) { break }
            if current < best * (1 - 1e-9) {
                best = current
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            if sinceBest > patience { break }
            var steps: [Step] = []
            for (critical, loads) in [(topE.first, encoderLoads), (topL.first, llmLoads)] {
                for other in Self.lightest(partners, of: loads, excluding: critical) {
                    collect(
                        from: critical, to: other, contents: contents, encoderLoads: encoderLoads, llmLoads: llmLoads,
                        topE: topE, topL: topL, current: current, slowness: (slowness[critical], slowness[other]),
                        into: &steps)
                }
            }
            var applied = false
            for step in steps {
                let (from, to) = exchange(
                    contents, item: step.item, from: step.from, to: step.to, partner: step.partner)
                if let admits, !admits(from) || !admits(to) { continue }
                contents[step.from] = from
                contents[step.to] = to
                for rank in [step.from, step.to] {
                    encoderLoads[rank] = contents[rank].reduce(0) { $0 + encoder[$1] } * slowness[rank]
                    llmLoads[rank] = contents[rank].reduce(0) { $0 + llm[$1] } * slowness[rank]
                }
                applied = true
                break
            }
            if !applied { break }
        }
        return contents
    }

    private func collect(
        from a: Int, to b: Int, contents: [[Int]], encoderLoads: [Double], llmLoads: [Double],
        topE: TopThree, topL: TopThree, current: Double, slowness: (a: Double, b: Double),
        into steps: inout [Step]
    ) {
        let restE = topE.value(excluding: a, b)
        let restL = topL.value(excluding: a, b)
        let ea0 = encoderLoads[a]
        let eb0 = encoderLoads[b]
        let la0 = llmLoads[a]
        let lb0 = llmLoads[b]
        let oldSquares = ea0 * ea0 + eb0 * eb0 + la0 * la0 + lb0 * lb0
        // The partner's costs read once per pair of ranks, not once per pair of samples.
        let partners = contents[b]
        let partnerE = partners.map { encoder[$0] }
        let partnerL = partners.map { llm[$0] }
        let movable = movesAllowed && contents[a].count > minimumCount
        func consider(item: Int, partner: Int?, de: Double, dl: Double) {
            // Work leaves a at a's speed and joins b at b's.
            let ea = ea0 - de * slowness.a
            let eb = eb0 + de * slowness.b
            let la = la0 - dl * slowness.a
            let lb = lb0 + dl * slowness.b
            let value = max(restE, ea, eb) + max(restL, la, lb)
            // Worse than the last of a full list: it would be dropped (the list orders by objective first).
            guard value <= current, steps.count < Self.kept || value <= (steps.last?.objective ?? .infinity) else {
                return
            }
            let squares = ea * ea + eb * eb + la * la + lb * lb - oldSquares
            // Below 1e-9 of the step either key is rounding, not progress.
            guard value < current * (1 - 1e-9) || squares < -1e-9 * current * current else { return }
            // Only the best few are kept: they are tried in order until one keeps the caps.
            let step = Step(objective: value, squares: squares, item: item, from: a, to: b, partner: partner)
            if steps.count == Self.kept, let last = steps.last, !(step < last) { return }
            let position = steps.firstIndex { step < $0 } ?? steps.count
            steps.insert(step, at: position)
            if steps.count > Self.kept { steps.removeLast() }
        }
        for item in contents[a] {
            let itemE = encoder[item]
            let itemL = llm[item]
            if movable { consider(item: item, partner: nil, de: itemE, dl: itemL) }
            for (position, partner) in partners.enumerated() {
                consider(item: item, partner: partner, de: itemE - partnerE[position], dl: itemL - partnerL[position])
            }
        }
    }

    /// The `count` ranks with the smallest loads (ties by rank), by insertion: a full sort each round cost as much as
    /// the swap evaluations.
    static func lightest(_ count: Int, of loads: [Double], excluding skipped: Int) -> [Int] {
        var chosen: [KeyedIndex] = []
        chosen.reserveCapacity(count + 1)
        for (rank, load) in loads.enumerated() where rank != skipped {
            let entry = KeyedIndex(key: load, index: rank)
            if chosen.count == count, let last = chosen.last, !(entry < last) { continue }
            chosen.insert(entry, at: chosen.firstIndex { entry < $0 } ?? chosen.count)
            if chosen.count > count { chosen.removeLast() }
        }
        return chosen.map(\.index)
    }

    struct Step: Comparable {
        let objective: Double
        let squares: Double
        let item: Int
        let from: Int
        let to: Int
        let partner: Int?

        static func < (lhs: Step, rhs: Step) -> Bool {
            if lhs.objective != rhs.objective { return lhs.objective < rhs.objective }
            if lhs.squares != rhs.squares { return lhs.squares < rhs.squares }
            if lhs.from != rhs.from { return lhs.from < rhs.from }
            if lhs.to != rhs.to { return lhs.to < rhs.to }
            if lhs.item != rhs.item { return lhs.item < rhs.item }
            return (lhs.partner ?? -1) < (rhs.partner ?? -1)
        }
    }
}

/// The three largest loads and their ranks: the maximum over all ranks but two is among them.
struct TopThree {
    private var entries: [(load: Double, rank: Int)] = []

    init(_ loads: [Double]) {
        for (rank, load) in loads.enumerated() {
            // Ties keep the lowest rank first, so the critical rank is deterministic.
            let position = entries.firstIndex { load > $0.load } ?? entries.count
            if position < 3 {
                entries.insert((load, rank), at: position)
                if entries.count > 3 { entries.removeLast() }
            }
        }
    }

    var first: Int { entries.first?.rank ?? 0 }

    func value(excluding a: Int, _ b: Int) -> Double {
        entries.first { $0.rank != a && $0.rank != b }?.load ?? 0
    }
}
