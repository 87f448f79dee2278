/// Per-operation times a replay takes: what a local operation lasts, what a communication takes once its last member
/// has started, and the delay before an operation starts after what it waits for.
struct OperationTimes {
    var duration: [Double]
    var transfer: [Double]
    /// nil: no launch delays (every what-if but the check that the replay reproduces the trace).
    var launchDelay: [Double]?
}

/// Adjacency lists packed into one array: the items of node i are `items[offsets[i]..<offsets[i + 1]]`.
struct PackedLists: Sendable {
    var offsets: [Int32]
    var items: [Int32]

    /// Lists of `count` nodes from (node, item) pairs, each node's items in the order given (a counting sort).
    init(count: Int, pairs nodes: [Int32], _ values: [Int32]) {
        var offsets = [Int32](repeating: 0, count: count + 1)
        for node in nodes { offsets[Int(node) + 1] += 1 }
        for node in 0..<count { offsets[node + 1] += offsets[node] }
        var next = Array(offsets.dropLast())
        var items = [Int32](repeating: 0, count: nodes.count)
        for (node, value) in zip(nodes, values) {
            items[Int(next[Int(node)])] = value
            next[Int(node)] += 1
        }
        self.offsets = offsets
        self.items = items
    }

    var count: Int { offsets.count - 1 }

    func count(of node: Int) -> Int { Int(offsets[node + 1] - offsets[node]) }

    subscript(node: Int) -> ArraySlice<Int32> { items[Int(offsets[node])..<Int(offsets[node + 1])] }

    init(_ lists: [[Int32]]) {
        offsets = [0]
        offsets.reserveCapacity(lists.count + 1)
        items = []
        items.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        for list in lists {
            items.append(contentsOf: list)
            offsets.append(Int32(items.count))
        }
    }
}

/// Replays steps through the dependency model (docs/whatif.md §Replay): an operation starts when everything it waits
/// for has ended, plus its launch delay; a local operation then lasts its duration; a communication group ends
/// `transfer` after its last member started. Steps are independent and each starts at 0.
///
/// Which operation can start next depends on the graph only, never on the times, so the order of events (an
/// operation starting, a group completing) is found once, when the replay is built; every what-if is then one pass
/// over that order.
struct Replay {
    let model: DependencyModel
    private let waits: PackedLists
    private let members: PackedLists
    /// Events in order: an operation's index (it starts), or −(group + 1) (the group's last member has started).
    private let events: [Int32]
    /// Each step's events: `events[stepEvents[s]..<stepEvents[s + 1]]`.
    private let stepEvents: [Int]

    init(model: DependencyModel, describe: (Int32) -> String) throws(TraceError) {
        self.model = model
        let count = model.dependencies.count
        let packed = model.dependencies
        waits = packed
        // Successors: the dependency pairs turned around, packed the same way.
        var waiters = [Int32](repeating: 0, count: packed.items.count)
        for operation in 0..<count {
            for slot in Int(packed.offsets[operation])..<Int(packed.offsets[operation + 1]) {
                waiters[slot] = Int32(operation)
            }
        }
        let successors = PackedLists(count: count, pairs: packed.items, waiters)
        members = PackedLists(model.groups)
        var remaining = (0..<count).map { Int32(packed.count(of: $0)) }
        var joined = [Int32](repeating: 0, count: model.groups.count)
        var events: [Int32] = []
        events.reserveCapacity(count + model.groups.count)
        var stepEvents = [0]
        var ready: [Int32] = []
        for (_, stepMembers) in model.steps {
            ready.removeAll(keepingCapacity: true)
            for operation in stepMembers where remaining[Int(operation)] == 0 { ready.append(operation) }
            var cursor = 0
            var finished = 0
            while cursor < ready.count {
                let operation = ready[cursor]
                cursor += 1
                events.append(operation)
                let group = Int(model.groupOf[Int(operation)])
                func release(_ member: Int32) {
                    finished += 1
                    for slot in Int(successors.offsets[Int(member)])..<Int(successors.offsets[Int(member) + 1]) {
                        let next = Int(successors.items[slot])
                        remaining[next] -= 1
                        if remaining[next] == 0 { ready.append(Int32(next)) }
                    }
                }
                if group >= 0 {
                    joined[group] += 1
                    guard Int(joined[group]) == model.groups[group].count else { continue }
                    events.append(Int32(-(group + 1)))
                    for member in model.groups[group] { release(member) }
                } else {
                    release(operation)
                }
            }
            guard finished == stepMembers.count else {
                let stuck =
                    stepMembers.first { remaining[Int($0)] > 0 }
                    ?? stepMembers.first {
                        let group = Int(model.groupOf[Int($0)])
                        return group >= 0 && Int(joined[group]) < model.groups[group].count
                    }
                throw TraceError(
                    "the dependency model cannot finish: \(stuck.map(describe) ?? "an operation") waits "
                        + "forever (a cycle, or a communication one of its members never reaches)")
            }
            stepEvents.append(events.count)
        }
        self.events = events
        self.stepEvents = stepEvents
    }

    /// A replay's result: each step's time (its latest end) in the model's step order, and every operation's start
    /// and end within its step.
    struct Schedule {
        var stepSeconds: [Double]
        var starts: [Double]
        var ends: [Double]

