import CostModel
import LinearProgramming

/// A lower bound on the step time that holds for every plan under the cost model (docs/sequence-parallel.md
/// §Lower bound): an LP over M micro-batches in which each micro-batch offers N GPUs × tokensPerGPU of memory and
/// N × L_i GPU-seconds, every sequence costs at least its cheapest GPU-seconds, and the longest sequence (WLOG in
/// micro-batch 0) forces L_0 ≥ its fastest time. Sequences are bucketed with each bucket's smallest length, which
/// only loosens the LP. The bound is the minimum over M ≥ the memory minimum.
struct LowerBound {
    let cost: SequenceParallelCost
    let lengths: [Double]
    /// Ranks of unequal speed: a group's time is at least its GPU-seconds over its members' summed speed, so each
    /// micro-batch offers Σ speeds (not N) GPU-seconds per second, and no group runs faster than its aligned block's
    /// slowest rank allows. Nil: every rank at 1.
    let speeds: [Double]?
    /// The fastest speed.
    let fastestSpeed: Double
    /// Per degree: the best slowest speed of an aligned block of that many ranks (the plan format puts a group of
    /// degree d on ranks [r, r + d) with r a multiple of d), and the least Σ speeds of such a block.
    private let blockSpeed: [Int: Double]
    private let blockCapacity: [Int: Double]
    /// Per degree e: the most GPU-seconds per second groups of degree e or more can deliver together, each group at
    /// its block's slowest speed (`classCapacities`); only where it is below Σ speeds.
    let classCapacity: [Int: Double]
    /// The ranks pooled by speed for the speed-class rows (`speedClasses(of:)`), computed once.
    let rankClasses: [(ranks: Int, speed: Double)]?
    /// Memory-time class rows in micro-batch parts with a makespan floor (`MemoryTimeClasses`); off only to measure
    /// what they add.
    var memoryTimeClasses = true
    /// Rows by speed class (`addSpeedClassRows`): a slow rank's memory and a fast rank's speed count only as far as
    /// the other allows; off only to measure what they add.
    var slowRankMemoryRows = true
    /// Idle cores the case search may solve ahead on (`SolveAhead`); the bound is the same without them.
    var spareCores: SpareCores?
    /// Ranges for the makespans of a one- or two-micro-batch step (`TightLowerBound`); nil for any.
    var makespanRanges: MakespanRanges?

    init(cost: SequenceParallelCost, lengths: [Double], speeds: [Double]? = nil) {
        self.cost = cost
        self.lengths = lengths
        self.speeds = speeds
        fastestSpeed = speeds?.max() ?? 1
        var blockCapacity: [Int: Double] = [:]
        if let speeds {
            for degree in cost.degrees where degree >= 1 && degree <= speeds.count {
                blockCapacity[degree] = stride(from: 0, through: speeds.count - degree, by: degree)
                    .map { speeds[$0..<($0 + degree)].reduce(0, +) }.min()
            }
        }
        blockSpeed = speeds.map { SpeedLayout.bestBlockSpeeds($0, degrees: cost.degrees) } ?? [:]
        self.blockCapacity = blockCapacity
        classCapacity = speeds.map { Self.classCapacities($0, degrees: cost.degrees) } ?? [:]
        rankClasses = speeds.flatMap { Self.speedClasses(of: $0) }
    }

