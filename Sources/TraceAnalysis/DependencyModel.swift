import Dispatch
import Synchronization

/// One step's part of the model: (waiter, waited) pairs and communication groups.
struct StepDependencies: Sendable {
    var waiters: [Int32] = []
    var waited: [Int32] = []
    var groups: [[Int32]] = []
}

/// The order a Megatron-style step imposes on a trace's operations (docs/whatif.md §Dependency model): per worker,
/// compute in its recorded order; pipeline sends after the compute they carry and receives before the compute that
/// needs them, paired with the neighbouring stage; data-parallel collectives that start when every member is ready;
/// after the last backward, gc, the gradient all-reduces and reduce-scatters, the clip (all workers) and the
/// optimizer. Built from the trace itself: each step's recorded order on each worker is its schedule.
struct DependencyModel {
    /// A send, the receive it pairs with, and the stage offset from sender to receiver.
    static let pipelinePairs: [(send: OperationKind, receive: OperationKind, delta: Int)] =
        [(.forwardSend, .forwardRecv, 1), (.backwardSend, .backwardRecv, -1)]

    /// For each operation, the operations it waits for (indices into the trace), packed.
    let dependencies: PackedLists
    /// For each operation, its communication group (index into `groups`), or -1 for a local operation.
    let groupOf: [Int32]
    let groups: [[Int32]]
    /// The operations of each step, by step.
    let steps: [(step: Int, operations: [Int32])]

    /// Operation indices by step, steps in order. Step numbers usually run from a small start without gaps: a flat
    /// table then groups them without hashing each operation.
    static func byStep(_ operations: [TraceOperation]) -> [(step: Int, operations: [Int32])] {
        guard var low = operations.first?.step else { return [] }
        var high = low
        for operation in operations {
            low = min(low, operation.step)
            high = max(high, operation.step)
        }
        if high - low <= 4 * operations.count + 1024 {
            var table = [[Int32]](repeating: [], count: high - low + 1)
            for (index, operation) in operations.enumerated() { table[operation.step - low].append(Int32(index)) }
            return table.indices.filter { !table[$0].isEmpty }.map { (step: low + $0, operations: table[$0]) }
        }
        var steps: [Int: [Int32]] = [:]
        for (index, operation) in operations.enumerated() { steps[operation.step, default: []].append(Int32(index)) }
        return steps.sorted { $0.key < $1.key }.map { (step: $0.key, operations: $0.value) }
    }

