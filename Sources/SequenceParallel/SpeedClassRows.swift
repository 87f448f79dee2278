import LinearProgramming

/// Each rank's memory and speed, not only their sums (docs/sequence-parallel.md §Ranks of unequal speed).
extension LowerBound {
    /// At most this many speed classes; more distinct speeds are pooled (each class at its fastest member's speed).
    static let speedClassLimit = 8

    /// Ranks pooled by speed, fastest first (`speedClasses(of:)`); nil where the rows are off or every rank runs at
    /// one speed.
    var speedClasses: [(ranks: Int, speed: Double)]? { slowRankMemoryRows ? rankClasses : nil }

    /// Each class's size and the speed none of its ranks exceeds; nil where every rank runs at one speed (the
    /// aggregate rows say it all).
    static func speedClasses(of speeds: [Double]) -> [(ranks: Int, speed: Double)]? {
        let sorted = speeds.sorted(by: >)
        guard let slowest = sorted.last, let fastest = sorted.first, slowest < fastest else { return nil }
        var distinct: [(ranks: Int, speed: Double)] = []
        for speed in sorted {
            if let last = distinct.last, last.speed == speed {
                distinct[distinct.count - 1].ranks += 1
            } else {
                distinct.append((1, speed))
            }
        }
        guard distinct.count > speedClassLimit else { return distinct }
        // Equal numbers of ranks per class, in order of speed.
        return (0..<speedClassLimit).map { index in
            let lower = index * sorted.count / speedClassLimit
            let upper = (index + 1) * sorted.count / speedClassLimit
            return (upper - lower, sorted[lower])
        }
    }

    /// Rows for one micro-batch part on the whole cluster. A group lasting at most L at its slowest rank's speed s
    /// does at most s·L nominal seconds, and each of its d ranks holds a d-th of its tokens and of its GPU-seconds. So
    /// the part's sequences are split into rank-shares by speed class (`v_qc`: a sequence at degree d with j ranks in
    /// class c counts j/d there), each carrying at least its bucket's cheapest work, within the class's speed × size
    /// × L, and its tokens within the class's memory. `fixedTokens` are the pinned sequences', at `fixedWorkPerToken`
    /// at least. Where memory binds, a fast rank cannot use its speed, nor a slow one its memory.
    func addSpeedClassRows(
        to model: inout LinearModel, name: String, buckets: [(count: Double, length: Double, work: Double)],
        shares: [[VariableID]], fixedTokens: Double = 0, fixedWorkPerToken: Double = 0, makespan: VariableID
    ) {
        guard let classes = speedClasses else { return }
        let capacity = cost.tokensPerGPU
        var memory = classes.map { _ in LinearExpression([]) }
        var work = classes.map { _ in LinearExpression([]) }
        for (q, bucket) in buckets.enumerated() where !shares[q].isEmpty {
            var split = LinearExpression(shares[q].map { Term($0, -1) })
            for c in classes.indices {
                let share = model.addVariable("v\(q)_\(c)_\(name)")
                split.add(share, 1)
                memory[c].add(share, bucket.length)
                work[c].add(share, bucket.work)
            }
            model.addConstraint(split, .equal(0))
        }
        if fixedTokens > 0 {
            var split = LinearExpression([], constant: -fixedTokens)
            for c in classes.indices {
                let tokens = model.addVariable("u\(c)_\(name)")
                split.add(tokens, 1)
                memory[c].add(tokens, 1)
                work[c].add(tokens, fixedWorkPerToken)
            }
            model.addConstraint(split, .equal(0))
        }
        for (c, rankClass) in classes.enumerated() {
            work[c].add(makespan, -Double(rankClass.ranks) * rankClass.speed)
            model.addConstraint(memory[c], .lessOrEqual(Double(rankClass.ranks) * capacity))
            model.addConstraint(work[c], .lessOrEqual(0))
        }
    }
}
