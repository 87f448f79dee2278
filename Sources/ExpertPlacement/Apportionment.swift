import HeapModule

/// D'Hondt apportionment with a heap: each extra slot goes to the expert with the largest load per replica, the lowest
/// expert index among equals. `Value` is Float for EPLB (its arithmetic) and Double for ours.
struct Apportionment<Value: BinaryFloatingPoint> {
    private struct Entry: Comparable {
        var perReplica: Value
        var expert: Int
        // The heap's maximum is the largest load per replica, then the lowest expert index.
        static func < (a: Entry, b: Entry) -> Bool {
            a.perReplica != b.perReplica ? a.perReplica < b.perReplica : a.expert > b.expert
        }
    }

    /// `extra` more replicas over one each; an expert stops at `cap` replicas. Returns the order in which experts got
    /// their extra replicas and the final counts.
    static func allocate(_ weights: [Value], extra: Int, cap: Int = .max) -> (order: [Int], counts: [Int]) {
        var counts = [Int](repeating: 1, count: weights.count)
        var heap = Heap(cap > 1 ? weights.indices.map { Entry(perReplica: weights[$0], expert: $0) } : [])
        var order: [Int] = []
        order.reserveCapacity(max(extra, 0))
        while order.count < extra, let top = heap.popMax() {
            order.append(top.expert)
            counts[top.expert] += 1
            if counts[top.expert] < cap {
                heap.insert(Entry(perReplica: weights[top.expert] / Value(counts[top.expert]), expert: top.expert))
            }
        }
        return (order, counts)
    }
}
