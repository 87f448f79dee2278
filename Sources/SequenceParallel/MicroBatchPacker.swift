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

extension PackedGroup {
    /// The same sequences at this degree, timed by `table` (a group packed at other prices, re-timed).
    func retimed(_ table: SequenceTable) -> PackedGroup {
        var timed = PackedGroup(degree: degree, load: 0, tokensPerGPU: 0, sequences: [])
        for sequence in sequences { timed.add(sequence, table) }
        return timed
    }

    /// `sequence` added at this group's degree: its time to the load, its tokens to the memory per GPU.
    mutating func add(_ sequence: Int, _ table: SequenceTable) {
        let cell = table.cell(sequence, degree: degree)
        load += table.time[cell]
        tokensPerGPU += table.share[cell]
        sequences.append(sequence)
    }

    /// `sequence` taken out, with its time and tokens.
    mutating func remove(_ sequence: Int, _ table: SequenceTable) {
        let cell = table.cell(sequence, degree: degree)
        sequences.removeAll { $0 == sequence }
        load -= table.time[cell]
        tokensPerGPU -= table.share[cell]
    }
}

/// Packs sequences into aligned SP groups of one micro-batch under a limit on each group's sequence time.
///
/// Greedy in the spirit of LPT: sequences longest first; each goes to the smallest degree it fits (by memory and
/// time), into a new group of that degree while GPUs are free (a new group is the least-loaded one), else into the
/// least-loaded existing group of that degree, else the next degree up. A binary search on the limit gives the
/// micro-batch's makespan. Power-of-two groups with Σ degree ≤ N can always be laid out aligned (largest first).
struct MicroBatchPacker {
    let table: SequenceTable
    /// The smallest degree's column a sequence may take (0: every degree). Raised by `StepBuilder` where memory
    /// binds: small groups strand memory that a wider group would share (docs/sequence-parallel.md §Optimizer).
    var firstColumn = 0
    /// Columns a sequence that needs more than one GPU goes past the first degree whose time fits the limit (0: none).
    /// Raised by `StepBuilder` where memory binds: the wider group finishes that sequence sooner and has time left for
    /// short sequences to use its memory.
    var wideBoost = 0
    /// Whether a micro-batch that fails on memory is packed again roomiest-first (`filled`). Off under unequal
    /// speeds, where a packing's nominal makespan is not what decides (§Ranks of unequal speed).
    var roomiestFallback = true
    /// Speeds of slow ranks kept out of `table.gpus` and offered as single-GPU groups that hold only what they finish
    /// within the limit at their speed (docs/sequence-parallel.md §Ranks of unequal speed, "Slow ranks as
    /// singletons"). Empty: every rank is one of `table.gpus`.
    var slowSingletons: [Double] = []
    /// The aligned blocks groups may take where slow ranks are kept out (`FreeBlocks`); nil: any `table.gpus` ranks
    /// (power-of-two groups whose degrees sum to at most N can always be laid out aligned).
    var freeBlocks: FreeBlocks?

    /// `order` (longest first) packed under `limit` by the plain rule, and where it fails by the guests-first one;
    /// where both failed on memory (a sequence's time fit but no group had room), by the roomiest-first one. Nil
    /// when some sequence fits no way.
    private func filled(_ order: [Int], limit: Double) -> Filling? {
        let plain = filled(order, limit: limit, rule: .plain)
        if let filling = plain.filling { return filling }
        let guests = filled(order, limit: limit, rule: .guestsFirst)
        if let filling = guests.filling { return filling }
        guard roomiestFallback, plain.memoryBlocked || guests.memoryBlocked else { return nil }
        return filled(order, limit: limit, rule: .roomiestFirst).filling
    }

    /// The packing under one rule, or nil and whether it failed on memory.
    private func filled(_ order: [Int], limit: Double, rule: Filling.Rule) -> (filling: Filling?, memoryBlocked: Bool) {
        var filling = Filling(
            table: table, limit: limit, rule: rule, firstColumn: firstColumn, wideBoost: wideBoost,
            slowSingletons: slowSingletons, freeBlocks: freeBlocks)
        filling.placements.reserveCapacity(order.count)
        for sequence in order where !filling.place(sequence) { return (nil, filling.memoryBlocked) }
        return (filling, false)
    }

