import CostModel
import LinearProgramming

/// The lower bound with its longest sequences pinned (docs/sequence-parallel.md §Lower bound): a pinned micro-batch
/// is split around one long sequence's group of degree d (its guests run at degree d inside it; everything else on
/// the other N − d GPUs), and the second-longest sequence is placed by cases: inside the longest's group, beside it
/// at a degree that fits the other GPUs, or leading micro-batch 1's group. Every plan falls into one case, so the
/// minimum over cases is a bound; each case only adds rows to the single split, so it is at least as tight.
extension LowerBound {
    /// One micro-batch split around `lead`'s group of `degree`; `companions` are further sequences pinned to it,
    /// inside the group (`degree` nil) or beside it at a degree.
    struct Pinned {
        var lead: Double
        var degree: Int
        var companions: [(length: Double, degree: Int?)] = []
    }

    /// A MILP of the degree indicators that runs longer than this is abandoned for its case's LP value.
    static let milpSecondsLimit = 10.0

    /// Cheapest GPU-seconds of a sequence on at most `gpus` GPUs (+∞ when it fits no such degree).
    func cheapestWork(_ length: Double, within gpus: Int) -> Double {
        cost.degrees.filter { $0 <= gpus && cost.fits(length, degree: $0) }
            .map { Double($0) * cost.time(length, degree: $0) }.min() ?? .infinity
    }

    /// min over the longest's degree d1 and the second-longest's placement of the pinned LP; nil when no case solves.
    /// Time rows (`addPlacement`) only raise a case's LP, so each case is solved without them first; a case is
    /// solved again with them only where its solution breaks one and its value is below the best so far.
    func pinnedBound(
        microBatches m: Int, longest: Double, second: Double,
        buckets: [(count: Double, length: Double, work: Double)], timeRowsAbove: Double = .infinity,
        integralAbove: Double = .infinity, lazily: Bool = true
    ) -> Double? {
        pinnedBoundSolved(
            microBatches: m, longest: longest, second: second, buckets: buckets, timeRowsAbove: timeRowsAbove,
            integralAbove: integralAbove, lazily: lazily)?.value
    }

