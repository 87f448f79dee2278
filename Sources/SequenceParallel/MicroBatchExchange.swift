import CostModel

/// A local search across micro-batches after the step is built (docs/sequence-parallel.md §Optimizer): the step
/// construction fills micro-batches one after another, so a later one may be much lighter than the first. Each round
/// takes the slowest micro-batch's heaviest sequences and its busiest group's others, and tries moving each to every
/// other micro-batch, or swapping it for as many tokens of the target's shortest sequences, re-packing both at their
/// minimum makespan; the change that lowers the step most is kept. It stops when no tried change helps, or after
/// `evaluations` re-packings. Deterministic: candidates in a fixed order, ties to the first. With a `layout` (ranks
/// of unequal speed) every re-packed micro-batch is placed and rebalanced on the ranks, and judged as it runs there:
/// a slow rank's lost capacity can then move to a micro-batch with memory to spare.
struct MicroBatchExchange {
    let packer: MicroBatchPacker
    let beta1: Double
    let layout: SpeedLayout?
    /// Floors and packing limits are in nominal seconds; ranks faster than nominal make a micro-batch shorter.
    private let speedUp: Double
    /// Batches above this many sequences skip the search: each re-packing walks the micro-batch.
    static let sequenceLimit = 16_384
    /// Above this many sequences the search gets `largeBatchEvaluations` re-packings (each costs more there).
    static let largeBatch = 4_096
    static let largeBatchEvaluations = 40
    /// A second start (the best homogeneous step) is searched only within this fraction of the first.
    static let homogeneousStartSlack = 0.05
    /// Relative precision of the makespan search while changes are screened (each re-packs two micro-batches).
    static let screeningPrecision = 1e-3
    /// Sequences tried per round, heaviest first.
    var candidates = 24
    var evaluations: Int

    init(packer: MicroBatchPacker, beta1: Double, evaluations: Int = 300, layout: SpeedLayout? = nil) {
        self.packer = packer
        self.beta1 = beta1
        self.evaluations = evaluations
        self.layout = layout
        speedUp = max(1, layout?.speeds.max() ?? 1)
    }

    /// A micro-batch under search: its sequences (longest first), its packing and its cheapest work.
    private typealias Batch = (sequences: [Int], built: BuiltMicroBatch, work: Double)

    /// Sequences from the slowest micro-batch to a target (`out`) and from the target back (`back`), with both
    /// micro-batches re-packed.
    private struct Change {
        var gain: Double
        var out: [Int]
        var back: [Int]
        var target: Int
        var from: BuiltMicroBatch
        var to: BuiltMicroBatch
    }

    /// Each micro-batch re-packed with every degree where that is faster (a step built under other rules, such as
    /// one degree only).
    func repacked(_ step: [BuiltMicroBatch]) -> [BuiltMicroBatch] {
        guard step.allSatisfy({ $0.firstRanks == nil }) else { return step }
        return step.map { built in
            guard let repacked = packed(built.groups.flatMap(\.sequences), precision: MicroBatchPacker.precision),
                repacked.seconds < built.seconds - 1e-12
            else { return built }
            return repacked
        }
    }

    func improve(_ step: [BuiltMicroBatch]) -> [BuiltMicroBatch] {
        guard step.count > 1, layout != nil || step.allSatisfy({ $0.firstRanks == nil }) else { return step }
        var batches: [Batch] = step.map { built in
            let sequences = ordered(built.groups.flatMap(\.sequences))
            let placed = built.firstRanks == nil ? placedOnRanks(built) : built
            return (sequences, placed, sequences.reduce(0) { $0 + packer.table.cheapest[$1] })
        }
        var used = 0
        while used < evaluations {
            guard let slowest = batches.indices.max(by: { batches[$0].built.seconds < batches[$1].built.seconds }),
                let change = bestChange(from: slowest, in: batches, used: &used)
            else { break }
            let out = Set(change.out)
            let back = Set(change.back)
            let outWork = work(of: change.out)
            let backWork = work(of: change.back)
            let source = batches[slowest]
            let target = batches[change.target]
            batches[slowest] = (
                ordered(source.sequences.filter { !out.contains($0) } + change.back), change.from,
                source.work - outWork + backWork
            )
            batches[change.target] = (
                ordered(target.sequences.filter { !back.contains($0) } + change.out), change.to,
                target.work + outWork - backWork
            )
        }
        // Changes were judged on packings at the screening precision; the micro-batches go out packed at the finer one.
        return batches.filter { !$0.sequences.isEmpty }.map { batch in
            guard let fine = packed(batch.sequences, precision: MicroBatchPacker.precision),
                fine.seconds < batch.built.seconds
            else { return batch.built }
            return fine
        }
    }

