/// An index with its sort key: sorting these is several times faster than sorting indices through a closure that
/// looks keys up, and the order is the same (key ascending, index on ties).
struct KeyedIndex: Comparable {
    let key: Double
    let index: Int

    static func < (lhs: KeyedIndex, rhs: KeyedIndex) -> Bool {
        lhs.key != rhs.key ? lhs.key < rhs.key : lhs.index < rhs.index
    }

    /// Indices of `keys` ascending, ties by index.
    static func ascending(_ keys: [Double]) -> [Int] {
        var keyed = keys.enumerated().map { KeyedIndex(key: $0.element, index: $0.offset) }
        keyed.sort()
        return keyed.map(\.index)
    }

    /// Indices of `keys` descending, ties by index (negated keys keep the index tie rule).
    static func descending(_ keys: [Double]) -> [Int] {
        var keyed = keys.enumerated().map { KeyedIndex(key: -$0.element, index: $0.offset) }
        keyed.sort()
        return keyed.map(\.index)
    }
}

extension KeyedIndex {
    /// Indices of non-negative whole-number `keys` descending, ties by index: by counting when the key range is at most
    /// a few times the count (image token counts: a hundred thousand images, a few thousand distinct sizes), else by
    /// sorting. The same order as `descending` over the keys as numbers.
    static func descending(counts keys: [Int]) -> [Int] {
        guard let largest = keys.max(), let smallest = keys.min(), smallest >= 0, largest <= 4 * keys.count + 65_536
        else {
            return descending(keys.map(Double.init))
        }
        // starts[k] = first position of key k, the largest key first.
        var starts = [Int](repeating: 0, count: largest + 2)
        for key in keys { starts[largest - key + 1] += 1 }
        for position in 1..<starts.count { starts[position] += starts[position - 1] }
        var order = [Int](repeating: 0, count: keys.count)
        for (index, key) in keys.enumerated() {
            order[starts[largest - key]] = index
            starts[largest - key] += 1
        }
        return order
    }
}