    /// For each degree e > 1: the largest Σ d × (slowest speed of its block) over sets of disjoint aligned blocks of
    /// allowed degrees d ≥ e (a buddy-tree maximum). Every plan's groups of degree ≥ e are such a set, and a group of
    /// degree d on a block of slowest speed m runs at most d·m GPU-seconds per second, so their work in a micro-batch
    /// of makespan L is at most this × L.
    static func classCapacities(_ speeds: [Double], degrees: [Int]) -> [Int: Double] {
        let allowed = Set(degrees)
        let total = speeds.reduce(0, +)
        var result: [Int: Double] = [:]
        for e in degrees.sorted() where e > 1 {
            func best(_ start: Int, _ size: Int) -> Double {
                guard size >= e else { return 0 }
                let whole = allowed.contains(size) ? Double(size) * (speeds[start..<(start + size)].min() ?? 0) : 0
                return size > 1 ? max(whole, best(start, size / 2) + best(start + size / 2, size / 2)) : whole
            }
            // [0, N) covered by aligned power-of-two blocks, largest first.
            var capacity = 0.0
            var start = 0
            while start < speeds.count {
                var size = 1
                while start % (size * 2) == 0 && start + size * 2 <= speeds.count { size *= 2 }
                capacity += best(start, size)
                start += size
            }
            if capacity < total * (1 - 1e-12) { result[e] = capacity }
        }
        return result
    }

    /// GPU-seconds the ranks deliver per second of a micro-batch.
    var computeCapacity: Double { speeds?.reduce(0, +) ?? Double(cost.gpus) }

    /// The fastest a group of `degree` ranks can run: at its aligned block's slowest speed, at best.
    func groupSpeed(degree: Int) -> Double { blockSpeed[degree] ?? fastestSpeed }

    /// The least GPU-seconds per second a group of `degree` ranks takes from the others: its aligned block's Σ speeds.
    func leastGroupCapacity(degree: Int) -> Double { blockCapacity[degree] ?? Double(degree) * (speeds?.min() ?? 1) }

    /// Sorted lengths grouped so that each group's longest is at most `ratio` × its shortest; each group is
    /// represented by its shortest length (pricing everything lower only relaxes the LP).
    static func buckets(_ sorted: [Double], ratio: Double) -> [(count: Double, length: Double)] {
        var result: [(count: Double, length: Double)] = []
        for length in sorted {
            if let last = result.last, length <= last.length * ratio {
                result[result.count - 1].count += 1
            } else {
                result.append((1, length))
            }
        }
        return result
    }

    /// Buckets whose cheapest work takes longer than this share of the mean micro-batch's work per GPU get time
    /// rows (`addPlacement`); shorter ones hardly ever bind, and any share keeps the bound valid.
    static let timeRowShare = 0.5
    /// Relative margin taken off every LP value for the solver's tolerances.
    static let solverShave = 1e-5
    /// Buckets group lengths within this ratio of their shortest (§Lower bound).
    static let bucketRatio = 1.01
    /// The longest single-sequence buckets (beyond the two pinned) whose degree the final bound decides exactly
    /// (`pinnedBoundSolved`). With the two pinned, the four longest sequences are placed exactly; more tightened
    /// little on the benchmark and cost branch-and-bound time (§Lower bound).
    static let integralSequences = 2

    func compute(
        bucketRatio: Double = Self.bucketRatio, timeRowShare: Double = Self.timeRowShare,
        integralSequences: Int = Self.integralSequences
    ) -> Double? {
        computeGuided(bucketRatio: bucketRatio, timeRowShare: timeRowShare, integralSequences: integralSequences).bound
    }