    /// `pinnedBound` with the solution of the case that gives it.
    ///
    /// Single-sequence buckets of at least `integralAbove` tokens then get degree indicators (binaries): the cases are
    /// refined once more, each by its MILP, and the bound is the least MILP value; the solution returned is still
    /// the least LP's, the guide the plan's search was built around.
    func pinnedBoundSolved(
        microBatches m: Int, longest: Double, second: Double,
        buckets: [(count: Double, length: Double, work: Double)], timeRowsAbove: Double = .infinity,
        integralAbove: Double = .infinity,
        lazily: Bool = true
    ) -> (value: Double, solution: PinnedSolution)? {
        var cases: [[Pinned]] = []
        for d1 in cost.degrees where cost.fits(longest, degree: d1) {
            if cost.fits(longest + second, degree: d1) {
                cases.append([Pinned(lead: longest, degree: d1, companions: [(second, nil)])])
            }
            for e in cost.degrees where e <= cost.gpus - d1 && cost.fits(second, degree: e) {
                cases.append([Pinned(lead: longest, degree: d1, companions: [(second, e)])])
            }
            if m > 1 {
                for d2 in cost.degrees where cost.fits(second, degree: d2) {
                    cases.append([Pinned(lead: longest, degree: d1), Pinned(lead: second, degree: d2)])
                }
            }
        }
        // Each case is refined in stages, each at least the one before (up to the solver's shave): its floor, its
        // LP without time rows, with them, with memory-time class rows too (`MemoryTimeClasses`), and its MILP. The
        // case with the lowest figure is refined next, so once that figure is of the stage sought, no other case goes
        // below it. Ties go to the earlier case.
        // Indicators go where a single sequence is split by degree in some part (`addPlacement`: the GPUs beside a
        // pinned group, or all of them); without any, the MILP would be the LP again and is not solved.
        let partSizes = Set(cases.flatMap { $0.map { cost.gpus - $0.degree } } + [cost.gpus])
        let integral = buckets.contains { bucket in
            bucket.count <= 1 && bucket.length >= integralAbove
                && partSizes.contains { gpus in
                    guard let (options, cheapest) = degreeOptions(bucket.length, gpus: gpus) else { return false }
                    return options.count > 1 && cheapest.time > timeRowsAbove
                }
        }
        let bucketWork = buckets.reduce(0) { $0 + $1.count * $1.work }
        var open = cases.indices.map { index in
            (value: floor(of: cases[index], microBatches: m, bucketWork: bucketWork), stage: 0, index: index)
        }
        var solutions = [PinnedSolution?](repeating: nil, count: cases.count)
        let bound = self
        let pinnedCases = cases
        let solveCase: @Sendable (CaseStage) -> Refinement = { key in
            Refinement(
                result: bound.solvePinnedLP(
                    microBatches: m, buckets: buckets, pinned: pinnedCases[key.index], timeRowsAbove: timeRowsAbove,
                    withTimeRows: key.stage >= 2, withClassRows: key.stage >= 3,
                    integralAbove: key.stage == 4 ? integralAbove : .infinity, indicatorsAbove: integralAbove))
        }
        func solve(_ index: Int, stage: Int) -> PinnedLPResult? {
            solveCase(CaseStage(index: index, stage: stage)).result
        }
        func isFinal(_ stage: Int) -> Bool { stage == 4 || stage == 3 && !integral }
        func precedes(_ a: Int, _ b: Int) -> Bool {
            open[a].value < open[b].value || open[a].value == open[b].value && open[a].index < open[b].index
        }
        let ahead = spareCores.map { SolveAhead<CaseStage, Refinement>(spare: $0) }
        defer { ahead?.drain() }
        if !lazily {
            // Every case solved at every stage (the tests compare this with the lazy search).
            open = open.compactMap { entry in
                guard let rows = solve(entry.index, stage: 2), let classes = solve(entry.index, stage: 3) else {
                    return nil
                }
                solutions[entry.index] = rows.solution
                let value = integral ? solve(entry.index, stage: 4)?.value ?? classes.value : classes.value
                return (value: value, stage: 4, index: entry.index)
            }
        }
        var guide: (value: Double, solution: PinnedSolution)?
        while let next = open.indices.min(by: precedes) {
            var entry = open[next]
            if entry.stage >= 2, guide == nil, let solution = solutions[entry.index] { guide = (entry.value, solution) }
            if isFinal(entry.stage) { return guide.map { (entry.value, $0.solution) } }
            entry.stage += 1
            if let ahead, let idle = spareCores?.idle, idle > 0 {
                // The runners-up's next stages, up to the first final one: the search refines them next unless this
                // case's new value passes them.
                var started = 0
                for other in open.indices.sorted(by: precedes) where other != next {
                    if started == idle || isFinal(open[other].stage) { break }
                    let key = CaseStage(index: open[other].index, stage: open[other].stage + 1)
                    guard !ahead.knows(key) else { continue }
                    ahead.start(key) { solveCase(key) }
                    started += 1
                }
            }
            let key = CaseStage(index: entry.index, stage: entry.stage)
            let refined = ahead?.value(key) { solveCase(key) } ?? solveCase(key)
            guard let solved = refined.result else {
                // A MILP that does not solve leaves the case at its LP value; an LP that does not solve drops it.
                if entry.stage == 4 { open[next] = entry } else { open.remove(at: next) }
                continue
            }
            // The guide is an LP's without class rows. An LP whose solution keeps the rows it left out is the LP
            // with them.
            if entry.stage <= 2 { solutions[entry.index] = solved.solution }
            if entry.stage == 1, !solved.breaksTimeRows { entry.stage = 2 }
            if entry.stage == 2, !solved.breaksClassRows { entry.stage = 3 }
            // A solution whose single sequences each run at degrees whose times fit the makespan is the MILP's too.
            if entry.stage == 3, integral, !solved.breaksIndicators { entry.stage = 4 }
            entry.value = solved.value
            open[next] = entry
        }
        return nil
    }

