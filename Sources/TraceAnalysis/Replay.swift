/// Per-operation times a replay takes: what a local operation lasts, what a communication takes once its last member
/// has started, and the delay before an operation starts after what it waits for.
struct OperationTimes {
    var duration: [Double]
    var transfer: [Double]
    /// nil: no launch delays (every what-if but the check that the replay reproduces the trace).
    var launchDelay: [Double]?
}

/// Adjacency lists packed into one array: the items of node i are `items[offsets[i]..<offsets[i + 1]]`.
struct PackedLists {
    var offsets: [Int32]
    var items: [Int32]

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
        var successors = [[Int32]](repeating: [], count: count)
        for (operation, waits) in model.dependencies.enumerated() {
            for wait in waits { successors[Int(wait)].append(Int32(operation)) }
        }
        waits = PackedLists(model.dependencies)
        members = PackedLists(model.groups)
        var remaining = model.dependencies.map { Int32($0.count) }
        var joined = [Int32](repeating: 0, count: model.groups.count)
        var events: [Int32] = []
        events.reserveCapacity(count + model.groups.count)
        var stepEvents = [0]
        var ready: [Int32] = []
        for (_, stepMembers) in model.steps {
            ready.removeAll(keepingCapacity: true)
            for operation in stepMembers where remaining[Int(operation)] == 0 { ready.append(operation) }
            var cursor = 0, finished = 0
            while cursor < ready.count {
                let operation = ready[cursor]
                cursor += 1
                events.append(operation)
                let group = Int(model.groupOf[Int(operation)])
                var done: [Int32] = [operation]
                if group >= 0 {
                    joined[group] += 1
                    guard Int(joined[group]) == model.groups[group].count else { continue }
                    events.append(Int32(-(group + 1)))
                    done = model.groups[group]
                }
                for member in done {
                    finished += 1
                    for next in successors[Int(member)] {
                        remaining[Int(next)] -= 1
                        if remaining[Int(next)] == 0 { ready.append(next) }
                    }
                }
            }
            guard finished == stepMembers.count else {
                let stuck = stepMembers.first { remaining[Int($0)] > 0 } ?? stepMembers.first {
                    let group = Int(model.groupOf[Int($0)])
                    return group >= 0 && Int(joined[group]) < model.groups[group].count
                }
                throw TraceError("the dependency model cannot finish: \(stuck.map(describe) ?? "an operation") waits "
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

    /// Each step's simulated time (the latest end), in the model's step order.
    func stepSeconds(_ times: OperationTimes) -> [Double] { schedule(times).stepSeconds }

    func schedule(_ times: OperationTimes) -> Schedule {
        let count = model.dependencies.count
        var start = [Double](repeating: 0, count: count)
        var end = [Double](repeating: 0, count: count)
        var result = [Double](repeating: 0, count: model.steps.count)
        let groupOf = model.groupOf
        let delays = times.launchDelay
        events.withUnsafeBufferPointer { events in
        waits.offsets.withUnsafeBufferPointer { waitOffsets in
        waits.items.withUnsafeBufferPointer { waitItems in
        members.offsets.withUnsafeBufferPointer { memberOffsets in
        members.items.withUnsafeBufferPointer { memberItems in
        start.withUnsafeMutableBufferPointer { start in
        end.withUnsafeMutableBufferPointer { end in
            for step in 0..<(stepEvents.count - 1) {
                var latest = 0.0
                for slot in stepEvents[step]..<stepEvents[step + 1] {
                    let event = Int(events[slot])
                    if event >= 0 {
                        var begin = 0.0
                        for wait in Int(waitOffsets[event])..<Int(waitOffsets[event + 1]) {
                            begin = max(begin, end[Int(waitItems[wait])])
                        }
                        start[event] = begin + (delays?[event] ?? 0)
                        if groupOf[event] < 0 {
                            end[event] = start[event] + times.duration[event]
                            latest = max(latest, end[event])
                        }
                    } else {
                        let group = -event - 1
                        let first = Int(memberOffsets[group]), last = Int(memberOffsets[group + 1])
                        var groupStart = -Double.infinity
                        for member in first..<last { groupStart = max(groupStart, start[Int(memberItems[member])]) }
                        for member in first..<last {
                            let index = Int(memberItems[member])
                            end[index] = groupStart + times.transfer[index]
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
        return Schedule(stepSeconds: result, starts: start, ends: end)
    }
}