    /// The bound, and where its LP puts the sequences (at nominal speed, when the two longest are pinned): the
    /// solution of the case and micro-batch count that give the bound.
    func computeGuided(
        bucketRatio: Double = Self.bucketRatio, timeRowShare: Double = Self.timeRowShare,
        integralSequences: Int = Self.integralSequences,
        microBatchCounts: (Int) -> Bool = { _ in true }
    ) -> (bound: Double?, guide: PinnedSolution?) {
        guard let longestIndex = lengths.indices.max(by: { lengths[$0] < lengths[$1] }) else { return (nil, nil) }
        let n = computeCapacity
        let capacity = cost.tokensPerGPU
        let memoryRanks = Double(cost.gpus)
        func cheapestWork(_ s: Double) -> Double {
            cost.degrees.filter { cost.fits(s, degree: $0) }.map { Double($0) * cost.time(s, degree: $0) }.min()
                ?? .infinity
        }
        let longest = lengths[longestIndex]
        // The longest sequence runs at one degree d: its micro-batch lasts ≥ t(s, d) and it costs d·t(s, d)
        // GPU-seconds. Taking the cheapest work and the fastest time separately would mix two degrees.
        let longestOptions = cost.degrees.filter { cost.fits(longest, degree: $0) }
            .map {
                (
                    time: cost.time(longest, degree: $0) / groupSpeed(degree: $0),
                    work: Double($0) * cost.time(longest, degree: $0)
                )
            }
        let fastest = longestOptions.map(\.time).min() ?? 0
        var rest = lengths
        rest.remove(at: longestIndex)
        rest.sort()
        let buckets: [(count: Double, length: Double, work: Double)] = Self.buckets(rest, ratio: bucketRatio)
            .map { (count: $0.count, length: $0.length, work: cheapestWork($0.length)) }
        let totalTokens = lengths.reduce(0, +)
        let totalWork = buckets.reduce(cheapestWork(longest)) { $0 + $1.count * $1.work }
        let minimumMicroBatches = max(1, Int((totalTokens / (memoryRanks * capacity)).rounded(.up)))
        let timeRowsAbove = timeRowShare * totalWork / n / Double(minimumMicroBatches)
        // The second-longest pinned too (`pinnedBound`), priced from buckets without it.
        var pinnedRest = rest
        let second = pinnedRest.popLast()
        let pinnedBuckets = Self.buckets(pinnedRest, ratio: bucketRatio)
            .map { (count: $0.count, length: $0.length, work: cheapestWork($0.length)) }
        let singles = pinnedBuckets.filter { $0.count == 1 }.map(\.length).sorted(by: >)
        let integralAbove =
            integralSequences <= 0
            ? .infinity
            : singles.count >= integralSequences ? singles[integralSequences - 1] : singles.last ?? .infinity
        var best = Double.infinity
        var guide: PinnedSolution?
        for microBatches in minimumMicroBatches...(minimumMicroBatches + 16) {
            let simple = Double(microBatches) * cost.beta1 + max(fastest, totalWork / n)
            if simple >= best { break }
            guard microBatchCounts(microBatches) else { continue }
            // Micro-batch 0 split around the longest sequence's group (and the second-longest placed by cases); under
            // speeds its times are at the fastest speed and its GPU-seconds within the ranks' summed speeds.
            let overhead = Double(microBatches) * cost.beta1
            var split: Double?
            var solution: PinnedSolution?
            if let second {
                let solved = pinnedBoundSolved(
                    microBatches: microBatches, longest: longest, second: second,
                    buckets: pinnedBuckets, timeRowsAbove: timeRowsAbove, integralAbove: integralAbove)
                split = solved?.value
                solution = solved?.solution
            } else {
                split = cost.degrees.filter { cost.fits(longest, degree: $0) }
                    .compactMap {
                        solveSplitLP(
                            microBatches: microBatches, buckets: buckets, longest: longest, degree: $0,
                            timeRowsAbove: timeRowsAbove)
                    }.min()
            }
            var value = Double.infinity
            if speeds == nil, let split {
                value = split
            } else if makespanRanges != nil, second != nil {
                // Within makespan ranges no case of the pinned LP holds a plan: nor does the range.
                value = split ?? .infinity
            } else {
                for option in longestOptions {
                    let aggregate = overhead + max(option.time, (totalWork - cheapestWork(longest) + option.work) / n)
                    value = min(
                        value,
                        solveLP(
                            microBatches: microBatches, buckets: buckets, longest: (longest, option.work, option.time))
                            ?? aggregate)
                }
                value = max(value, split ?? 0)
            }
            if max(value, simple) < best {
                best = max(value, simple)
                guide = speeds == nil ? solution : nil
            }
        }
        return (best.isFinite ? best : nil, guide)
    }