    /// A value no pinned LP of this case goes below: M·β1 plus the larger of the pinned micro-batches' fixed times
    /// and all GPU-seconds over N (the pinned pieces at their case's cost, every bucket at its cheapest work).
    func floor(of pinned: [Pinned], microBatches m: Int, bucketWork: Double) -> Double {
        var times = 0.0
        var work = bucketWork
        for batch in pinned {
            let fixed = fixedParts(of: batch)
            work += fixed.besideWork + Double(batch.degree) * fixed.groupTime
            times += max(fixed.groupTime / groupSpeed(degree: batch.degree), fixed.slowestBeside / fastestSpeed)
        }
        return Double(m) * cost.beta1 + max(times, work / (Double(cost.gpus) * fastestSpeed)) * (1 - 1e-9)
    }

    /// What a pinned micro-batch holds before any bucket: its lead's group (the lead and the companions inside it)
    /// and the companions beside it, at nominal speed.
    func fixedParts(of batch: Pinned)
        -> (groupTime: Double, groupTokens: Double, besideWork: Double, besideTokens: Double, slowestBeside: Double)
    {
        var groupTime = cost.time(batch.lead, degree: batch.degree)
        var groupTokens = batch.lead
        var besideWork = 0.0
        var besideTokens = 0.0
        var slowestBeside = 0.0
        for companion in batch.companions {
            if let e = companion.degree {
                besideWork += Double(e) * cost.time(companion.length, degree: e)
                besideTokens += companion.length
                slowestBeside = max(slowestBeside, cost.time(companion.length, degree: e))
            } else {
                groupTime += cost.time(companion.length, degree: batch.degree)
                groupTokens += companion.length
            }
        }
        return (groupTime, groupTokens, besideWork, besideTokens, slowestBeside)
    }

    /// The least GPU-seconds per token of a pinned micro-batch's fixed sequences, each at its degree.
    func leastWorkPerToken(of batch: Pinned) -> Double {
        let pieces = [(batch.lead, batch.degree)] + batch.companions.map { ($0.length, $0.degree ?? batch.degree) }
        return pieces.map { length, degree in Double(degree) * cost.time(length, degree: degree) / length }.min() ?? 0
    }

    /// The LP with `pinned` micro-batches written out (each split around its lead's group) and the other
    /// M − |pinned| in the symmetric form of `solveLP`. Buckets whose cheapest work takes longer than
    /// `timeRowsAbove` get per-degree shares and time rows (`addPlacement`).
    func solvePinnedLP(
        microBatches m: Int, buckets: [(count: Double, length: Double, work: Double)], pinned: [Pinned],
        timeRowsAbove: Double = .infinity
    ) -> Double? {
        solvePinnedLP(
            microBatches: m, buckets: buckets, pinned: pinned, timeRowsAbove: timeRowsAbove,
            withTimeRows: true)?.value
    }

