import CostModel

/// Homogeneous plans, built by the same step construction restricted to one degree: `static-sp-N` (every
/// sequence at the largest degree, DeepSpeed-Ulysses' setting) and `best-homogeneous` (the best single degree
/// for this batch, FlexSP's BatchAda).
struct Baselines {
    let cost: SequenceParallelCost
    let lengths: [Double]
    /// Under a time budget the degrees are built while the budget lasts; none once it is spent.
    var deadline: ContinuousClock.Instant? = nil
    /// Ranks of unequal speed: the baselines are built as if every rank were nominal (they do not know the speeds)
    /// and timed on the ranks as they are.
    var speeds: [Double]? = nil

    /// A step laid out largest degree first (as a speed-blind runtime would), each group at its slowest rank's speed.
    static func seconds(_ step: [BuiltMicroBatch], on speeds: [Double], cost: SequenceParallelCost) -> Double {
        placed(step, on: speeds, cost: cost).seconds
    }

    /// The same step with its ranks stated and its times at the ranks' speeds.
    static func placed(_ step: [BuiltMicroBatch], on speeds: [Double], cost: SequenceParallelCost) -> [BuiltMicroBatch]
    {
        step.map { built in
            let ordered = built.groups.enumerated().sorted { lhs, rhs in
                lhs.element.degree != rhs.element.degree
                    ? lhs.element.degree > rhs.element.degree : lhs.offset < rhs.offset
            }
            var rank = 0
            var slowest = 0.0
            var groups: [PackedGroup] = []
            var firstRanks: [Int] = []
            for (_, group) in ordered {
                let speed = speeds[rank..<(rank + group.degree)].min() ?? 1
                slowest = max(slowest, group.load / speed)
                groups.append(group)
                firstRanks.append(rank)
                rank += group.degree
            }
            return BuiltMicroBatch(groups: groups, seconds: slowest + cost.beta1, firstRanks: firstRanks)
        }
    }

    func homogeneous(degree: Int) -> [BuiltMicroBatch]? {
        guard let longest = lengths.max(), cost.fits(longest, degree: degree) else { return nil }
        var single = cost
        single.degrees = [degree]
        let builder = StepBuilder(cost: single, lengths: lengths, roomiestFallback: speeds == nil)
        return builder.best(
            grid: [(1.0, 1.0), (0.95, 1.0), (0.9, 1.0), (1.0, 1.25)], deadline: deadline,
            optional: true)?.step
    }

    /// The baselines' figures, and the best homogeneous step itself (a candidate plan too).
    func all() -> (figures: [(name: String, stepSeconds: Double)], bestStep: [BuiltMicroBatch]?) {
        var figures: [(String, Double)] = []
        let largest = cost.degrees.last ?? cost.gpus
        var best: (seconds: Double, step: [BuiltMicroBatch])?
        let clock = ContinuousClock()
        for degree in cost.degrees {
            // Past the budget the remaining degrees are left out (the plan says it is incomplete).
            if let deadline, clock.now > deadline { break }
            guard let step = homogeneous(degree: degree) else { continue }
            let seconds = speeds.map { Self.seconds(step, on: $0, cost: cost) } ?? step.seconds
            if degree == largest { figures.append(("static-sp-\(degree)", seconds)) }
            if seconds < best?.seconds ?? .infinity { best = (seconds, step) }
        }
        if let best { figures.append(("best-homogeneous", best.seconds)) }
        return (figures, best?.step)
    }
}