        /// Where each step begins when the steps run one after another.
        var stepOffsets: [Double] {
            var offsets = [Double](repeating: 0, count: stepSeconds.count)
            for step in stepSeconds.indices.dropFirst() { offsets[step] = offsets[step - 1] + stepSeconds[step - 1] }
            return offsets
        }
    }

    /// Which operations of a replay take their times from `values` instead of `base`.
    enum Selection: Sendable {
        case none
        /// Those whose key is `key` (one shared key array serves a whole family of what-ifs).
        case key([Int32], Int32)
        case mask([Bool])
    }

    /// Start and end times of every operation: one per thread, reused by its replays (a fresh pair per replay spent
    /// more time in page faults than in the replay).
    struct Scratch {
        var start: [Double]
        var end: [Double]

        init(count: Int) {
            start = [Double](repeating: 0, count: count)
            end = [Double](repeating: 0, count: count)
        }
    }

    /// Each step's simulated time (the latest end), in the model's step order.
    func stepSeconds(_ times: OperationTimes) -> [Double] { schedule(times).stepSeconds }

    func schedule(_ times: OperationTimes) -> Schedule {
        var scratch = Scratch(count: model.dependencies.count)
        let steps = stepSeconds(times, scratch: &scratch)
        return Schedule(stepSeconds: steps, starts: scratch.start, ends: scratch.end)
    }

    /// Each step's time with the `selected` operations at their times in `values` and the rest at `base`'s.
    func stepSeconds(
        _ base: OperationTimes, values: OperationTimes? = nil, selected: Selection = .none,
        scratch: inout Scratch
    ) -> [Double] {
        var result = [Double](repeating: 0, count: model.steps.count)
        let other = values ?? base
        let (mode, keys, key, mask): (Int, [Int32], Int32, [Bool]) =
            switch selected {
            case .none: (0, [], 0, [])
            case .key(let keys, let key): (1, keys, key, [])
            case .mask(let mask): (2, [], 0, mask)
            }
        let noDelays = [Double]()
        let delays = base.launchDelay ?? noDelays
        let hasDelays = base.launchDelay != nil
        events.withUnsafeBufferPointer { events in
            waits.offsets.withUnsafeBufferPointer { waitOffsets in
                waits.items.withUnsafeBufferPointer { waitItems in
                    members.offsets.withUnsafeBufferPointer { memberOffsets in
                        members.items.withUnsafeBufferPointer { memberItems in
                            model.groupOf.withUnsafeBufferPointer { groupOf in
                                base.duration.withUnsafeBufferPointer { duration in
                                    base.transfer.withUnsafeBufferPointer { transfer in
                                        other.duration.withUnsafeBufferPointer { otherDuration in
                                            other.transfer.withUnsafeBufferPointer { otherTransfer in
                                                keys.withUnsafeBufferPointer { keys in
                                                    mask.withUnsafeBufferPointer { mask in
                                                        delays.withUnsafeBufferPointer { delays in
                                                            scratch.start.withUnsafeMutableBufferPointer { start in
                                                                scratch.end.withUnsafeMutableBufferPointer { end in
                                                                    @inline(__always) func isSelected(_ index: Int)
                                                                        -> Bool
                                                                    {
                                                                        switch mode {
                                                                        case 1: keys[index] == key
                                                                        case 2: mask[index]
                                                                        default: false
                                                                        }
                                                                    }
                                                                    for step in 0..<(stepEvents.count - 1) {
                                                                        var latest = 0.0
                                                                        for slot in stepEvents[
                                                                            step]..<stepEvents[step + 1]
                                                                        {
                                                                            let event = Int(events[slot])
                                                                            if event >= 0 {
                                                                                var begin = 0.0
                                                                                for wait in Int(
                                                                                    waitOffsets[event])..<Int(
                                                                                        waitOffsets[event + 1])
                                                                                {
                                                                                    begin = max(
                                                                                        begin, end[Int(waitItems[wait])]
                                                                                    )
                                                                                }
                                                                                start[event] =
                                                                                    hasDelays
                                                                                    ? begin + delays[event] : begin
                                                                                if groupOf[event] < 0 {
                                                                                    end[event] =
                                                                                        start[event]
                                                                                        + (isSelected(event)
                                                                                            ? otherDuration[event]
                                                                                            : duration[event])
                                                                                    latest = max(latest, end[event])
                                                                                }
                                                                            } else {
                                                                                let group = -event - 1
                                                                                let first = Int(memberOffsets[group])
                                                                                let last = Int(memberOffsets[group + 1])
                                                                                var groupStart = -Double.infinity
                                                                                for member in first..<last {
                                                                                    groupStart = max(
                                                                                        groupStart,
                                                                                        start[Int(memberItems[member])])
                                                                                }
                                                                                for member in first..<last {
                                                                                    let index = Int(memberItems[member])
                                                                                    end[index] =
                                                                                        groupStart
                                                                                        + (isSelected(index)
                                                                                            ? otherTransfer[index]
                                                                                            : transfer[index])
                                                                                    latest = max(latest, end[index])
                                                                                }
                                                                            }
                                                                        }
                                                                        result[step] = latest
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
