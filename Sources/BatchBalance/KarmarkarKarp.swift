/// verl's `karmarkar_karp(values, k, equal_size)` (largest differencing method), written from its description
/// (../shared/references/balance.md §2.2): states of k sets, merged largest-spread first, A's j-th largest set taking
/// B's j-th smallest.
enum KarmarkarKarp {
    private struct PartSet {
        var sum: Double
        var items: [Int]
    }

    private struct State {
        var sets: [PartSet]
        var spread: Double { (sets.first?.sum ?? 0) - (sets.last?.sum ?? 0) }

        mutating func sortDescending() {
            sets.sort { lhs, rhs in
                if lhs.sum != rhs.sum { return lhs.sum > rhs.sum }
                if lhs.items.count != rhs.items.count { return lhs.items.count > rhs.items.count }
                return lhs.items.lexicographicallyPrecedes(rhs.items) == false && lhs.items != rhs.items
            }
        }
    }

    static func partition(_ values: [Double], parts k: Int, equalSize: Bool) -> [[Int]] {
        let sorted = values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
        var states: [State] = []
        if equalSize {
            for start in stride(from: 0, to: sorted.count, by: k) {
                let chunk = sorted[start..<min(start + k, sorted.count)]
                var sets = chunk.map { PartSet(sum: values[$0], items: [$0]) }
                while sets.count < k { sets.append(PartSet(sum: 0, items: [])) }
                var state = State(sets: sets)
                state.sortDescending()
                states.append(state)
            }
        } else {
            for index in sorted {
                var sets = [PartSet(sum: values[index], items: [index])]
                sets += (1..<max(k, 1)).map { _ in PartSet(sum: 0, items: []) }
                states.append(State(sets: sets))
            }
        }
        // A priority order by spread (then by the largest set); a sorted array is enough at these sizes.
        func precedes(_ a: State, _ b: State) -> Bool {
            a.spread != b.spread ? a.spread > b.spread : (a.sets.first?.sum ?? 0) > (b.sets.first?.sum ?? 0)
        }
        while states.count > 1 {
            states.sort(by: precedes)
            var a = states.removeFirst()
            let b = states.removeFirst()
            for j in 0..<k {
                a.sets[j].sum += b.sets[k - 1 - j].sum
                a.sets[j].items += b.sets[k - 1 - j].items
            }
            a.sortDescending()
            states.append(a)
        }
        return states.first?.sets.map { $0.items.sorted() } ?? []
    }

    /// verl's workload proxy for a sequence of L valid tokens.
    static func workload(_ tokens: Int) -> Double {
        let l = Double(tokens)
        return 24576 * l + l * l
    }
}
