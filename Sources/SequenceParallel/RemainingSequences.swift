/// The sequences a step has still to place, longest first. Taking a micro-batch's sequences out marks them removed
/// and later scans skip them through path-compressed links to the next live position, so a step of many micro-batches
/// never copies the remainder (10^6 sequences in thousands of micro-batches stay linear).
struct RemainingSequences {
    /// Sequence indices, longest first.
    let order: [Int]
    /// For each position, a position at or after it that may be live; `order.count` is the end.
    private var link: [Int]
    private var removed: [Bool]
    private(set) var count: Int

    init(order: [Int]) {
        self.order = order
        link = Array(0...order.count)
        removed = [Bool](repeating: false, count: order.count)
        count = order.count
    }

    var isEmpty: Bool { count == 0 }
    var end: Int { order.count }

    /// The first live position at or after `position` (`end` when none).
    mutating func live(from position: Int) -> Int {
        var root = position
        while root < order.count, removed[root] { root = link[root] }
        var step = position
        while step != root {
            let following = link[step]
            link[step] = root
            step = following
        }
        return root
    }

    mutating func remove(at position: Int) {
        guard !removed[position] else { return }
        removed[position] = true
        link[position] = position + 1
        count -= 1
    }

    /// The live sequences in order.
    mutating func elements() -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        var position = live(from: 0)
        while position < end {
            result.append(order[position])
            position = live(from: position + 1)
        }
        return result
    }

    /// The first live sequence.
    mutating func first() -> Int? {
        let position = live(from: 0)
        return position < end ? order[position] : nil
    }
}
