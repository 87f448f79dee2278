/// A step built from the lower bound's LP (docs/sequence-parallel.md §Optimizer): the LP of the case that gives the
/// bound says how many sequences of each length bucket each micro-batch holds (the pinned ones and the others);
/// those counts are rounded, each micro-batch is packed at its minimum makespan, and a micro-batch that memory
/// refuses hands its shortest sequences to the one holding the fewest tokens. The exchange search then starts from
/// it, beside the construction's own step. Deterministic: buckets and micro-batches in a fixed order.
struct LPGuidedStep {
    let packer: MicroBatchPacker
    let beta1: Double

    func build(_ guide: LowerBound.PinnedSolution, bucketRatio: Double = LowerBound.bucketRatio) -> [BuiltMicroBatch]? {
        let lengths = packer.table.lengths
        let m = guide.microBatches
        let pinned = guide.pinned.count
        guard lengths.count >= 2, m >= pinned, pinned >= 1, m <= lengths.count else { return nil }
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        var members = [[Int]](repeating: [], count: m)
        members[0].append(order[0])
        // The second-longest: beside or inside the longest's group, or leading micro-batch 1's.
        members[guide.pinned[0].companions.isEmpty && pinned > 1 ? 1 : 0].append(order[1])
        // The other sequences, shortest first, in the LP's buckets.
        let ascending = Array(order.dropFirst(2).reversed())
        let buckets = LowerBound.buckets(ascending.map { lengths[$0] }, ratio: bucketRatio)
        guard buckets.count == guide.shares.count else { return nil }
        var next = 0
        for (q, bucket) in buckets.enumerated() {
            let count = Int(bucket.count)
            let shares = (0..<m).map { $0 < pinned ? guide.shares[q][$0] : guide.shares[q][pinned] }
            let counts = Self.rounded(shares, total: count)
            // Longer members of the bucket first, to the micro-batches in order.
            var position = next + count - 1
            for (batch, taken) in counts.enumerated() {
                for _ in 0..<taken {
                    members[batch].append(ascending[position])
                    position -= 1
                }
            }
            next += count
        }
        return pack(members.filter { !$0.isEmpty })
    }

    /// Whole counts adding up to `total`, each the floor of its share or one more (largest remainders first, ties to
    /// the first).
    static func rounded(_ shares: [Double], total: Int) -> [Int] {
        let scale = shares.reduce(0, +)
        guard scale > 0 else { return shares.indices.map { $0 == 0 ? total : 0 } }
        let exact = shares.map { max(0, $0) * Double(total) / scale }
        var counts = exact.map { Int($0.rounded(.down)) }
        let order = exact.indices.sorted {
            let a = exact[$0] - Double(counts[$0])
            let b = exact[$1] - Double(counts[$1])
            return a != b ? a > b : $0 < $1
        }
        var missing = total - counts.reduce(0, +)
        for index in order where missing > 0 {
            counts[index] += 1
            missing -= 1
        }
        return counts
    }

    /// Each micro-batch at its minimum makespan; one that the packer refuses (memory, in groups) passes its shortest
    /// sequences, a twentieth of its tokens at a time, to the micro-batch holding the fewest tokens. Nil when
    /// `repairs` such hand-overs do not make every micro-batch pack.
    static let repairs = 8

    private func pack(_ start: [[Int]]) -> [BuiltMicroBatch]? {
        let lengths = packer.table.lengths
        var members = start.map(ordered)
        var tokens = members.map { $0.reduce(0.0) { $0 + lengths[$1] } }
        var built = [BuiltMicroBatch?](repeating: nil, count: members.count)
        var repairs = 0
        var index = 0
        while index < members.count {
            if let packed = packer.minimumMakespan(members[index]) {
                built[index] = BuiltMicroBatch(groups: packed.groups, seconds: packed.limit + beta1)
                index += 1
                continue
            }
            guard repairs < Self.repairs, members[index].count > 1,
                let lightest = tokens.indices.filter({ $0 != index }).min(by: { tokens[$0] < tokens[$1] })
            else { return nil }
            repairs += 1
            var handed: [Int] = []
            var amount = 0.0
            while members[index].count > 1, amount < tokens[index] / 20, let shortest = members[index].last {
                members[index].removeLast()
                handed.append(shortest)
                amount += lengths[shortest]
            }
            tokens[index] -= amount
            tokens[lightest] += amount
            members[lightest] = ordered(members[lightest] + handed)
            // The receiving micro-batch is packed again when its turn comes (again, if it already was).
            if lightest < index {
                built[lightest] = nil
                index = lightest
            }
        }
        return built.compactMap { $0 }
    }

    private func ordered(_ sequences: [Int]) -> [Int] {
        let lengths = packer.table.lengths
        return sequences.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
    }
}