    /// Fills one micro-batch from `remaining` under `limit` and removes what it placed; sequences that fit nowhere
    /// stay for a later micro-batch. Returns the groups and the sequences placed.
    func take(from remaining: inout RemainingSequences, limit: Double) -> (groups: [PackedGroup], placed: [Int]) {
        var filling = Filling(
            table: table, limit: limit, firstColumn: firstColumn, wideBoost: wideBoost, slowSingletons: slowSingletons,
            freeBlocks: freeBlocks)
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
            var low = position + 1
            var high = remaining.end
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
    /// Relative precision of the makespan search.
    static let precision = 1e-4

    /// `cap`, when given, is the limit the makespan must fall below: if the sequences do not pack under it, nil.
    func minimumMakespan(_ order: [Int], precision: Double = Self.precision, upper: Double? = nil, cap: Double? = nil)
        -> (limit: Double, groups: [PackedGroup])?
    {
        guard !order.isEmpty else { return (0, []) }
        var tokens = 0.0
        var low = 0.0
        var work = 0.0
        for sequence in order {
            tokens += table.lengths[sequence]
            low = max(low, table.fastest[sequence])
            work += table.cheapest[sequence]
        }
        let singletonRoom = slowSingletons.isEmpty || table.degrees.first != 1 ? 0 : slowSingletons.count
        guard tokens <= Double(table.gpus + singletonRoom) * table.tokensPerGPU, low.isFinite else { return nil }
        // Work over the GPUs' summed speeds: a slow singleton delivers its speed's share of a GPU.
        low = max(low, work / (Double(table.gpus) + (singletonRoom > 0 ? slowSingletons.reduce(0, +) : 0)))
        var high = low
        var found: Filling?
        if let cap {
            guard cap >= low, let packed = filled(order, limit: cap) else { return nil }
            high = packed.busiest
            found = packed
        } else if let upper, upper > low, let packed = filled(order, limit: upper) {
            high = packed.busiest
            found = packed
        }
        for _ in 0..<60 where found == nil {
            if let packed = filled(order, limit: high) {
                found = packed
                high = packed.busiest
                break
            }
            high *= 1.5
        }
        guard var best = found else { return nil }
        while high - low > precision * high {
            let middle = (low + high) / 2
            if let packed = filled(order, limit: middle) {
                // The packing's busiest group may sit below the limit: the search continues from there.
                high = packed.busiest
                best = packed
            } else {
                low = middle
            }
        }
        // The makespan is the busiest group's actual load, which may sit below the limit. The descent prices every
        // group at nominal speed, so it is left out where slow singletons hold sequences.
        guard slowSingletons.isEmpty else { return (best.busiest, best.groups) }
        let groups = GroupDescent(table: table).improve(best.groups)
        return (groups.map(\.load).max() ?? 0, groups)
    }
}

/// The groups of one micro-batch while it is filled under a limit on each group's sequence time. Flat arrays, one
/// entry per group, and the placements in order: the search packs the same micro-batch many times, and only the
/// packing it keeps is turned into `PackedGroup`s.
private struct Filling {
    /// How a sequence chooses among groups.
    enum Rule {
        /// A new group while GPUs are free, else the least-loaded group of the degree.
        case plain
        /// Join a wider group's spare time before taking free GPUs for a new group (a long sequence's group that
        /// would otherwise idle; the plain rule can leave the GPUs that memory needs to a second wide group).
        case guestsFirst
        /// Join the group of the degree with the most memory to spare, not the least-loaded one: where memory is
        /// nearly all used, the least-loaded group is often full while others have room.
        case roomiestFirst
    }

