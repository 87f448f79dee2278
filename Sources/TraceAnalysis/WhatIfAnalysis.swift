/// The what-if analysis of a trace (Lin et al., OSDI'25; docs/whatif.md): how much faster the job would be if no
/// worker were slower than its peers, and which operations, DP ranks, stages and workers the loss comes from.
public struct WhatIfAnalysis: Sendable {
    public let shape: JobShape
    public let operations: [TraceOperation]
    let model: DependencyModel
    let replay: Replay
    /// Recorded, per operation: its duration, its transfer time (communication), its launch delay.
    let recorded: OperationTimes
    /// The ideal job: every operation at its kind's typical value, no launch delays.
    let ideal: OperationTimes
    /// Per operation: its step's position in `model.steps`, and its worker's position in `workers` (sorted).
    let stepOf: [Int32]
    let workerOf: [Int32]
    let workers: [Worker]

    public init(operations: [TraceOperation], shape: JobShape) throws(TraceError) {
        self.shape = shape
        self.operations = operations
        model = try DependencyModel(operations: operations, shape: shape)
        let model = model
        replay = try Replay(model: model) { index in
            let operation = operations[Int(index)]
            return "step \(operation.step), dp \(operation.worker.dataParallelRank), stage \(operation.worker.stage): "
                + "\(operation.kind.rawValue) \(operation.sequence)"
        }
        let count = operations.count
        // Each step starts at its earliest operation; times inside a step are taken from there.
        var start = [Double](repeating: 0, count: count)
        var end = start
        for (_, members) in model.steps {
            let first = members.reduce(Double.infinity) { min($0, operations[Int($1)].start) }
            for member in members {
                start[Int(member)] = operations[Int(member)].start - first
                end[Int(member)] = operations[Int(member)].end - first
            }
        }
        // Transfer: from the last member's start to this member's end. Launch delay: from the end of the last
        // operation waited for (or the step's start) to the start. Small negatives are clock skew between workers and
        // are kept so that the replay reproduces the trace; larger ones are set to 0, as in the artifact.
        var transfer = operations.map(\.duration)
        for group in model.groups {
            let last = group.reduce(-Double.infinity) { max($0, start[Int($1)]) }
            for member in group { transfer[Int(member)] = Self.clampSkew(end[Int(member)] - last) }
        }
        var delay = [Double](repeating: 0, count: count)
        for index in 0..<count {
            let ready = model.dependencies[index].reduce(0.0) { max($0, end[Int($1)]) }
            delay[index] = Self.clampSkew(start[index] - ready)
        }
        recorded = OperationTimes(duration: operations.map(\.duration), transfer: transfer, launchDelay: delay)
        var stepOf = [Int32](repeating: 0, count: count)
        for (position, entry) in model.steps.enumerated() {
            for member in entry.operations { stepOf[Int(member)] = Int32(position) }
        }
        self.stepOf = stepOf
        // A flat table over dp × pp (bounded by the meta file, checked by the model) instead of hashing each worker.
        let stages = shape.pipelineParallel
        var seen = [Bool](repeating: false, count: shape.dataParallel * stages)
        for operation in operations { seen[operation.worker.dataParallelRank * stages + operation.worker.stage] = true }
        let workers = seen.indices.filter { seen[$0] }.map { Worker(dataParallelRank: $0 / stages, stage: $0 % stages) }
        var position = [Int32](repeating: -1, count: seen.count)
        for (index, worker) in workers.enumerated() {
            position[worker.dataParallelRank * stages + worker.stage] = Int32(index)
        }
        self.workers = workers
        workerOf = operations.map { position[$0.worker.dataParallelRank * stages + $0.worker.stage] }
        ideal = Self.typical(operations, recorded: recorded, groupOf: model.groupOf)
    }

    static let skewTolerance = 0.01

    static func clampSkew(_ value: Double) -> Double { value <= -skewTolerance ? 0 : value }