    init(operations: [TraceOperation], shape: JobShape) throws(TraceError) {
        let stepList = Self.byStep(operations)
        let stages = shape.pipelineParallel
        try shape.validate()
        let overlappedGradients = operations.contains { $0.kind == .separateGradsAllReduce }
        // Workers as dense indices, so per-step tables are sized by the workers the trace has, not the meta file's.
        // The meta file bounds dp × pp by 2^18: a flat table maps a worker to its index without hashing.
        var dense = [Int32](repeating: -1, count: shape.dataParallel * stages)
        var workersSeen: [Worker] = []
        var workerOfOperation = [Int32](repeating: 0, count: operations.count)
        for (index, operation) in operations.enumerated() {
            let worker = operation.worker
            guard worker.stage >= 0, worker.stage < stages, worker.dataParallelRank >= 0,
                worker.dataParallelRank < shape.dataParallel
            else {
                throw TraceError(
                    "step \(operation.step): worker (dp \(worker.dataParallelRank), stage "
                        + "\(worker.stage)) outside the meta file's dp_size × pp_size")
            }
            let cell = worker.dataParallelRank * stages + worker.stage
            if dense[cell] < 0 {
                dense[cell] = Int32(workersSeen.count)
                workersSeen.append(worker)
            }
            workerOfOperation[index] = dense[cell]
        }

        let denseIndex = dense
        let workerAt = workersSeen
        let workerOf = workerOfOperation
        // Each step's waits and groups depend on that step's operations only: built on all cores, joined in order
        // (the first step that breaks the model is the error, as a serial pass would report).
        @Sendable func dependencies(step: Int, members: [Int32]) throws(TraceError) -> StepDependencies {
            var result = StepDependencies()
            func wait(_ operation: Int32, for other: Int32) {
                result.waiters.append(operation)
                result.waited.append(other)
            }
            func addGroup(_ members: [Int32]) { result.groups.append(members) }
            // Per worker and kind, the operations in sequence order (flat: worker slot × kind).
            let kindCount = OperationKind.allCases.count
            var lists = [[Int32]](repeating: [], count: workerAt.count * kindCount)
            var present = [Bool](repeating: false, count: workerAt.count)
            for index in members {
                let slot = Int(workerOf[Int(index)])
                present[slot] = true
                lists[slot * kindCount + operations[Int(index)].kind.ordinal].append(index)
            }
            for position in lists.indices where lists[position].count > 1 {
                lists[position].sort { operations[Int($0)].sequence < operations[Int($1)].sequence }
            }
            for list in lists {
                for (position, index) in list.enumerated() where operations[Int(index)].sequence != position {
                    let operation = operations[Int(index)]
                    throw TraceError(
                        "step \(step), dp \(operation.worker.dataParallelRank), stage \(operation.worker.stage): "
                            + "\(operation.kind.rawValue) seq_id \(operation.sequence) where \(position) was expected "
                            + "(missing or repeated)")
                }
            }
            let workers = present.indices.filter { present[$0] }.map { workerAt[$0] }.sorted()
            func list(_ worker: Worker, _ kind: OperationKind) -> [Int32] {
                guard worker.stage >= 0, worker.stage < stages, worker.dataParallelRank >= 0,
                    worker.dataParallelRank < shape.dataParallel
                else { return [] }
                let slot = Int(denseIndex[worker.dataParallelRank * stages + worker.stage])
                guard slot >= 0, present[slot] else { return [] }
                return lists[slot * kindCount + kind.ordinal]
            }
            func name(_ index: Int32) -> String {
                let operation = operations[Int(index)]
                return "step \(step), dp \(operation.worker.dataParallelRank), stage \(operation.worker.stage): "
                    + "\(operation.kind.rawValue) \(operation.sequence)"
            }

            // Messages name the chunk only when the step has several.
            let firstChunk = members.first.map { operations[Int($0)].chunk ?? 0 } ?? 0
            let severalChunks = members.contains { (operations[Int($0)].chunk ?? 0) != firstChunk }
            for worker in workers {
                // Compute in recorded order.
                let computes = (list(worker, .forwardCompute) + list(worker, .backwardCompute)).sorted {
                    let a = operations[Int($0)]
                    let b = operations[Int($1)]
                    return (a.start, a.sequence, a.kind) < (b.start, b.sequence, b.kind)
                }
                for (previous, next) in zip(computes, computes.dropFirst()) { wait(next, for: previous) }
                let forward = list(worker, .forwardCompute)
                let backward = list(worker, .backwardCompute)

                // Pipeline transfers: each kind on its own stream, matched to the compute it carries or feeds.
                let firstBackward = computes.firstIndex { operations[Int($0)].kind == .backwardCompute }
                for kind in [OperationKind.forwardSend, .forwardRecv, .backwardSend, .backwardRecv] {
                    let transfers = list(worker, kind)
                    let matched = kind == .forwardSend || kind == .forwardRecv ? forward : backward
                    guard !transfers.isEmpty else { continue }
                    let isReceive = kind == .forwardRecv || kind == .backwardRecv
                    for (position, transfer) in transfers.enumerated() where position > 0 {
                        wait(transfer, for: transfers[position - 1])
                    }
                    // Matched per model chunk (interleaved schedules run several on a stage; without a chunk column
                    // there is one). A chunk may have no transfers of a kind (stage 0's first chunk receives no
                    // activations), and a pipeline may leave out its very first receive.
                    let chunkOf = { (index: Int32) in operations[Int(index)].chunk ?? 0 }
                    for chunk in Set(transfers.map(chunkOf)).sorted() {
                        let chunkTransfers = transfers.filter { chunkOf($0) == chunk }
                        let chunkComputes = matched.filter { chunkOf($0) == chunk }
                        let offset = chunkComputes.count - chunkTransfers.count
                        guard offset == 0 || (isReceive && offset == 1) else {
                            throw TraceError(
                                "\(name(chunkTransfers[0])): \(chunkTransfers.count) \(kind.rawValue) for "
                                    + "\(chunkComputes.count) \(kind == .forwardSend || kind == .forwardRecv ? "forward" : "backward") "
                                    + "computes\(severalChunks ? " of chunk \(chunk)" : "")")
                        }
                        for (position, transfer) in chunkTransfers.enumerated() {
                            let compute = chunkComputes[position + offset]
                            if isReceive {
                                wait(compute, for: transfer)
                                // The receive is posted once the compute before its own (in the stage's order) is done.
                                // Lists are checked above: a compute's sequence is its position in its list.
                                let order = operations[Int(compute)].sequence
                                if order > 0 { wait(transfer, for: matched[order - 1]) }
                            } else {
                                wait(transfer, for: compute)
                            }
                        }
                    }
                    // 1F1B launches the first backward exchange together with the last warm-up forward's send.
                    if kind == .backwardSend || kind == .backwardRecv, let firstBackward, firstBackward >= 2 {
                        wait(transfers[0], for: computes[firstBackward - 2])
                    }
                }

                // Data-parallel collectives share one stream, in recorded order.
                let collectives = (list(worker, .paramsAllGather) + list(worker, .gradsReduceScatter)).sorted {
                    let a = operations[Int($0)]
                    let b = operations[Int($1)]
                    return (a.start, a.sequence, a.kind) < (b.start, b.sequence, b.kind)
                }
                for (previous, next) in zip(collectives, collectives.dropFirst()) { wait(next, for: previous) }
                // A chunk's first forward waits for its parameters (the last all-gather of that chunk).
                var gathered = Set<Int?>()
                for gather in list(worker, .paramsAllGather).reversed() {
                    let chunk = operations[Int(gather)].chunk
                    guard !gathered.contains(chunk) else { continue }
                    gathered.insert(chunk)
                    if let first = forward.first(where: { chunk == nil || operations[Int($0)].chunk == chunk }) {
                        wait(first, for: gather)
                    }
                }
                let lastCompute = computes.max { operations[Int($0)].end < operations[Int($1)].end }
                let reduceScatters = list(worker, .gradsReduceScatter)
                if overlappedGradients {
                    // Each chunk's gradients are reduced once its last backward is done.
                    var reduced = Set<Int?>()
                    for scatter in reduceScatters {
                        let chunk = operations[Int(scatter)].chunk
                        guard !reduced.contains(chunk) else { continue }
                        reduced.insert(chunk)
                        if let last = backward.filter({ chunk == nil || operations[Int($0)].chunk == chunk })
                            .max(by: { operations[Int($0)].end < operations[Int($1)].end })
                        {
                            wait(scatter, for: last)
                        }
                    }
                }
                // After the last compute: gc, then the gradient reductions, the clip and the optimizer, in a chain.
                var chain: [Int32] = list(worker, .gc)
                var start: [Int32] = lastCompute.map { [$0] } ?? []
                if overlappedGradients, let last = reduceScatters.last { start.append(last) }
                chain += list(worker, .layernormGradsAllReduce)
                if worker.stage == 0 || worker.stage == stages - 1 { chain += list(worker, .embeddingGradsAllReduce) }
                if overlappedGradients {
                    chain += list(worker, .separateGradsAllReduce)
                } else {
                    chain += reduceScatters
                }
                chain += list(worker, .optimizerClipMainGrad) + list(worker, .optimizer)
                var previous = start
                for operation in chain {
                    for earlier in previous { wait(operation, for: earlier) }
                    previous = [operation]
                }
            }

            // Communication groups. Pipeline pairs: a send and the neighbouring stage's receive of the same order.
            for worker in workers {
                for (send, receive, delta) in Self.pipelinePairs {
                    let sends = list(worker, send)
                    guard !sends.isEmpty else { continue }
                    let peer = Worker(
                        dataParallelRank: worker.dataParallelRank, stage: (worker.stage + delta + stages) % stages)
                    let receives = list(peer, receive)
                    for (position, sendIndex) in sends.enumerated() {
                        guard position < receives.count else {
                            throw TraceError(
                                "\(name(sendIndex)) has no partner: stage \(peer.stage) records "
                                    + "\(receives.count) \(receive.rawValue)")
                        }
                        addGroup([sendIndex, receives[position]])
                    }
                }
            }
            // A receive is paired with the send of the same order on the stage before it (after it, backward).
            for worker in workers {
                for (send, receive, delta) in Self.pipelinePairs {
                    let sender = Worker(
                        dataParallelRank: worker.dataParallelRank,
                        stage: (worker.stage - delta + stages) % stages)
                    let receives = list(worker, receive)
                    let sent = list(sender, send).count
                    if receives.count > sent {
                        throw TraceError(
                            "\(name(receives[sent])) has no partner: no matching send on the "
                                + "neighbouring stage")
                    }
                }
            }
            // Data-parallel collectives: every DP rank's operation of that kind and order on the stage.
            let dataParallelRanks = Set(workers.map(\.dataParallelRank)).sorted()
            for stage in Set(workers.map(\.stage)).sorted() {
                for kind in [OperationKind.paramsAllGather, .gradsReduceScatter, .separateGradsAllReduce] {
                    let collected = dataParallelRanks.map { list(Worker(dataParallelRank: $0, stage: stage), kind) }
                    guard let count = collected.map(\.count).max(), count > 0 else { continue }
                    for position in 0..<count {
                        guard collected.allSatisfy({ position < $0.count }) else {
                            let short = zip(dataParallelRanks, collected).first { position >= $0.1.count }!.0
                            throw TraceError(
                                "step \(step), stage \(stage): \(kind.rawValue) \(position) has no partner on "
                                    + "dp rank \(short)")
                        }
                        addGroup(collected.map { $0[position] })
                    }
                }
            }
            // Embedding gradients: the first and last stage of a DP rank.
            for rank in dataParallelRanks {
                let members = Set([0, stages - 1]).sorted().flatMap {
                    list(Worker(dataParallelRank: rank, stage: $0), .embeddingGradsAllReduce)
                }
                if !members.isEmpty { addGroup(members) }
            }
            // The gradient-norm clip synchronises every worker.
            let clips = workers.flatMap { list($0, .optimizerClipMainGrad) }
            if !clips.isEmpty { addGroup(clips) }
            return result
        }
        let built = Mutex(
            [Result<StepDependencies, TraceError>](
                repeating: .success(StepDependencies()),
                count: stepList.count))
        DispatchQueue.concurrentPerform(iterations: stepList.count) { index in
            let entry = stepList[index]
            let result = Result { () throws(TraceError) -> StepDependencies in
                try dependencies(step: entry.step, members: entry.operations)
            }
            built.withLock { $0[index] = result }
        }
        var waiters: [Int32] = []
        var waited: [Int32] = []
        waiters.reserveCapacity(2 * operations.count)
        waited.reserveCapacity(2 * operations.count)
        var groupOf = [Int32](repeating: -1, count: operations.count)
        var groups: [[Int32]] = []
        for result in built.withLock({ $0 }) {
            let step = try result.get()
            waiters += step.waiters
            waited += step.waited
            for members in step.groups {
                for member in members { groupOf[Int(member)] = Int32(groups.count) }
                groups.append(members)
            }
        }
        self.dependencies = PackedLists(count: operations.count, pairs: waiters, waited)
        self.groupOf = groupOf
        self.groups = groups
        self.steps = stepList
    }
}
