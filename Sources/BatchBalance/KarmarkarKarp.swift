import HeapModule

/// verl's `karmarkar_karp(values, k, equal_size)` (largest differencing method), written from its description
/// (../shared/references/balance.md §2.2): states of k sets, merged largest-spread first, A's j-th largest set taking
/// B's j-th smallest.
///
/// Sets keep their items in one shared linked list (`next`), so a merge appends a list in O(1) instead of copying
/// arrays; each set is four words and sorts without reference counting.
enum KarmarkarKarp {
    private struct PartSet {
        var sum: Double
        var count: Int
        /// First and last item of the set's list in insertion order; -1 when empty.
        var head: Int
        var tail: Int

        static let empty = PartSet(sum: 0, count: 0, head: -1, tail: -1)
    }

    private struct State {
        /// Sorted descending: by sum, then item count, then the item lists compared lexicographically.
        var sets: [PartSet]
        var spread: Double { (sets.first?.sum ?? 0) - (sets.last?.sum ?? 0) }
    }

    static func partition(_ values: [Double], parts k: Int, equalSize: Bool) -> [[Int]] {
        guard k > 0 else { return [] }
        let sorted = KeyedIndex.ascending(values)
        var next = [Int](repeating: -1, count: values.count)

        func single(_ index: Int) -> PartSet { PartSet(sum: values[index], count: 1, head: index, tail: index) }
        /// Sorts with a snapshot of the lists: a closure over the mutable `next` would box it.
        func sortDescending(_ sets: inout [PartSet]) {
            let lists = next
            sets.sort { before($0, $1, lists) }
        }

        var states: [State] = []
        if equalSize {
            for start in stride(from: 0, to: sorted.count, by: k) {
                var sets = sorted[start..<min(start + k, sorted.count)].map(single)
                while sets.count < k { sets.append(.empty) }
                sortDescending(&sets)
                states.append(State(sets: sets))
            }
        } else {
            for index in sorted {
                states.append(State(sets: [single(index)] + [PartSet](repeating: .empty, count: k - 1)))
            }
        }
        // The largest spread first (then the largest set, then the earliest made): a heap, so n states merge in
        // O(n log n); the insertion number reproduces the stable order a re-sorted list would give.
        var queue = Heap(states.enumerated().map { Queued(state: $0.element, order: $0.offset) })
        var made = states.count
        while queue.count > 1 {
            guard var a = queue.popMax()?.state, let b = queue.popMax()?.state else { break }
            for j in 0..<k {
                let taken = b.sets[k - 1 - j]
                guard taken.head >= 0 else { continue }
                if a.sets[j].head < 0 { a.sets[j].head = taken.head } else { next[a.sets[j].tail] = taken.head }
                a.sets[j].tail = taken.tail
                a.sets[j].sum += taken.sum
                a.sets[j].count += taken.count
            }
            sortDescending(&a.sets)
            queue.insert(Queued(state: a, order: made))
            made += 1
        }
        return queue.max?.state.sets.map { set in
            var items: [Int] = []
            items.reserveCapacity(set.count)
            var item = set.head
            while item >= 0 {
                items.append(item)
                item = next[item]
            }
            return items.sorted()
        } ?? []
    }

    /// A state in the merge queue: greater means merged sooner.
    private struct Queued: Comparable {
        var state: State
        var order: Int

        static func < (lhs: Queued, rhs: Queued) -> Bool {
            let (a, b) = (lhs.state, rhs.state)
            if a.spread != b.spread { return a.spread < b.spread }
            let (first, second) = (a.sets.first?.sum ?? 0, b.sets.first?.sum ?? 0)
            if first != second { return first < second }
            return lhs.order > rhs.order
        }

        static func == (lhs: Queued, rhs: Queued) -> Bool { lhs.order == rhs.order }
    }

    /// Whether `lhs` orders before `rhs` in a descending set order (verl compares (sum, count, items)).
    private static func before(_ lhs: PartSet, _ rhs: PartSet, _ next: [Int]) -> Bool {
        if lhs.sum != rhs.sum { return lhs.sum > rhs.sum }
        if lhs.count != rhs.count { return lhs.count > rhs.count }
        // Equal counts: the first differing item decides; equal lists are not ordered.
        var a = lhs.head
        var b = rhs.head
        while a >= 0, b >= 0 {
            if a != b { return a > b }
            a = next[a]
            b = next[b]
        }
        return false
    }

    /// verl's workload proxy for a sequence of L valid tokens.
    static func workload(_ tokens: Int) -> Double {
        let l = Double(tokens)
        return 24576 * l + l * l
    }
}