    /// The slowest micro-batch's heaviest sequences (time at their group's degree, longest on ties), then its busiest
    /// group's other members (the micro-batch waits for that group).
    private func candidates(of batch: Batch) -> [Int] {
        let groups = batch.built.groups
        let table = packer.table
        let busiest = busiestGroup(of: batch.built) ?? 0
        let loads = groups.enumerated().flatMap { index, group in
            group.sequences.map {
                (sequence: $0, inBusiest: index == busiest, seconds: table.time[table.cell($0, degree: group.degree)])
            }
        }
        let heaviest = loads.sorted { $0.seconds != $1.seconds ? $0.seconds > $1.seconds : $0.sequence < $1.sequence }
        return
            (Array(heaviest.prefix(candidates)) + heaviest.dropFirst(candidates).filter(\.inBusiest).prefix(candidates))
            .map(\.sequence)
    }

    /// The change out of `slowest` that lowers the step most, counting its re-packings in `used`.
    private func bestChange(from slowest: Int, in batches: [Batch], used: inout Int) -> Change? {
        let source = batches[slowest]
        let table = packer.table
        var best: Change?
        for candidate in candidates(of: source) {
            // A packing that fails costs as much as one that succeeds: both count (a start whose packing the packer
            // cannot reproduce, such as a homogeneous step's, would otherwise re-pack every candidate for nothing).
            guard used < evaluations else { break }
            used += 1
            guard let from = packed(source.sequences.filter { $0 != candidate }, upper: source.built.seconds - beta1)
            else {
                continue
            }
            for target in batches.indices where target != slowest {
                guard used < evaluations else { break }
                let before = source.built.seconds + batches[target].built.seconds
                // No packing of the target with the candidate beats this floor; skip what cannot beat the best change.
                let targetWork = batches[target].work + table.cheapest[candidate]
                let floor = beta1 + max(table.fastest[candidate], targetWork / Double(table.gpus)) / speedUp
                guard before - from.seconds - floor > (best?.gain ?? 0) else { continue }
                used += 1
                // Only a packing that beats the best change so far matters: none under that limit, no move.
                let mustBeat = before - from.seconds - max(best?.gain ?? 0, 1e-9 * source.built.seconds)
                if let to = packed(batches[target].sequences + [candidate], cap: mustBeat - beta1) {
                    let gain = before - from.seconds - to.seconds
                    if gain > 1e-9 * source.built.seconds, gain > (best?.gain ?? 0) {
                        best = Change(gain: gain, out: [candidate], back: [], target: target, from: from, to: to)
                        continue
                    }
                }
                // The move does not pay (or the target's memory is full): swap the candidate for as many tokens of
                // the target's shortest sequences (they fill the gaps beside the source's wide groups).
                guard used + 2 <= evaluations,
                    let swap = swapped(
                        candidate, source: source, target: batches[target],
                        toBeat: before - (best?.gain ?? 0))
                else { continue }
                used += 2
                let gain = before - swap.from.seconds - swap.to.seconds
                if gain > 1e-9 * source.built.seconds, gain > (best?.gain ?? 0) {
                    best = Change(
                        gain: gain, out: [candidate], back: swap.back, target: target, from: swap.from,
                        to: swap.to)
                }
            }
        }
        return best
    }

