/// A tighter lower bound for steps of one or two micro-batches, too slow for every plan (seconds at 1,024 GPUs) but a
/// sharper certificate of a plan's quality (docs/sequence-parallel.md §Lower bound, "Makespan ranges").
///
/// The memory-time class rows charge a part's memory-bound GPUs their idle time up to a floor on its makespan that is
/// known before the LP; a micro-batch with no such floor gets none, and one whose floor is low gets little. With one
/// micro-batch the bound itself is a floor on every plan's makespan, so the LP with that floor is a bound again,
/// raised until it settles. With two, splitting the makespans L0 (the longest sequence's micro-batch) and L1 (the
/// other) into ranges gives each part a floor, its range's lower end, and caps each at the upper end. Every such plan
/// lies in some cell, so the least value over a partition of the (L0, L1) quadrant is a bound. The partition is
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
    func computeTight(
        integralSequences: Int = Self.tightIntegralSequences, resolution: Double = 0.05,
        evaluations: Int = 64
    ) -> Double? {
        guard lengths.count >= 2 else { return compute(integralSequences: integralSequences) }
        let ranged = Self.rangedMicroBatches
        var best =
            computeGuided(
                integralSequences: integralSequences,
                microBatchCounts: { !ranged.contains($0) }
            ).bound ?? .infinity
        for m in ranged {
            guard
                let root = computeGuided(
                    integralSequences: integralSequences,
                    microBatchCounts: { $0 == m }
                ).bound
            else { continue }
            let value =
                m == 1
                ? raisedFloor(
                    root: root, above: best, integralSequences: integralSequences, resolution: resolution,
                    evaluations: evaluations)
                : refined(
                    root: root, above: best, integralSequences: integralSequences, resolution: resolution,
                    evaluations: evaluations)
            best = min(best, value)
        }
        return best.isFinite ? best : nil
    }

    /// The bound for steps of one micro-batch with its own value as the makespan's floor, raised until it moves less
    /// than `resolution` ÷ 50: every such plan lasts at least the bound, so the LP with that floor bounds them again,
    /// at least as high. `above` once it passes that.
    private func raisedFloor(
        root: Double, above: Double, integralSequences: Int, resolution: Double,
        evaluations: Int
    ) -> Double {
        var value = root
        for _ in 0..<evaluations where value < above {
            var floored = self
            floored.makespanRanges = MakespanRanges(
                first: (value - cost.beta1)...Double.infinity,
                second: 0...Double.infinity)
            let next =
                floored.computeGuided(
                    integralSequences: integralSequences,
                    microBatchCounts: { $0 == 1 }
                ).bound ?? .infinity
            let raised = max(value, next)
            if raised <= value + resolution / 50 { return min(raised, above) }
            value = raised
        }
        return min(value, above)
    }

    /// The least value over cells of ranges for steps of two micro-batches, starting from the bound without
    /// ranges, `root`; `above` once every cell left is at least that.
    private func refined(
        root: Double, above: Double, integralSequences: Int, resolution: Double,
        evaluations: Int
    ) -> Double {
        let overhead = 2 * cost.beta1
        // A span to cut open ranges at: beyond it a cell's floor (its lower ends plus the overheads) passes the root.
        let span = max(resolution, root - overhead)
        struct Cell {
            var ranges: MakespanRanges
            var key: Double
            var evaluated: Bool
        }
        func floor(_ ranges: MakespanRanges) -> Double {
            overhead + ranges.first.lowerBound + ranges.second.lowerBound
        }
        func width(_ range: ClosedRange<Double>) -> Double { range.upperBound - range.lowerBound }
        func halves(_ range: ClosedRange<Double>) -> [ClosedRange<Double>] {
            let cut = range.upperBound.isFinite ? (range.lowerBound + range.upperBound) / 2 : range.lowerBound + span
            return [range.lowerBound...cut, cut...range.upperBound]
        }
        var open = [
            Cell(
                ranges: MakespanRanges(first: 0...Double.infinity, second: 0...Double.infinity), key: root,
                evaluated: true)
        ]
        var used = 0
        while let index = open.indices.min(by: { open[$0].key < open[$1].key }) {
            let cell = open.remove(at: index)
            if cell.key >= above { return above }
            if !cell.evaluated {
                guard used < evaluations else { return cell.key }
                used += 1
                var ranged = self
                ranged.makespanRanges = cell.ranges
                let value =
                    ranged.computeGuided(
                        integralSequences: integralSequences,
                        microBatchCounts: { $0 == 2 }
                    ).bound ?? .infinity
                // Both the parent's value and the cell's bound its plans.
                open.append(Cell(ranges: cell.ranges, key: max(cell.key, value), evaluated: true))
                continue
            }
            let first = width(cell.ranges.first)
            let second = width(cell.ranges.second)
            guard max(first, second) > resolution else { return cell.key }
            let split =
                first >= second
                ? halves(cell.ranges.first).map { MakespanRanges(first: $0, second: cell.ranges.second) }
                : halves(cell.ranges.second).map { MakespanRanges(first: cell.ranges.first, second: $0) }
            for ranges in split {
                open.append(Cell(ranges: ranges, key: max(cell.key, floor(ranges)), evaluated: false))
            }
        }
        return above
    }
}
