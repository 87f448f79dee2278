/// A tighter lower bound for steps of one or two micro-batches, too slow for every plan (seconds at 1,024 GPUs) but a
/// sharper certificate of a plan's quality (docs/sequence-parallel.md §Lower bound, "Makespan ranges").
///
/// The memory-time class rows charge a part's memory-bound GPUs their idle time up to a floor on its makespan that is
/// known before the LP; a micro-batch with no such floor gets none, and one whose floor is low gets little. Splitting
/// the makespans (L0, the longest sequence's micro-batch, and with two micro-batches L1, the other) into ranges gives
/// every part a floor, its range's lower end, and caps each at the upper end. Every such plan lies in some cell of
/// ranges, so the least value over a partition of the makespans' quadrant (or half-line) is a bound. The partition is
/// refined best first: the cell with the lowest value is split until cells are `resolution` wide, so every cell left
/// has a value at least the one returned.
extension LowerBound {
    /// Closed ranges for the micro-batches' makespans: `first` holds the longest sequence; `second` is the other
    /// micro-batch's, unused with one.
    struct MakespanRanges: Sendable, Equatable {
        var first: ClosedRange<Double>
        var second: ClosedRange<Double>
    }

    /// The range of part `part` of an LP with `microBatches` micro-batches: the cell's, with two micro-batches (part 0
    /// holds the longest sequence, part 1 the other, pinned or not) or one; any makespan otherwise.
    func makespanRange(part: Int, microBatches m: Int) -> ClosedRange<Double> {
        guard m == 2 || m == 1 && part == 0, let ranges = makespanRanges else { return 0...Double.infinity }
        return part == 0 ? ranges.first : ranges.second
    }

    /// Degree indicators for this many single sequences beyond the two pinned, where the ranges make them bind.
    static let tightIntegralSequences = 16

    /// Micro-batch counts whose makespans are refined over ranges.
    static let rangedMicroBatches = [1, 2]

    /// The bound with one- and two-micro-batch steps refined over makespan ranges; the others as `compute` bounds
    /// them. Nil where `compute` is nil. With fewer than two sequences it is `compute`'s bound. Under unequal speeds
    /// the ranges apply as they are: a part's makespan is its slowest group's time at its block's speed.
    func computeTight(integralSequences: Int = Self.tightIntegralSequences, resolution: Double = 0.05,
                      evaluations: Int = 64) -> Double? {
        guard lengths.count >= 2 else { return compute(integralSequences: integralSequences) }
        let ranged = Self.rangedMicroBatches
        var best = computeGuided(integralSequences: integralSequences,
                                 microBatchCounts: { !ranged.contains($0) }).bound ?? .infinity
        for m in ranged {
            guard let root = computeGuided(integralSequences: integralSequences,
                                           microBatchCounts: { $0 == m }).bound else { continue }
            best = min(best, refined(microBatches: m, root: root, above: best, integralSequences: integralSequences,
                                     resolution: resolution, evaluations: evaluations))
        }
        return best.isFinite ? best : nil
    }

    /// The least value over cells of ranges for steps of `m` micro-batches (1 or 2), starting from the bound without
    /// ranges, `root`; `above` once every cell left is at least that.
    private func refined(microBatches m: Int, root: Double, above: Double, integralSequences: Int, resolution: Double,
                         evaluations: Int) -> Double {
        let overhead = Double(m) * cost.beta1
        // A span to cut open ranges at: beyond it a cell's floor (its lower ends plus the overheads) passes the root.
        let span = max(resolution, root - overhead)
        struct Cell {
            var ranges: MakespanRanges
            var key: Double
            var evaluated: Bool
        }
        func floor(_ ranges: MakespanRanges) -> Double {
            overhead + ranges.first.lowerBound + (m == 2 ? ranges.second.lowerBound : 0)
        }
        func width(_ range: ClosedRange<Double>) -> Double { range.upperBound - range.lowerBound }
        func halves(_ range: ClosedRange<Double>) -> [ClosedRange<Double>] {
            let cut = range.upperBound.isFinite ? (range.lowerBound + range.upperBound) / 2 : range.lowerBound + span
            return [range.lowerBound...cut, cut...range.upperBound]
        }
        var open = [Cell(ranges: MakespanRanges(first: 0...Double.infinity, second: 0...Double.infinity), key: root,
                         evaluated: true)]
        var used = 0
        while let index = open.indices.min(by: { open[$0].key < open[$1].key }) {
            let cell = open.remove(at: index)
            if cell.key >= above { return above }
            if !cell.evaluated {
                guard used < evaluations else { return cell.key }
                used += 1
                var ranged = self
                ranged.makespanRanges = cell.ranges
                let value = ranged.computeGuided(integralSequences: integralSequences,
                                                 microBatchCounts: { $0 == m }).bound ?? .infinity
                // Both the parent's value and the cell's bound its plans.
                open.append(Cell(ranges: cell.ranges, key: max(cell.key, value), evaluated: true))
                continue
            }
            let first = width(cell.ranges.first), second = m == 2 ? width(cell.ranges.second) : 0
            guard max(first, second) > resolution else { return cell.key }
            let split = first >= second
                ? halves(cell.ranges.first).map { MakespanRanges(first: $0, second: cell.ranges.second) }
                : halves(cell.ranges.second).map { MakespanRanges(first: cell.ranges.first, second: $0) }
            for ranges in split {
                open.append(Cell(ranges: ranges, key: max(cell.key, floor(ranges)), evaluated: false))
            }
        }
        return above
    }
}