    /// The pinned LP; without time rows it says whether its solution breaks one (then its value may be too low for
    /// the LP with them).
    func solvePinnedLP(
        microBatches m: Int, buckets: [(count: Double, length: Double, work: Double)], pinned: [Pinned],
        timeRowsAbove: Double, withTimeRows: Bool, withClassRows: Bool = true,
        integralAbove: Double = .infinity, indicatorsAbove: Double = .infinity
    ) -> PinnedLPResult? {
        guard pinned.count <= m else { return nil }
        // Each bucket's variables by part: pinned micro-batch k, or (index pinned.count) one of the others.
        var parts = buckets.map { _ in [[VariableID]](repeating: [], count: pinned.count + 1) }
        var checks: [TimeRowCheck] = []
        var indicatorChecks: [TimeRowCheck] = []
        var classChecks: [MemoryTimeClasses.Check] = []
        let capacity = cost.tokensPerGPU
        // Under speeds (`LowerBound.speeds`) a group of degree e runs at most at its aligned block's best slowest speed
        // (`groupSpeed`), and the ranks deliver at most Σ speeds GPU-seconds per second, less what the lead's block
        // holds at least (`leastGroupCapacity`).
        var model = LinearModel(name: "sp-lower-bound-pinned")
        var shares = buckets.map { _ in [Term]() }
        // Each pinned micro-batch's makespan and fixed tokens, for its speed-class rows.
        var pinnedParts: [(makespan: VariableID, tokens: Double)] = []
        for (index, batch) in pinned.enumerated() {
            let d = batch.degree
            let rest = cost.gpus - d
            let timeScale = 1 / groupSpeed(degree: d)
            let (groupTime, groupTokens, besideWork, besideTokens, slowestBeside) = fixedParts(of: batch)
            guard groupTokens <= Double(d) * capacity + 1e-9, besideTokens <= Double(rest) * capacity + 1e-9 else {
                return nil
            }
            let range = makespanRange(part: index, microBatches: m)
            let least = max(groupTime * timeScale, slowestBeside / fastestSpeed, range.lowerBound)
            guard least <= range.upperBound else { return nil }
            let makespan = model.addVariable("L\(index)", lower: least, upper: range.upperBound, objective: 1)
            pinnedParts.append((makespan, groupTokens + besideTokens))
            let inGroup = buckets.indices.map { model.addVariable("g\($0)_\(index)") }
            for q in buckets.indices {
                shares[q].append(Term(inGroup[q], 1))
                parts[q][index].append(inGroup[q])
            }
            var time = LinearExpression(
                buckets.indices.map {
                    Term(inGroup[$0], cost.time(buckets[$0].length, degree: d) * timeScale)
                })
            time.constant = groupTime * timeScale
            time.add(makespan, -1)
            model.addConstraint(time, .lessOrEqual(0))
            model.addConstraint(
                LinearExpression(buckets.indices.map { Term(inGroup[$0], buckets[$0].length) }),
                .lessOrEqual(max(0, Double(d) * capacity - groupTokens)))
            let besideCapacity = min(Double(rest) * fastestSpeed, computeCapacity - leastGroupCapacity(degree: d))
            let outside = addPlacement(
                to: &model, name: "\(index)", buckets: buckets, gpus: rest, capacity: besideCapacity,
                makespan: makespan,
                timeRowsAbove: withTimeRows ? timeRowsAbove : .infinity, checkAbove: timeRowsAbove,
                checks: &checks, work: besideWork, tokens: besideTokens,
                integralAbove: integralAbove, makespanAtLeast: least, classRows: withClassRows,
                classChecks: &classChecks, indicatorsAbove: indicatorsAbove,
                indicatorChecks: &indicatorChecks,
                fixedGroups: batch.companions.compactMap { companion in
                    companion.degree.map { ($0, companion.length) }
                })
            for q in buckets.indices {
                shares[q] += outside[q]
                parts[q][index] += outside[q].map(\.variable)
            }
        }
        let others = Double(m - pinned.count)
        if others > 0 {
            // With makespan ranges (two micro-batches, `TightLowerBound`) the other one's range gives it a floor.
            let range = makespanRange(part: pinned.count, microBatches: m)
            let typical = model.addVariable(
                "L_rest", lower: range.lowerBound, upper: range.upperBound,
                objective: others)
            let typicalShares = addPlacement(
                to: &model, name: "rest", buckets: buckets, gpus: cost.gpus,
                capacity: computeCapacity, makespan: typical,
                timeRowsAbove: withTimeRows ? timeRowsAbove : .infinity, checkAbove: timeRowsAbove,
                checks: &checks, weight: others, integralAbove: integralAbove,
                makespanAtLeast: range.lowerBound,
                classChecks: &classChecks, indicatorsAbove: indicatorsAbove,
                indicatorChecks: &indicatorChecks)
            for q in buckets.indices {
                shares[q] += typicalShares[q]
                parts[q][pinned.count] += typicalShares[q].map(\.variable)
            }
            addSpeedClassRows(
                to: &model, name: "rest", buckets: buckets, shares: parts.map { $0[pinned.count] }, makespan: typical)
        }
        for (index, batch) in pinned.enumerated() {
            addSpeedClassRows(
                to: &model, name: "\(index)", buckets: buckets, shares: parts.map { $0[index] },
                fixedTokens: pinnedParts[index].tokens, fixedWorkPerToken: leastWorkPerToken(of: batch),
                makespan: pinnedParts[index].makespan)
        }
        for (q, bucket) in buckets.enumerated() {
            model.addConstraint(LinearExpression(shares[q]), .equal(bucket.count))
        }
        // The MILP on GLPK, the LPs on CLP. The MILPs take 0.1-0.2 s at 1,024 GPUs; the time limit is only a guard
        // against a pathological branch-and-bound, after which the case keeps its LP value (still a bound).
        let options = model.isMixedInteger ? SolveOptions(timeLimit: Self.milpSecondsLimit) : SolveOptions()
        let solved = try? solve(model, using: model.isMixedInteger ? .glpk : .clp, options: options)
        if model.isMixedInteger, solved?.status == .infeasible {
            // No placement of the indicated sequences meets the case (with makespan ranges, within them): no plan
            // falls into it. Without ranges the MILP is as feasible as its LP.
            return PinnedLPResult(
                value: .infinity, breaksTimeRows: false, breaksClassRows: false,
                breaksIndicators: false,
                solution: PinnedSolution(microBatches: m, pinned: pinned, shares: []))
        }
        guard let solution = solved, solution.status == .optimal, let objective = solution.objective else {
            return nil
        }
        let breaks = checks.contains { check in
            check.seconds * solution.values[check.share.index] > solution.values[check.makespan.index] * (1 + 1e-9)
                + 1e-12
        }
        let breaksIndicators = indicatorChecks.contains { check in
            solution.values[check.share.index] > 1e-9
                && check.seconds > solution.values[check.makespan.index] * (1 + 1e-9) + 1e-12
        }
        let split = parts.map { byPart in
            byPart.map { variables in variables.reduce(0) { $0 + solution.values[$1.index] } }
        }
        // CLP's tolerances can leave the optimum a little off the true LP value (solving the same case with and
        // without idle columns differs by up to a few 1e-6); shave it so the bound stays valid.
        return PinnedLPResult(
            value: Double(m) * cost.beta1 + objective * (1 - LowerBound.solverShave),
            breaksTimeRows: breaks,
            breaksClassRows: classChecks.contains { !$0.holds(solution.values) },
            breaksIndicators: breaksIndicators,
            solution: PinnedSolution(microBatches: m, pinned: pinned, shares: split))
    }

