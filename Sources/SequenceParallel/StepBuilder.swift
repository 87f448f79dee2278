import CostModel
import Dispatch
import Synchronization

/// A micro-batch of a candidate step: its groups and makespan (β1 included).
struct BuiltMicroBatch {
    var groups: [PackedGroup]
    var seconds: Double
    /// Each group's first rank when ranks differ in speed (`SpeedLayout`); nil: laid out largest degree first.
    var firstRanks: [Int]? = nil
}

extension [BuiltMicroBatch] {
    /// A step's time: its micro-batches run one after another.
    var seconds: Double { reduce(0) { $0 + $1.seconds } }
}

/// Splits a global batch into micro-batches and packs each (docs/sequence-parallel.md §Step construction).
///
/// Each micro-batch is "anchored": its target makespan is the larger of the fastest time of its longest remaining
/// sequence and the remaining work spread evenly over the micro-batches that memory still requires, times a scale.
/// It takes sequences longest first while they fit under that target, then is re-packed at its own minimum.
struct StepBuilder {
    let cost: SequenceParallelCost
    let lengths: [Double]
    /// Longest first; ties by index, so the result does not depend on input order of equal lengths.
    let order: [Int]
    private(set) var packer: MicroBatchPacker
    /// See `MicroBatchPacker.slowSingletons`.
    var slowSingletons: [Double] {
        get { packer.slowSingletons }
        set { packer.slowSingletons = newValue }
    }
    /// See `MicroBatchPacker.freeBlocks`.
    var freeBlocks: FreeBlocks? {
        get { packer.freeBlocks }
        set { packer.freeBlocks = newValue }
    }
    /// Set when ranks differ in speed: each micro-batch is placed and rebalanced on them.
    let speedLayout: SpeedLayout?
    var cheapestWork: [Double] { packer.table.cheapest }
    var fastestTime: [Double] { packer.table.fastest }

    /// `degreeSpeeds` prices each degree at that speed (`SpeedLayout.bestBlockSpeeds`) while packing; the groups
    /// then carry those times, so such a step is re-timed (`renominal`) before it is placed on the ranks.
    /// `roomiestFallback`: see `MicroBatchPacker`.
    init(
        cost: SequenceParallelCost, lengths: [Double], speeds: [Double]? = nil, degreeSpeeds: [Int: Double] = [:],
        roomiestFallback: Bool = true
    ) {
        self.cost = cost
        self.lengths = lengths
        self.order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let table = SequenceTable(cost: cost, lengths: lengths, degreeSpeeds: degreeSpeeds)
        self.packer = MicroBatchPacker(table: table, roomiestFallback: roomiestFallback)
        speedLayout = speeds.map { SpeedLayout(table: table, speeds: $0) }
    }

    /// The same builder (its table, order and ranks) packing with no group narrower than `smallestDegree`
    /// (`MicroBatchPacker.firstColumn`) and multi-GPU sequences `wideBoost` degrees wider than their time needs.
    func packing(smallestDegree: Int, wideBoost: Int) -> StepBuilder {
        var variant = self
        variant.packer.firstColumn = packer.table.degrees.firstIndex { $0 >= smallestDegree } ?? 0
        variant.packer.wideBoost = wideBoost
        return variant
    }

    /// The groups with their loads at nominal speed (from this builder's table).
    func renominal(_ groups: [PackedGroup]) -> [PackedGroup] {
        let table = packer.table
        return groups.map { $0.retimed(table) }
    }

    /// A packed micro-batch as it runs: on ranks of unequal speed, placed and rebalanced there.
    func finish(_ groups: [PackedGroup], limit: Double) -> BuiltMicroBatch {
        guard let speedLayout else { return BuiltMicroBatch(groups: groups, seconds: limit + cost.beta1) }
        let placed = speedLayout.arranged(groups)
        return BuiltMicroBatch(
            groups: placed.map(\.group), seconds: (placed.map(\.seconds).max() ?? 0) + cost.beta1,
            firstRanks: placed.map(\.firstRank))
    }

    /// A step for one target scale and memory fill factor; nil if some micro-batch cannot be packed, or if `abandon`
    /// says so between micro-batches (a search past its budget that already holds a plan).
    func build(scale: Double, fill: Double, abandon: () -> Bool = { false }) -> [BuiltMicroBatch]? {
        var remaining = RemainingSequences(order: order)
        var result: [BuiltMicroBatch] = []
        // Slow singletons (`MicroBatchPacker.slowSingletons`) add their memory and their speed's share of a GPU.
        let singletons = packer.slowSingletons
        let memory = Double(cost.gpus + singletons.count) * cost.tokensPerGPU
        let capacity = Double(cost.gpus) + singletons.reduce(0, +)
        // Running totals, so a step of many micro-batches does not re-add the whole remainder for each one.
        var tokens = order.reduce(0.0) { $0 + lengths[$1] }
        var work = order.reduce(0.0) { $0 + cheapestWork[$1] }
        while let longest = remaining.first() {
            if abandon() { return nil }
            let needed = max(1, Int((tokens / (memory * fill)).rounded(.up)))
            if needed == 1, let whole = packer.minimumMakespan(remaining.elements()) {
                result.append(finish(whole.groups, limit: whole.limit))
                break
            }
            let anchor = fastestTime[longest]
            let target = max(anchor, work / (capacity * Double(max(needed, 2)))) * scale
            let taken = packer.take(from: &remaining, limit: max(target, anchor))
            guard !taken.placed.isEmpty, let packed = packer.minimumMakespan(taken.placed) else { return nil }
            result.append(finish(packed.groups, limit: packed.limit))
            for sequence in taken.placed {
                tokens -= lengths[sequence]
                work -= cheapestWork[sequence]
            }
        }
        return result
    }

    /// The best step over a fixed grid of (fill, scale) points (deterministic; the grid is the search). Without a
    /// deadline the points are built on all cores at once and the pick is made in grid order afterwards, so the plan
    /// is the one the sequential search returns; with one they are built in order, checking the clock between them.
    /// With `optional`, even the first point is dropped when the budget runs out (a baseline may be left out; the
    /// plan's own search always finishes one).
    func best(
        grid: [(fill: Double, scale: Double)], deadline: ContinuousClock.Instant?,
        optional: Bool = false
    ) -> (step: [BuiltMicroBatch], complete: Bool)? {
        var best: [BuiltMicroBatch]?
        var bestSeconds = Double.infinity
        func consider(_ step: [BuiltMicroBatch]?) {
            guard let step else { return }
            let seconds = step.seconds
            if seconds < bestSeconds - 1e-12 {
                bestSeconds = seconds
                best = step
            }
        }
        guard let deadline else {
            let steps = Mutex([[BuiltMicroBatch]?](repeating: nil, count: grid.count))
            DispatchQueue.concurrentPerform(iterations: grid.count) { index in
                let step = build(scale: grid[index].scale, fill: grid[index].fill)
                steps.withLock { $0[index] = step }
            }
            for step in steps.withLock({ $0 }) { consider(step) }
            return best.map { ($0, true) }
        }
        let clock = ContinuousClock()
        for (fill, scale) in grid {
            if best != nil, clock.now > deadline { return best.map { ($0, false) } }
            // Once a plan is in hand, a point still building when the budget runs out is dropped mid-way.
            let holdsPlan = optional || best != nil
            var abandoned = false
            consider(
                build(scale: scale, fill: fill) {
                    abandoned = holdsPlan && clock.now > deadline
                    return abandoned
                })
            if abandoned { return best.map { ($0, false) } }
        }
        return best.map { ($0, true) }
    }
}