    let limit: Double
    let rule: Rule
    let firstColumn: Int
    let wideBoost: Int
    /// Set when a sequence's time fit a degree with no free GPUs but its group to join had no memory left.
    private(set) var memoryBlocked = false
    var loads: [Double] = []
    var tokensPerGPU: [Double] = []
    var columns: [Int] = []
    /// (sequence, group) in the order placed.
    var placements: [(sequence: Int, group: Int)] = []
    /// Per degree: indices of its groups, a min-heap on load.
    var heaps: [[Int]]
    var freeGPUs: Int
    /// Where set, new groups need a free aligned block (`MicroBatchPacker.freeBlocks`), not only free GPUs.
    private var freeBlocks: FreeBlocks?
    /// The first groups, one per slow singleton: each starts with the load limit × (1 − speed) that its speed takes
    /// from the limit, so the limit on load caps its sequences' nominal time at limit × speed.
    private var reservedSpeeds: [Double] = []

    /// The table's arrays, bound once: the packer's inner loop reads them millions of times, and reaching them
    /// through a stored table copies it in unoptimised builds.
    private let degrees: [Int]
    private let times: [Double]
    private let shares: [Double]
    private let capacity: Double

    init(
        table: SequenceTable, limit: Double, rule: Rule = .plain, firstColumn: Int = 0, wideBoost: Int = 0,
        slowSingletons: [Double] = [], freeBlocks: FreeBlocks? = nil
    ) {
        self.freeBlocks = freeBlocks
        self.wideBoost = wideBoost
        degrees = table.degrees
        times = table.time
        shares = table.share
        capacity = table.tokensPerGPU
        self.limit = limit
        self.rule = rule
        self.firstColumn = min(firstColumn, degrees.count - 1)
        heaps = [[Int]](repeating: [], count: degrees.count)
        freeGPUs = table.gpus
        // Singletons need degree 1 among the table's columns; with a raised first column they take only what fits
        // no wider group (`place`).
        guard degrees.first == 1, limit.isFinite else { return }
        for speed in slowSingletons {
            reservedSpeeds.append(speed)
            loads.append(phantomLoad(reservedSpeeds.count - 1))
            tokensPerGPU.append(0)
            columns.append(0)
            Heap.push(loads.count - 1, into: &heaps[0], loads: rule == .roomiestFirst ? tokensPerGPU : loads)
        }
    }

    /// The load a slow singleton starts with (0 for every other group).
    private func phantomLoad(_ index: Int) -> Double {
        index < reservedSpeeds.count ? limit * (1 - reservedSpeeds[index]) : 0
    }

    /// The busiest group's time at nominal speed: a slow singleton's sequences over its speed.
    var busiest: Double {
        loads.indices.reduce(0) { busiest, index in
            let speed = index < reservedSpeeds.count ? reservedSpeeds[index] : 1
            return max(busiest, (loads[index] - phantomLoad(index)) / speed)
        }
    }

    /// The groups with their sequences' nominal loads; slow singletons left empty are dropped.
    var groups: [PackedGroup] {
        var groups = columns.indices.map { index in
            PackedGroup(
                degree: degrees[columns[index]], load: loads[index] - phantomLoad(index),
                tokensPerGPU: tokensPerGPU[index], sequences: [])
        }
        for placement in placements { groups[placement.group].sequences.append(placement.sequence) }
        return groups.enumerated().filter { $0.offset >= reservedSpeeds.count || !$0.element.sequences.isEmpty }
            .map(\.element)
    }

    /// Places `sequence` at the smallest degree it fits (from `startColumn` on): a new group while GPUs are free,
    /// else the least-loaded group of that degree; false when it fits nowhere.
    mutating func place(_ sequence: Int) -> Bool {
        let row = sequence * degrees.count
        for column in (wideBoost == 0 ? firstColumn : startColumn(row))..<degrees.count {
            let time = times[row + column]
            guard time <= limit else { continue }
            if rule == .guestsFirst {
                for wider in column..<degrees.count where join(sequence, column: wider) { return true }
            }
            if openOrJoin(sequence, column: column) { return true }
        }
        guard usesBelowFirstColumn else { return false }
        for column in 0..<firstColumn where times[row + column] <= limit {
            if openOrJoin(sequence, column: column) { return true }
        }
        return false
    }