    /// The degrees of at most `gpus` GPUs a sequence fits, with its time at each, and the one of least work; nil when
    /// it fits none.
    func degreeOptions(_ length: Double, gpus: Int)
        -> (options: [(degree: Int, time: Double)], cheapest: (degree: Int, time: Double))?
    {
        let options = cost.degrees.filter { $0 <= gpus && cost.fits(length, degree: $0) }
            .map { (degree: $0, time: cost.time(length, degree: $0)) }
        guard let cheapest = options.min(by: { Double($0.degree) * $0.time < Double($1.degree) * $1.time }) else {
            return nil
        }
        return (options, cheapest)
    }

    /// A case of the search and the stage it is refined to.
    struct CaseStage: Hashable {
        var index: Int
        var stage: Int
    }

    /// A case's LP or MILP at a stage; nil when it does not solve.
    struct Refinement {
        var result: PinnedLPResult?
    }

    /// A pinned LP's value, whether its solution breaks the time or class rows it was solved without, and the solution.
    struct PinnedLPResult {
        var value: Double
        var breaksTimeRows: Bool
        var breaksClassRows: Bool
        /// Whether a single sequence of at least `indicatorsAbove` tokens has a share at a degree whose time
        /// exceeds its part's makespan (then the MILP of degree indicators may be higher).
        var breaksIndicators: Bool
        var solution: PinnedSolution
    }

