import CostModel

/// One SP group of a micro-batch while it is being filled.
struct PackedGroup {
    let degree: Int
    /// Σ time of its sequences, without β1.
    var load: Double
    /// Σ length / degree.
    var tokensPerGPU: Double
    var sequences: [Int]
    /// The attention scheme chosen for its sequences (`GroupSchemes`); nil until then, and for pure-Ulysses profiles.
    var scheme: SequenceParallelCost.AttentionScheme? = nil
}

/// Packs sequences into aligned SP groups of one micro-batch under a limit on each group's sequence time.
///
/// Greedy in the spirit of LPT: sequences longest first; each goes to the smallest degree it fits (by memory and
/// time), into a new group of that degree while GPUs are free (a new group is the least-loaded one), else into the
/// least-loaded existing group of that degree, else the next degree up. A binary search on the limit gives the
/// micro-batch's makespan. Power-of-two groups with Σ degree ≤ N can always be laid out aligned (largest first).
struct MicroBatchPacker {
    let table: SequenceTable

    /// Packs `order` (longest first) under `limit`; nil when some sequence does not fit.
    func pack(_ order: [Int], limit: Double) -> [PackedGroup]? {
        var filling = Filling(table: table, limit: limit)
        for sequence in order where !filling.place(sequence) { return nil }
        return filling.groups
    }

    /// Fills one micro-batch from `remaining` under `limit` and removes what it placed; sequences that fit nowhere
    /// stay for a later micro-batch. Returns the groups and the sequences placed.
    func take(from remaining: inout RemainingSequences, limit: Double) -> (groups: [PackedGroup], placed: [Int]) {
        var filling = Filling(table: table, limit: limit)
        var placed: [Int] = []
        var position = remaining.live(from: 0)
        while position < remaining.end {
            let sequence = remaining.order[position]
            if filling.place(sequence) {
                placed.append(sequence)
                remaining.remove(at: position)
                position = remaining.live(from: position + 1)
                continue
            }
            // The order runs longest first and a shorter sequence fits wherever a longer one does, so the sequences
            // that fit nowhere form a run: find its end by bisection (removed positions keep the order, so they may
            // be probed too) and skip it whole, in time that does not grow with the run.
            var low = position + 1, high = remaining.end
            while low < high {
                let middle = (low + high) / 2
                if filling.fitsSomewhere(remaining.order[middle]) { high = middle } else { low = middle + 1 }
            }
            position = remaining.live(from: low)
        }
        return (filling.groups, placed)
    }

    /// The smallest limit (to relative precision) at which all of `order` packs, with its groups; nil if none
    /// does (the sequences exceed the micro-batch's memory).
    /// `upper`, when given, is a limit expected to pack (a previous makespan): the search starts from it.
    func minimumMakespan(_ order: [Int], precision: Double = 1e-4, upper: Double? = nil) -> (limit: Double, groups: [PackedGroup])? {
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
        if let upper, upper > low, let packed = pack(order, limit: upper) {
            high = upper
            found = packed
        }
        for _ in 0..<60 where found == nil {
            if let packed = pack(order, limit: high) {
                found = packed
                break
            }
            high *= 1.5
        }
        guard var best = found else { return nil }
        while high - low > precision * high {
            let middle = (low + high) / 2
            if let packed = pack(order, limit: middle) {
                high = middle
                best = packed
            } else {
                low = middle
            }
        }
        // The makespan is the busiest group's actual load, which may sit below the limit.
        return (best.map(\.load).max() ?? 0, best)
    }
}

/// The groups of one micro-batch while it is filled under a limit on each group's sequence time.
private struct Filling {
    let table: SequenceTable
    let limit: Double
    var groups: [PackedGroup] = []
    /// Per degree: indices into `groups`, a min-heap on load.
    var heaps: [[Int]]
    var freeGPUs: Int

    init(table: SequenceTable, limit: Double) {
        self.table = table
        self.limit = limit
        heaps = [[Int]](repeating: [], count: table.degrees.count)
        freeGPUs = table.gpus
    }

    /// Places `sequence` at the smallest degree it fits: a new group while GPUs are free, else the least-loaded
    /// group of that degree; false when it fits nowhere.
    mutating func place(_ sequence: Int) -> Bool {
        let row = sequence * table.degrees.count
        for column in table.degrees.indices {
            let time = table.time[row + column]
            guard time <= limit else { continue }
            let share = table.share[row + column]
            let degree = table.degrees[column]
            if freeGPUs >= degree {
                groups.append(PackedGroup(degree: degree, load: time, tokensPerGPU: share, sequences: [sequence]))
                freeGPUs -= degree
                Heap.push(groups.count - 1, into: &heaps[column], groups: groups)
                return true
            }
            if let top = heaps[column].first, groups[top].load + time <= limit,
               groups[top].tokensPerGPU + share <= table.tokensPerGPU {
                groups[top].load += time
                groups[top].tokensPerGPU += share
                groups[top].sequences.append(sequence)
                Heap.siftDown(&heaps[column], groups: groups)
                return true
            }
        }
        return false
    }

    /// Whether `sequence` could join a group now, without placing it.
    func fitsSomewhere(_ sequence: Int) -> Bool {
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
