/// One SP group of a micro-batch while it is being filled.
struct PackedGroup {
    let degree: Int
    /// Σ time of its sequences, without β1.
    var load: Double
    /// Σ length / degree.
    var tokensPerGPU: Double
    var sequences: [Int]
}

/// Packs sequences into aligned SP groups of one micro-batch under a limit on each group's sequence time.
///
/// Greedy in the spirit of LPT: sequences longest first; each goes to the smallest degree it fits (by memory and
/// time), into a new group of that degree while GPUs are free (a new group is the least-loaded one), else into the
/// least-loaded existing group of that degree, else the next degree up. A binary search on the limit gives the
/// micro-batch's makespan. Power-of-two groups with Σ degree ≤ N can always be laid out aligned (largest first).
struct MicroBatchPacker {
    let table: SequenceTable

    enum Mode {
        /// Fail when a sequence cannot be placed.
        case all
        /// Leave such sequences out (they go to a later micro-batch).
        case skip
    }

    /// Packs `order` (longest first) under `limit`; nil when `.all` and something does not fit.
    func pack(_ order: [Int], limit: Double, mode: Mode) -> (groups: [PackedGroup], placed: [Int], left: [Int])? {
        let columns = table.degrees.count
        var groups: [PackedGroup] = []
        var heaps = [[Int]](repeating: [], count: columns)  // per degree: indices into `groups`, min-heap on load
        var freeGPUs = table.gpus
        var placed: [Int] = []
        var left: [Int] = []
        let capacity = table.tokensPerGPU
        var position = 0
        while position < order.count {
            let sequence = order[position]
            position += 1
            let row = sequence * columns
            var done = false
            for column in 0..<columns {
                let time = table.time[row + column]
                guard time <= limit else { continue }
                let share = table.share[row + column]
                let degree = table.degrees[column]
                if freeGPUs >= degree {
                    groups.append(PackedGroup(degree: degree, load: time, tokensPerGPU: share, sequences: [sequence]))
                    freeGPUs -= degree
                    Heap.push(groups.count - 1, into: &heaps[column], groups: groups)
                    done = true
                } else if let top = heaps[column].first,
                          groups[top].load + time <= limit, groups[top].tokensPerGPU + share <= capacity {
                    groups[top].load += time
                    groups[top].tokensPerGPU += share
                    groups[top].sequences.append(sequence)
                    Heap.siftDown(&heaps[column], groups: groups)
                    done = true
                }
                if done { break }
            }
            if done {
                placed.append(sequence)
            } else if mode == .skip {
                left.append(sequence)
                // `order` runs longest first and a shorter sequence fits wherever a longer one does, so the sequences
                // that fit nowhere form a run: find its end by bisection and leave it whole (the same result as
                // trying each, in time that does not grow with the run).
                var low = position, high = order.count
                while low < high {
                    let middle = (low + high) / 2
                    if fitsSomewhere(order[middle], groups: groups, heaps: heaps, freeGPUs: freeGPUs, limit: limit) {
                        high = middle
                    } else {
                        low = middle + 1
                    }
                }
                left.append(contentsOf: order[position..<low])
                position = low
            } else {
                return nil
            }
        }
        return (groups, placed, left)
    }

    /// Whether `sequence` could join a group now: a new group on free GPUs, or the least-loaded group of a degree.
    private func fitsSomewhere(_ sequence: Int, groups: [PackedGroup], heaps: [[Int]], freeGPUs: Int, limit: Double) -> Bool {
        let row = sequence * table.degrees.count
        for column in table.degrees.indices {
            let time = table.time[row + column]
            guard time <= limit else { continue }
            if freeGPUs >= table.degrees[column] { return true }
            if let top = heaps[column].first, groups[top].load + time <= limit,
               groups[top].tokensPerGPU + table.share[row + column] <= table.tokensPerGPU {
                return true
            }
        }
        return false
    }

    /// The smallest limit (to relative precision) at which all of `order` packs, with its groups; nil if none
    /// does (the sequences exceed the micro-batch's memory).
    func minimumMakespan(_ order: [Int], precision: Double = 1e-4) -> (limit: Double, groups: [PackedGroup])? {
        guard !order.isEmpty else { return (0, []) }
        var tokens = 0.0, low = 0.0, work = 0.0
        for sequence in order {
            tokens += table.lengths[sequence]
            low = max(low, table.fastest[sequence])
            work += table.cheapest[sequence]
        }
        guard tokens <= Double(table.gpus) * table.tokensPerGPU, low.isFinite else { return nil }
        low = max(low, work / Double(table.gpus))
        var high = low
        var found: [PackedGroup]?
        for _ in 0..<60 {
            if let packed = pack(order, limit: high, mode: .all) {
                found = packed.groups
                break
            }
            high *= 1.5
        }
        guard var best = found else { return nil }
        while high - low > precision * high {
            let middle = (low + high) / 2
            if let packed = pack(order, limit: middle, mode: .all) {
                high = middle
                best = packed.groups
            } else {
                low = middle
            }
        }
        // The makespan is the busiest group's actual load, which may sit below the limit.
        return (best.map(\.load).max() ?? 0, best)
    }
}

/// A binary min-heap of group indices ordered by their load.
enum Heap {
    static func push(_ index: Int, into heap: inout [Int], groups: [PackedGroup]) {
        heap.append(index)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard groups[heap[child]].load < groups[heap[parent]].load else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    static func siftDown(_ heap: inout [Int], groups: [PackedGroup]) {
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, groups[heap[left]].load < groups[heap[smallest]].load { smallest = left }
            if right < heap.count, groups[heap[right]].load < groups[heap[smallest]].load { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