    /// Where the LP puts each bucket in the best case: the guide of `LPGuidedStep`.
    struct PinnedSolution {
        var microBatches: Int
        var pinned: [Pinned]
        /// Per bucket: its sequences in each pinned micro-batch (in the lead's group or beside it), then in each one
        /// of the other micro-batches.
        var shares: [[Double]]
    }

    /// A time row left out: `seconds` × share ≤ makespan would hold in the LP with time rows.
    struct TimeRowCheck {
        var share: VariableID
        var seconds: Double
        var makespan: VariableID
    }

    /// The sequences one micro-batch (or `weight` identical ones) runs on `gpus` GPUs beside anything pinned, within
    /// its makespan: memory and GPU-seconds rows, and per-degree shares where a sequence's degree decides its time
    /// (docs/sequence-parallel.md §Lower bound, time-feasible work). Returns each bucket's terms for its count row.
    private func addPlacement(
        to model: inout LinearModel, name: String,
        buckets: [(count: Double, length: Double, work: Double)], gpus: Int,
        capacity gpuSeconds: Double, makespan: VariableID, timeRowsAbove: Double, checkAbove: Double,
        checks: inout [TimeRowCheck], weight: Double = 1, work fixedWork: Double = 0,
        tokens fixedTokens: Double = 0, integralAbove: Double = .infinity,
        makespanAtLeast: Double = 0, classRows: Bool = true,
        classChecks: inout [MemoryTimeClasses.Check], indicatorsAbove: Double = .infinity,
        indicatorChecks: inout [TimeRowCheck],
        fixedGroups: [(degree: Int, length: Double)] = []
    ) -> [[Term]] {
        let capacity = cost.tokensPerGPU
        var memory = LinearExpression([])
        var work = LinearExpression([])
        work.constant = fixedWork
        // Memory-time classes where the part's makespan has a floor (`MemoryTimeClasses`). Where every share's work per
        // token, over the fastest speed (the work rows' allowance), is at least floor / C, each class's memory row
        // follows from its work row, and they add nothing. Like time rows, they are left out of a case's first LP and
        // only checked against its solution (`classChecks`).
        let placements = buckets.map { degreeOptions($0.length, gpus: gpus) }
        let perTokenWork =
            zip(buckets, placements).compactMap { bucket, placement in
                placement?.options.map { Double($0.degree) * $0.time / bucket.length }.min()
            } + fixedGroups.map { Double($0.degree) * cost.time($0.length, degree: $0.degree) / $0.length }
        let binds = makespanAtLeast / capacity > (perTokenWork.min() ?? .infinity) / fastestSpeed
        var classes =
            binds && memoryTimeClasses
            ? MemoryTimeClasses(floor: makespanAtLeast, tokensPerGPU: capacity, gpusPerNode: cost.gpusPerNode) : nil
        for group in fixedGroups {
            classes?.addFixed(
                work: Double(group.degree) * cost.time(group.length, degree: group.degree),
                tokens: group.length, degree: group.degree)
        }
        // Work by the degree it runs at (a one-share bucket's at its smallest degree, where it may run), for the rows
        // of groups of degree e or more (`classCapacity`; only under speeds).
        var workAtLeast = classCapacity.mapValues { _ in LinearExpression([]) }
        func addClassWork(_ share: VariableID, _ seconds: Double, degree: Int) {
            for e in workAtLeast.keys where degree >= e { workAtLeast[e]?.add(share, seconds) }
        }
        var terms = buckets.map { _ in [Term]() }
        for (q, bucket) in buckets.enumerated() {
            guard let (options, cheapest) = placements[q] else { continue }
            let timed = options.count > 1 && cheapest.time > timeRowsAbove
            // With classes, an untimed bucket gets one share per class, each at the class's least work.
            let classOptions =
                !classRows
                ? []
                : classes.map { classes in
                    Dictionary(grouping: options) { classes.rowClass($0.degree) }.values
                        .compactMap { $0.min { Double($0.degree) * $0.time < Double($1.degree) * $1.time } }
                        .sorted { $0.degree < $1.degree }
                } ?? []
            guard timed || classOptions.count > 1 else {
                let share = model.addVariable("y\(q)_\(name)")
                terms[q].append(Term(share, weight))
                memory.add(share, bucket.length)
                work.add(share, Double(cheapest.degree) * cheapest.time)
                addClassWork(share, Double(cheapest.degree) * cheapest.time, degree: options.map(\.degree).min() ?? 1)
                classes?.add(
                    share, work: Double(cheapest.degree) * cheapest.time, tokens: bucket.length,
                    degree: cheapest.degree)
                if options.count > 1, cheapest.time > checkAbove {
                    let seconds = cheapest.time / groupSpeed(degree: cheapest.degree) / bucket.count
                    checks.append(TimeRowCheck(share: share, seconds: seconds, makespan: makespan))
                }
                if options.count > 1, bucket.count <= 1, bucket.length >= indicatorsAbove {
                    let seconds = cheapest.time / groupSpeed(degree: cheapest.degree) / weight
                    indicatorChecks.append(TimeRowCheck(share: share, seconds: seconds, makespan: makespan))
                }
                continue
            }
            // A sequence runs at one degree: among the bucket's n sequences in this micro-batch, a share at degree e
            // means one of them at least, so the makespan is at least t(s, e) · share / n summed over degrees.
            var time = LinearExpression([])
            for option in timed ? options : classOptions {
                let share = model.addVariable("y\(q)_\(name)_\(option.degree)")
                terms[q].append(Term(share, weight))
                memory.add(share, bucket.length)
                work.add(share, Double(option.degree) * option.time)
                addClassWork(share, Double(option.degree) * option.time, degree: option.degree)
                classes?.add(
                    share, work: Double(option.degree) * option.time, tokens: bucket.length,
                    degree: option.degree)
                time.add(share, option.time / groupSpeed(degree: option.degree) / bucket.count)
                if !timed, option.time > checkAbove {
                    let seconds = option.time / groupSpeed(degree: option.degree) / bucket.count
                    checks.append(TimeRowCheck(share: share, seconds: seconds, makespan: makespan))
                }
                if bucket.count <= 1 && bucket.length >= integralAbove {
                    // Whether the sequence runs at this degree here: if it does, the micro-batch lasts its time (of
                    // `weight` alike micro-batches one does, so their mean lasts a weight-th of it).
                    let runs = model.addVariable("z\(q)_\(name)_\(option.degree)", kind: .binary)
                    model.addConstraint(LinearExpression([Term(share, 1), Term(runs, -1)]), .lessOrEqual(0))
                    let seconds = option.time / groupSpeed(degree: option.degree) / weight
                    model.addConstraint(LinearExpression([Term(runs, seconds), Term(makespan, -1)]), .lessOrEqual(0))
                } else if bucket.count <= 1 && bucket.length >= indicatorsAbove {
                    let seconds = option.time / groupSpeed(degree: option.degree) / weight
                    indicatorChecks.append(TimeRowCheck(share: share, seconds: seconds, makespan: makespan))
                }
            }
            if timed {
                time.add(makespan, -1)
                model.addConstraint(time, .lessOrEqual(0))
            }
        }
        if let classes {
            if classRows {
                classes.addRows(to: &model, name: name, makespan: makespan, gpus: gpus, fastestSpeed: fastestSpeed)
            } else {
                classChecks.append(
                    MemoryTimeClasses.Check(
                        classes: classes, makespan: makespan, gpus: gpus,
                        fastestSpeed: fastestSpeed))
            }
        }
        work.add(makespan, -gpuSeconds)
        model.addConstraint(memory, .lessOrEqual(max(0, Double(gpus) * capacity - fixedTokens)))
        model.addConstraint(work, .lessOrEqual(0))
        for e in workAtLeast.keys.sorted() {
            guard var row = workAtLeast[e], let bound = classCapacity[e], bound < gpuSeconds, !row.terms.isEmpty else {
                continue
            }
            row.add(makespan, -bound)
            model.addConstraint(row, .lessOrEqual(0))
        }
        return terms
    }
}
