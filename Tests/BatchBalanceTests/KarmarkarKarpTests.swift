import SolverFixtures
import Testing

@testable import BatchBalance

/// The linked-list Karmarkar-Karp against a literal transcription of the reference §2.2 (item arrays copied on
/// every merge): same partitions, ties included.
@Suite struct KarmarkarKarpTests {
    /// §2.2 step by step: sets as (sum, items) sorted descending by (sum, count, items), states by spread.
    static func literal(_ values: [Double], parts k: Int, equalSize: Bool) -> [[Int]] {
        typealias PartSet = (sum: Double, items: [Int])
        func sortDescending(_ sets: inout [PartSet]) {
            sets.sort { lhs, rhs in
                if lhs.sum != rhs.sum { return lhs.sum > rhs.sum }
                if lhs.items.count != rhs.items.count { return lhs.items.count > rhs.items.count }
                return !lhs.items.lexicographicallyPrecedes(rhs.items) && lhs.items != rhs.items
            }
        }
        let sorted = values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
        var states: [[PartSet]] = []
        if equalSize {
            for start in stride(from: 0, to: sorted.count, by: k) {
                var sets: [PartSet] = sorted[start..<min(start + k, sorted.count)].map { (values[$0], [$0]) }
                while sets.count < k { sets.append((0, [])) }
                sortDescending(&sets)
                states.append(sets)
            }
        } else {
            for index in sorted { states.append([(values[index], [index])] + (1..<k).map { _ in (0, []) }) }
        }
        func spread(_ sets: [PartSet]) -> Double { (sets.first?.sum ?? 0) - (sets.last?.sum ?? 0) }
        while states.count > 1 {
            states.sort {
                spread($0) != spread($1) ? spread($0) > spread($1) : ($0.first?.sum ?? 0) > ($1.first?.sum ?? 0)
            }
            var a = states.removeFirst()
            let b = states.removeFirst()
            for j in 0..<k {
                a[j].sum += b[k - 1 - j].sum
                a[j].items += b[k - 1 - j].items
            }
            sortDescending(&a)
            states.append(a)
        }
        return states.first?.map { $0.items.sorted() } ?? []
    }

    @Test(arguments: [false, true]) func matchesTheLiteralTranscription(equalSize: Bool) {
        var generator = SeededGenerator(seed: equalSize ? 41 : 42)
        for trial in 0..<60 {
            let k = 2 + trial % 7
            let n = k * (1 + trial % 9)
            // Few distinct lengths half the time, so sums tie and the item-list tie rule decides.
            let distinct = trial % 2 == 0 ? 3 : 50_000
            let values = (0..<n).map { _ in
                KarmarkarKarp.workload(1 + Int.random(in: 0..<distinct, using: &generator) * 97)
            }
            let fast = KarmarkarKarp.partition(values, parts: k, equalSize: equalSize)
            #expect(fast == Self.literal(values, parts: k, equalSize: equalSize), "trial \(trial): n = \(n), k = \(k)")
            #expect(fast.flatMap { $0 }.sorted() == Array(0..<n))
        }
    }
}