    /// Compute (and gc, optimizer) at the mean duration of its kind over all workers and steps; communication at the
    /// median transfer time of its kind (the artifact's definition of "no worker slower than its peers").
    static func typical(_ operations: [TraceOperation], recorded: OperationTimes, groupOf: [Int32]) -> OperationTimes {
        var samples = [[Double]](repeating: [], count: OperationKind.allCases.count)
        for (index, operation) in operations.enumerated() {
            samples[operation.kind.ordinal].append(
                groupOf[index] >= 0 ? recorded.transfer[index] : recorded.duration[index])
        }
        var typical = [Double](repeating: 0, count: samples.count)
        for kind in OperationKind.allCases {
            let values = samples[kind.ordinal]
            guard !values.isEmpty else { continue }
            if kind.isCommunication {
                typical[kind.ordinal] = SlowMachineDetection.median(values)
            } else {
                typical[kind.ordinal] = values.reduce(0, +) / Double(values.count)
            }
        }
        let values = operations.map { typical[$0.kind.ordinal] }
        return OperationTimes(duration: values, transfer: values, launchDelay: nil)
    }

    func simulate(_ times: OperationTimes) -> [Double] {
        replay.stepSeconds(times)
    }

    /// A replay with a thread's scratch; `selected` operations at their times in `values`.
    func simulate(
        _ times: OperationTimes, values: OperationTimes? = nil, selected: Replay.Selection = .none,
        _ scratch: inout Replay.Scratch
    ) -> [Double] {
        replay.stepSeconds(times, values: values, selected: selected, scratch: &scratch)
    }

    /// `base` with the chosen operations (indices) at the times in `values`: the ideal with one group at its recorded
    /// durations (what that group alone costs), or the recorded job with one group fixed.
    func keeping(_ chosen: [Int], from base: OperationTimes, values: OperationTimes) -> OperationTimes {
        var times = base
        for index in chosen {
            times.duration[index] = values.duration[index]
            times.transfer[index] = values.transfer[index]
        }
        return times
    }

    /// Operation indices grouped by a whole-number key below `count` (a DP rank, a stage, a worker's position),
    /// keys in order, empty keys left out: one pass over the operations without hashing them.
    func indices(byDense key: (Int) -> Int, count: Int) -> [(key: Int, indices: [Int])] {
        var groups = [[Int]](repeating: [], count: count)
        for index in operations.indices { groups[key(index)].append(index) }
        return groups.indices.filter { !groups[$0].isEmpty }.map { ($0, groups[$0]) }
    }

    /// Operation indices grouped by the attribution group of their kind, groups in order, indices in trace order.
    var indicesByAttributionGroup: [(key: String, indices: [Int])] {
        let kinds = OperationKind.allCases
        var byKind = [[Int]](repeating: [], count: kinds.count)
        for index in operations.indices { byKind[operations[index].kind.ordinal].append(index) }
        var groups: [String: [Int]] = [:]
        for kind in kinds { groups[kind.attributionGroup, default: []] += byKind[kind.ordinal] }
        return groups.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sorted()) }
    }
}

extension WhatIfAnalysis {
    /// The operations as the dependency model runs them when each takes `seconds` (a local operation's duration, a
    /// communication's transfer time once its last member starts) with no launch delays: starts and durations
    /// (waiting included) as a trace would record them, each step starting where the previous ended. The order on
    /// each worker is the one `operations` records. Used to draw ideal timelines and to build synthetic traces.
    public static func replayed(_ operations: [TraceOperation], shape: JobShape, seconds: [Double]) throws(TraceError)
        -> [TraceOperation]
    {
        guard seconds.count == operations.count else {
            throw TraceError("replay: \(seconds.count) times for \(operations.count) operations")
        }
        guard seconds.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw TraceError("replay: times must be finite and ≥ 0")
        }
        let model = try DependencyModel(operations: operations, shape: shape)
        let replay = try Replay(model: model) { "operation \($0)" }
        let schedule = replay.schedule(OperationTimes(duration: seconds, transfer: seconds, launchDelay: nil))
        let offsets = schedule.stepOffsets
        var offset: [Int: Double] = [:]
        for (position, entry) in model.steps.enumerated() { offset[entry.step] = offsets[position] }
        return operations.enumerated().map { index, operation in
            var result = operation
            result.start = offset[operation.step]! + schedule.starts[index]
            result.duration = schedule.ends[index] - schedule.starts[index]
            return result
        }
    }
}