    /// Where slow ranks are kept out, the ranks a raised first column cannot use (blocks narrower than its degree
    /// beside a slow rank) and the slow singletons take what fits no wider group, narrowest first.
    private var usesBelowFirstColumn: Bool { firstColumn > 0 && (!reservedSpeeds.isEmpty || freeBlocks != nil) }

    /// A new group of the degree in `column` while one has room, else the heap's first group of that degree.
    private mutating func openOrJoin(_ sequence: Int, column: Int) -> Bool {
        guard canOpen(column) else { return join(sequence, column: column) }
        openGroup(sequence, column: column)
        return true
    }

    /// Whether a new group of the degree in `column` has room.
    private func canOpen(_ column: Int) -> Bool {
        freeGPUs >= degrees[column] && (freeBlocks.map { $0.canOpen(degrees[column]) } ?? true)
    }

    /// A new group of the degree in `column` holding `sequence`.
    private mutating func openGroup(_ sequence: Int, column: Int) {
        let cell = sequence * degrees.count + column
        loads.append(times[cell])
        tokensPerGPU.append(shares[cell])
        columns.append(column)
        placements.append((sequence, loads.count - 1))
        freeGPUs -= degrees[column]
        freeBlocks?.open(degrees[column])
        // The heap's key is passed as the stored array itself (a conditional expression would copy it).
        if rule == .roomiestFirst {
            Heap.push(loads.count - 1, into: &heaps[column], loads: tokensPerGPU)
        } else {
            Heap.push(loads.count - 1, into: &heaps[column], loads: loads)
        }
    }

    /// Adds `sequence` to the heap's first group of the degree in `column` (least-loaded, or roomiest) if it fits there
    /// by time and memory.
    private mutating func join(_ sequence: Int, column: Int) -> Bool {
        let cell = sequence * degrees.count + column
        let time = times[cell]
        let share = shares[cell]
        guard let top = heaps[column].first, loads[top] + time <= limit else { return false }
        guard tokensPerGPU[top] + share <= capacity else {
            memoryBlocked = true
            return false
        }
        loads[top] += time
        tokensPerGPU[top] += share
        placements.append((sequence, top))
        if rule == .roomiestFirst {
            Heap.siftDown(&heaps[column], loads: tokensPerGPU)
        } else {
            Heap.siftDown(&heaps[column], loads: loads)
        }
        return true
    }

    /// The first column a sequence may take: `firstColumn`, or with `wideBoost` past the first degree whose time
    /// fits for a sequence that needs more than one GPU.
    private func startColumn(_ row: Int) -> Int {
        guard wideBoost > 0 else { return firstColumn }
        var first = 0
        while first < degrees.count && times[row + first] > limit { first += 1 }
        guard first < degrees.count, degrees[first] > 1 else { return firstColumn }
        return max(firstColumn, min(first + wideBoost, degrees.count - 1))
    }

    /// Whether `sequence` could join a group now, without placing it.
    func fitsSomewhere(_ sequence: Int) -> Bool {
        let row = sequence * degrees.count
        let below = usesBelowFirstColumn ? 0..<firstColumn : 0..<0
        return ((wideBoost == 0 ? firstColumn : startColumn(row))..<degrees.count).contains { fits(row, column: $0) }
            || below.contains { fits(row, column: $0) }
    }

    /// Whether the sequence in `row` fits a new group of the degree in `column`, or the heap's first one of it.
    private func fits(_ row: Int, column: Int) -> Bool {
        let time = times[row + column]
        guard time <= limit else { return false }
        if canOpen(column) { return true }
        guard let top = heaps[column].first else { return false }
        return loads[top] + time <= limit && tokensPerGPU[top] + shares[row + column] <= capacity
    }
}

/// A binary min-heap of group indices ordered by their load.
enum Heap {
    static func push(_ index: Int, into heap: inout [Int], loads: [Double]) {
        heap.append(index)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard loads[heap[child]] < loads[heap[parent]] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    static func siftDown(_ heap: inout [Int], loads: [Double]) {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, loads[heap[left]] < loads[heap[smallest]] { smallest = left }
            if right < heap.count, loads[heap[right]] < loads[heap[smallest]] { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