    /// The LP of M micro-batches, solved in its symmetric form: micro-batches 1…M−1 have identical constraints, so
    /// averaging any solution over them keeps it feasible at the same objective, and an optimum exists in which they
    /// are equal. One representative with weight M − 1 then gives the same value with 2 × buckets variables instead
    /// of M × buckets (a million sequences need thousands of micro-batches).
    func solveLP(
        microBatches m: Int, buckets: [(count: Double, length: Double, work: Double)],
        longest: (length: Double, work: Double, fastest: Double)
    ) -> Double? {
        let n = computeCapacity
        let memoryRanks = Double(cost.gpus)
        let others = Double(m - 1)
        var model = LinearModel(name: "sp-lower-bound")
        let first = model.addVariable("L0", lower: longest.fastest, objective: 1)
        let firstShares = buckets.indices.map { model.addVariable("y\($0)_0") }
        var memory = LinearExpression(buckets.indices.map { Term(firstShares[$0], buckets[$0].length) })
        var work = LinearExpression(buckets.indices.map { Term(firstShares[$0], buckets[$0].work) })
        memory.constant = longest.length
        work.constant = longest.work
        work.add(first, -n)
        model.addConstraint(memory, .lessOrEqual(memoryRanks * cost.tokensPerGPU))
        model.addConstraint(work, .lessOrEqual(0))
        guard m > 1 else {
            for (q, bucket) in buckets.enumerated() {
                model.addConstraint(.sum([firstShares[q]]), .equal(bucket.count))
            }
            return solved(model, microBatches: m)
        }
        // One of the other micro-batches; its makespan counts M − 1 times.
        let typical = model.addVariable("L1", objective: others)
        let typicalShares = buckets.indices.map { model.addVariable("y\($0)_1") }
        for (q, bucket) in buckets.enumerated() {
            model.addConstraint(
                LinearExpression([Term(firstShares[q], 1), Term(typicalShares[q], others)]), .equal(bucket.count))
        }
        let typicalMemory = LinearExpression(buckets.indices.map { Term(typicalShares[$0], buckets[$0].length) })
        var typicalWork = LinearExpression(buckets.indices.map { Term(typicalShares[$0], buckets[$0].work) })
        typicalWork.add(typical, -n)
        model.addConstraint(typicalMemory, .lessOrEqual(memoryRanks * cost.tokensPerGPU))
        model.addConstraint(typicalWork, .lessOrEqual(0))
        return solved(model, microBatches: m)
    }

    /// The LP with micro-batch 0 split around the longest sequence's group of degree d (docs/sequence-parallel.md
    /// §Lower bound): a sequence there either shares that group (its time at degree d added to the group's, its tokens
    /// to the group's d·C) or runs on the other N − d GPUs (at its cheapest work on at most N − d of them, within their
    /// GPU-seconds and memory). The aggregate LP let micro-batch 0's spare GPU-seconds be filled at every sequence's
    /// cheapest work, which a group spanning most of the cluster forbids. Micro-batches 1…M−1 are as in `solveLP`: the
    /// pinned LP with one pinned micro-batch.
    func solveSplitLP(
        microBatches m: Int, buckets: [(count: Double, length: Double, work: Double)], longest: Double,
        degree d: Int, timeRowsAbove: Double = .infinity
    ) -> Double? {
        solvePinnedLP(
            microBatches: m, buckets: buckets, pinned: [Pinned(lead: longest, degree: d)], timeRowsAbove: timeRowsAbove)
    }

    private func solved(_ model: LinearModel, microBatches m: Int) -> Double? {
        guard let solution = try? solve(model, using: .clp), solution.status == .optimal,
            let objective = solution.objective
        else {
            return nil
        }
        // CLP's tolerance can put the optimum a hair below the true LP value; shave it so the bound stays valid.
        return Double(m) * cost.beta1 + objective * (1 - Self.solverShave)
    }
}
