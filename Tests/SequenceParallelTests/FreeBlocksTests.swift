import Testing

@testable import SequenceParallel

/// `FreeBlocks`, the buddy rule the packer follows where slow ranks are kept out, against exhaustive aligned
/// placement on small rank sets.
@Suite struct FreeBlocksTests {
    /// Whether `degrees` (powers of two) can all be placed on disjoint aligned blocks [r, r + d), r a multiple of d,
    /// within `ranks` ranks and holding no excluded rank: every position tried.
    static func placeable(_ degrees: [Int], ranks: Int, excluded: [Bool]) -> Bool {
        var used = excluded
        func place(_ index: Int) -> Bool {
            guard index < degrees.count else { return true }
            let degree = degrees[index]
            for start in stride(from: 0, to: ranks - degree + 1, by: degree)
            where !used[start..<(start + degree)]
                .contains(true)
            {
                for rank in start..<(start + degree) { used[rank] = true }
                if place(index + 1) { return true }
                for rank in start..<(start + degree) { used[rank] = false }
            }
            return false
        }
        return place(0)
    }

    @Test func blocksOfAClusterWithoutExclusions() {
        #expect(FreeBlocks(ranks: 64, excluded: Array(repeating: false, count: 64)).counts[6] == 1)
        let odd = FreeBlocks(ranks: 24, excluded: Array(repeating: false, count: 24))
        #expect(odd.counts[4] == 1 && odd.counts[3] == 1 && odd.ranks == 24)
        var excluded = Array(repeating: false, count: 16)
        excluded[5] = true
        // Rank 5 out of 16: blocks [8, 16), [0, 4), [6, 8) and [4, 5).
        let blocks = FreeBlocks(ranks: 16, excluded: excluded)
        #expect(blocks.counts[3] == 1 && blocks.counts[2] == 1 && blocks.counts[1] == 1 && blocks.counts[0] == 1)
        #expect(blocks.ranks == 15)
    }

    /// Random rank sets (1-20 ranks, up to four excluded) and requests: taken widest first, the buddy rule accepts
    /// exactly the sets some aligned placement holds; taken in any order, whatever it accepts is placeable.
    @Test func buddyRuleMatchesExhaustivePlacement() {
        var generator = SplitMix(seed: 24_126)
        var accepted = 0
        var refused = 0
        for _ in 0..<600 {
            let ranks = 1 + Int(generator.next() % 20)
            var excluded = Array(repeating: false, count: ranks)
            for _ in 0..<Int(generator.next() % 5) { excluded[Int(generator.next() % UInt64(ranks))] = true }
            let count = 1 + Int(generator.next() % 6)
            let degrees = (0..<count).map { _ in 1 << Int(generator.next() % 4) }
            let feasible = Self.placeable(degrees.sorted(by: >), ranks: ranks, excluded: excluded)
            var widestFirst = FreeBlocks(ranks: ranks, excluded: excluded)
            let fitsWidestFirst = degrees.sorted(by: >).allSatisfy { widestFirst.open($0) }
            #expect(fitsWidestFirst == feasible, "\(degrees) on \(ranks) ranks, \(excluded)")
            var asGiven = FreeBlocks(ranks: ranks, excluded: excluded)
            let fitsAsGiven = degrees.allSatisfy { asGiven.open($0) }
            #expect(!fitsAsGiven || feasible, "\(degrees) on \(ranks) ranks, \(excluded)")
            if feasible { accepted += 1 } else { refused += 1 }
        }
        #expect(accepted > 100 && refused > 100, "\(accepted) placeable, \(refused) not")
    }
}