    /// `candidate` moved from `source` to `target`, and the target's shortest sequences holding as many tokens
    /// moved back; nil when either side does not pack, or when no packing of the two can total below `toBeat`.
    private func swapped(_ candidate: Int, source: Batch, target: Batch, toBeat: Double)
        -> (back: [Int], from: BuiltMicroBatch, to: BuiltMicroBatch)?
    {
        let table = packer.table
        let length = table.lengths[candidate]
        var back: [Int] = []
        var tokens = 0.0
        for sequence in target.sequences.reversed() where tokens < length && table.lengths[sequence] < length {
            back.append(sequence)
            tokens += table.lengths[sequence]
        }
        guard tokens >= length else { return nil }
        let returned = Set(back)
        let kept = target.sequences.filter { !returned.contains($0) }
        let sent = ordered(source.sequences.filter { $0 != candidate } + back)
        // Each side takes at least β1 plus its slowest sequence's fastest time or its work over N.
        let gpus = Double(table.gpus)
        let moved = table.cheapest[candidate]
        let returnedWork = work(of: back)
        let sourceFloor = max(sent.first.map { table.fastest[$0] } ?? 0, (source.work - moved + returnedWork) / gpus)
        let targetFloor = max(
            table.fastest[candidate], kept.first.map { table.fastest[$0] } ?? 0,
            (target.work + moved - returnedWork) / gpus)
        let floor = 2 * beta1 + (sourceFloor + targetFloor) / speedUp
        guard floor < toBeat, let from = packed(sent),
            let to = packed(kept + [candidate], cap: toBeat - from.seconds - beta1)
        else { return nil }
        return (back, from, to)
    }

    private func work(of sequences: [Int]) -> Double { sequences.reduce(0) { $0 + packer.table.cheapest[$1] } }

    /// Longest first, ties by index (the packer's order).
    func ordered(_ sequences: [Int]) -> [Int] {
        let lengths = packer.table.lengths
        return sequences.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
    }

    /// The micro-batch at its minimum makespan (`upper` and `cap` in the seconds it runs), placed on the ranks when
    /// they differ in speed.
    func packed(
        _ sequences: [Int], upper: Double? = nil, cap: Double? = nil,
        precision: Double = screeningPrecision
    ) -> BuiltMicroBatch? {
        guard !sequences.isEmpty else {
            return BuiltMicroBatch(groups: [], seconds: 0, firstRanks: layout.map { _ in [] })
        }
        // On ranks of unequal speed a packing runs slower than its nominal makespan (or faster, by at most
        // `speedUp`): limits are loosened by that much and the placed result is checked against the cap.
        let limits = (upper: upper.map { $0 * speedUp }, cap: cap.map { $0 * speedUp })
        guard
            let result = packer.minimumMakespan(
                ordered(sequences), precision: precision, upper: limits.upper,
                cap: limits.cap)
        else {
            return nil
        }
        let built = placedOnRanks(BuiltMicroBatch(groups: result.groups, seconds: result.limit + beta1))
        if layout != nil, let cap, built.seconds - beta1 > cap { return nil }
        return built
    }

    /// Placed and rebalanced on ranks of unequal speed (`SpeedLayout`), its groups timed at nominal speed first (the
    /// packer's table may price degrees at their best block's speed); as it is without a layout.
    func placedOnRanks(_ built: BuiltMicroBatch) -> BuiltMicroBatch {
        guard let layout else { return built }
        let table = layout.table
        let placed = layout.arranged(built.groups.map { $0.retimed(table) })
        return BuiltMicroBatch(
            groups: placed.map(\.group), seconds: (placed.map(\.seconds).max() ?? 0) + beta1,
            firstRanks: placed.map(\.firstRank))
    }

    /// The index of the group the micro-batch waits for; nil when it has none.
    func busiestGroup(of built: BuiltMicroBatch) -> Int? {
        built.groups.indices.max { seconds(of: built, group: $0) < seconds(of: built, group: $1) }
    }

    /// A group's time as it runs: its load at its block's slowest speed when placed.
    func seconds(of built: BuiltMicroBatch, group index: Int) -> Double {
        built.groups[index].load / speed(of: built, group: index)
    }

    /// The speed a group runs at: its block's slowest rank's when placed, else 1.
    func speed(of built: BuiltMicroBatch, group index: Int) -> Double {
        guard let layout, let firstRanks = built.firstRanks else { return 1 }
        return layout.blockSpeed(start: firstRanks[index], degree: built.groups[index].degree)
    }
}
