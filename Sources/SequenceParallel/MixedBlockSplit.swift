/// Where a group sits on a block of mixed speeds, the whole group runs at its slowest rank's speed. Splitting that
/// block into aligned blocks of one speed each, and spreading the group's sequences over them and the other groups,
/// can be faster: a short sequence on the slow rank's fast neighbour alone, the slow rank idle
/// (docs/sequence-parallel.md §Ranks of unequal speed, "Mixed blocks split").
extension SpeedLayout {
    /// Placed and rebalanced (`place`, `rebalance`); where some group's block mixes speeds, also with those blocks
    /// split, and the faster of the two.
    func arranged(_ groups: [PackedGroup]) -> [Placed] {
        let placed = rebalance(place(groups))
        guard let split = splitMixedBlocks(placed) else { return placed }
        let alternative = rebalance(split)
        return Self.makespan(alternative) < Self.makespan(placed) * (1 - 1e-12) ? alternative : placed
    }

    static func makespan(_ placed: [Placed]) -> Double { placed.map(\.seconds).max() ?? 0 }

    /// Every group on a block of mixed speeds replaced by empty groups on that block's one-speed aligned blocks
    /// (`uniformBlocks`), its sequences given out longest first, each to the group of the micro-batch where it ends
    /// first within memory. Nil when no block is mixed, or when some sequence fits no group.
    func splitMixedBlocks(_ placed: [Placed]) -> [Placed]? {
        let degrees = table.degrees
        var groups: [Placed] = []
        var evicted: [Int] = []
        for group in placed {
            let start = group.firstRank
            let degree = group.group.degree
            let block = speeds[start..<(start + degree)]
            guard let slowest = block.min(), let fastest = block.max(), slowest < fastest else {
                groups.append(group)
                continue
            }
            evicted += group.group.sequences
            for part in uniformBlocks(start: start, degree: degree) where degrees.contains(part.degree) {
                let empty = PackedGroup(degree: part.degree, load: 0, tokensPerGPU: 0, sequences: [])
                groups.append(Placed(group: empty, firstRank: part.start, speed: speeds[part.start]))
            }
        }
        guard !evicted.isEmpty else { return nil }
        let lengths = table.lengths
        evicted.sort { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        for sequence in evicted {
            var best: (index: Int, finish: Double)?
            for index in groups.indices {
                let cell = table.cell(sequence, degree: groups[index].group.degree)
                let seconds = table.time[cell]
                guard seconds.isFinite, groups[index].group.tokensPerGPU + table.share[cell] <= table.tokensPerGPU
                else { continue }
                let finish = (groups[index].group.load + seconds) / groups[index].speed
                if finish < best?.finish ?? .infinity { best = (index, finish) }
            }
            guard let chosen = best else { return nil }
            groups[chosen.index].group.add(sequence, table)
        }
        return groups
    }

    /// The aligned blocks of [start, start + degree) whose ranks share one speed: a mixed block is halved, down to
    /// single ranks.
    func uniformBlocks(start: Int, degree: Int) -> [(start: Int, degree: Int)] {
        let block = speeds[start..<(start + degree)]
        if degree == 1 || block.min() == block.max() { return [(start, degree)] }
        let half = degree / 2
        return uniformBlocks(start: start, degree: half) + uniformBlocks(start: start + half, degree: half)
    }
}
