/// The free aligned rank blocks of a micro-batch being packed, counted by size: a buddy allocator's free lists
/// without positions. Where slow ranks are kept out, a group of degree d needs a free aligned block of d ranks, not
/// just d free ranks (docs/sequence-parallel.md §Ranks of unequal speed, "Slow ranks as singletons").
///
/// A group takes the smallest free block that holds it, and the rest of that block stays free as smaller blocks (the
/// buddy rule). Sizes are powers of two, each dividing the larger ones, so groups taken widest first fit this way
/// whenever they fit at all; `SpeedLayout` places them widest first on the same blocks.
struct FreeBlocks: Equatable {
    /// counts[k]: free blocks of 2^k ranks.
    private(set) var counts: [Int]

    /// The largest aligned blocks of `ranks` ranks that hold no excluded rank (`excluded` has one entry per rank).
    /// Without exclusions, `ranks` split into aligned powers of two, largest first.
    init(ranks: Int, excluded: [Bool]) {
        counts = [Int](repeating: 0, count: Int.bitWidth)
        var start = 0
        while start < ranks {
            // The largest power of two aligned at `start` that stays within the ranks.
            var size = start == 0 ? 1 << (Int.bitWidth - 2) : 1 << start.trailingZeroBitCount
            while start + size > ranks { size /= 2 }
            add(start: start, size: size, excluded: excluded)
            start += size
        }
    }

    private mutating func add(start: Int, size: Int, excluded: [Bool]) {
        let end = min(start + size, excluded.count)
        guard start < end, excluded[start..<end].contains(true) else {
            counts[size.trailingZeroBitCount] += 1
            return
        }
        guard size > 1 else { return }
        add(start: start, size: size / 2, excluded: excluded)
        add(start: start + size / 2, size: size / 2, excluded: excluded)
    }

    /// The free ranks in all blocks.
    var ranks: Int { counts.indices.reduce(0) { $0 + counts[$1] << $1 } }

    /// Whether some free block holds `degree` ranks (a power of two).
    func canOpen(_ degree: Int) -> Bool {
        counts[degree.trailingZeroBitCount...].contains { $0 > 0 }
    }

    /// Takes `degree` ranks from the smallest free block that holds them; false (and nothing taken) if none does.
    @discardableResult
    mutating func open(_ degree: Int) -> Bool {
        let wanted = degree.trailingZeroBitCount
        guard let found = counts[wanted...].firstIndex(where: { $0 > 0 }) else { return false }
        counts[found] -= 1
        // The block's other halves, down to the group's size, stay free.
        for size in wanted..<found { counts[size] += 1 }
        return true
    }
}
