import TraceAnalysis

/// A seeded trace of a Megatron-style job (1F1B, or Megatron's interleaved schedule when the shape has virtual stages;
/// distributed optimizer without overlap),
/// with stragglers of known size injected, for the what-if analysis' tests and benchmarks. Operation times come from
/// replaying the job's own dependency model, so the trace is one a real run could have recorded.
public struct SyntheticTrace {
    public var shape: JobShape
    public var microBatches: Int
    public var steps: Int
    public var forwardSeconds = 0.05
    public var backwardSeconds = 0.1
    public var transferSeconds = 0.002
    public var gatherSeconds = 0.02
    public var reduceScatterSeconds = 0.04
    public var optimizerSeconds = 0.03
    /// Relative spread of compute times (seeded), so peers are similar but not equal.
    public var jitter = 0.02
    /// Multiplies a worker's compute in the given steps (nil: every step).
    public var slowWorker: (worker: Worker, factor: Double, steps: Range<Int>?)?
    /// Multiplies the last stage's compute (more layers, or the loss).
    public var lastStageFactor = 1.0
    /// Multiplies the pipeline transfers of one DP rank (a slow network).
    public var slowNetwork: (dataParallelRank: Int, factor: Double)?
    /// Per step and DP rank, compute scaled by a random factor in [1 − x, 1 + x] (data-dependent imbalance).
    public var sequenceImbalance = 0.0
    public var seed: UInt64 = 1

    public init(shape: JobShape, microBatches: Int, steps: Int) {
        self.shape = shape
        self.microBatches = microBatches
        self.steps = steps
    }

    public func operations() throws -> [TraceOperation] {
        var random = SeededGenerator(seed: seed)
        var operations: [TraceOperation] = []
        var seconds: [Double] = []
        let stages = shape.pipelineParallel
        let m = microBatches
        for step in 0..<steps {
            let rankFactors = (0..<shape.dataParallel).map { _ in 1 + sequenceImbalance * (2 * unit(&random) - 1) }
            for rank in 0..<shape.dataParallel {
                for stage in 0..<stages {
                    let worker = Worker(dataParallelRank: rank, stage: stage)
                    var clock = 0.0
                    var counts: [OperationKind: Int] = [:]
                    func add(_ kind: OperationKind, _ time: Double, microBatch: Int? = nil, chunk: Int = 0) {
                        let sequence = counts[kind, default: 0]
                        counts[kind] = sequence + 1
                        // Provisional times only fix the order on the worker; the replay gives the real ones.
                        operations.append(
                            TraceOperation(
                                worker: worker, globalRank: rank * stages + stage, step: step, kind: kind,
                                start: Double(step) * 1e6 + clock, duration: 0.1, sequence: sequence,
                                chunk: chunk, microBatch: microBatch))
                        seconds.append(time)
                        clock += 1
                    }
                    var factor = rankFactors[rank] * (stage == stages - 1 ? lastStageFactor : 1)
                    if let slow = slowWorker, slow.worker == worker, slow.steps?.contains(step) ?? true {
                        factor *= slow.factor
                    }
                    let network = slowNetwork.map { $0.dataParallelRank == rank ? $0.factor : 1 } ?? 1
                    func compute(_ base: Double) -> Double { base * factor * (1 + jitter * (2 * unit(&random) - 1)) }
                    func forward(_ k: Int) {
                        if stage > 0 { add(.forwardRecv, transferSeconds * network) }
                        add(.forwardCompute, compute(forwardSeconds), microBatch: k)
                        if stage < stages - 1 { add(.forwardSend, transferSeconds * network) }
                    }
                    func backward(_ k: Int) {
                        if stage < stages - 1 { add(.backwardRecv, transferSeconds * network) }
                        add(.backwardCompute, compute(backwardSeconds), microBatch: k)
                        if stage > 0 { add(.backwardSend, transferSeconds * network) }
                    }
                    add(.paramsAllGather, gatherSeconds)
                    let chunks = shape.virtualStages
                    if chunks > 1 {
                        interleaved(stage: stage, chunks: chunks, compute: compute, network: network, add: add)
                    } else {
                        let warmUp = min(stages - stage - 1, m)
                        for k in 0..<warmUp { forward(k) }
                        for k in 0..<(m - warmUp) {
                            forward(warmUp + k)
                            backward(k)
                        }
                        for k in (m - warmUp)..<m { backward(k) }
                    }
                    add(.gc, 0.001)
                    add(.layernormGradsAllReduce, 0.001)
                    if stage == 0 || stage == stages - 1 { add(.embeddingGradsAllReduce, 0.002) }
                    add(.gradsReduceScatter, reduceScatterSeconds)
                    add(.optimizerClipMainGrad, 0.001)
                    add(.optimizer, optimizerSeconds)
                }
            }
        }
        return try WhatIfAnalysis.replayed(operations, shape: shape, seconds: seconds)
    }
}

extension SyntheticTrace {
    /// One worker's step in Megatron-LM's interleaved 1F1B order (`forward_backward_pipelining_with_interleaving`):
    /// m × v virtual micro-batches; the k-th runs chunk (k mod pv) / p (reversed for backward) of micro-batch
    /// ⌊k / pv⌋·p + k mod p; (p − stage − 1)·2 + (v − 1)·p warm-up forwards, then one forward and one backward, then
    /// the remaining backwards. Activations wrap from the last stage's chunk c to stage 0's chunk c + 1.
    func interleaved(
        stage: Int, chunks v: Int, compute: (Double) -> Double, network: Double,
        add: (OperationKind, Double, Int?, Int) -> Void
    ) {
        let p = shape.pipelineParallel
        let total = microBatches * v
        func chunk(_ k: Int, forward: Bool) -> Int {
            let c = (k % (p * v)) / p
            return forward ? c : v - 1 - c
        }
        func microBatch(_ k: Int) -> Int { (k / (p * v)) * p + k % p }
        func forward(_ k: Int) {
            let c = chunk(k, forward: true)
            if !(stage == 0 && c == 0) { add(.forwardRecv, transferSeconds * network, nil, c) }
            add(.forwardCompute, compute(forwardSeconds / Double(v)), microBatch(k), c)
            if !(stage == p - 1 && c == v - 1) { add(.forwardSend, transferSeconds * network, nil, c) }
        }
        func backward(_ k: Int) {
            let c = chunk(k, forward: false)
            if !(stage == p - 1 && c == v - 1) { add(.backwardRecv, transferSeconds * network, nil, c) }
            add(.backwardCompute, compute(backwardSeconds / Double(v)), microBatch(k), c)
            if !(stage == 0 && c == 0) { add(.backwardSend, transferSeconds * network, nil, c) }
        }
        let warmUp = min((p - stage - 1) * 2 + (v - 1) * p, total)
        for k in 0..<warmUp { forward(k) }
        for k in 0..<(total - warmUp) {
            forward(warmUp + k)
            backward(k)
        }
        for k in (total - warmUp)..<total { backward(k) }
    }
}

private func unit(_ random: inout SeededGenerator) -> Double { Double(random.next() >> 11) / Double(1 << 53) }

extension SyntheticTrace {
    /// The trace in the artifact's CSV layout, and its meta file.
    public static func csv(_ operations: [TraceOperation]) -> String {
        var lines = ["dp_rank,stage,rank,step,optype,start_ts,duration,seq_id,mc,mb_id,gmc"]
        lines.reserveCapacity(operations.count + 1)
        for operation in operations {
            let chunk = operation.chunk.map(String.init) ?? ""
            let microBatch = operation.microBatch.map(String.init) ?? "-1"
            lines.append(
                "\(operation.worker.dataParallelRank),\(operation.worker.stage),\(operation.globalRank),\(operation.step),"
                    + "\(operation.kind.rawValue),\(operation.start),\(operation.duration),\(operation.sequence),"
                    + "\(chunk),\(microBatch),\(operation.worker.stage)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var meta: String {
        "trial_name: \(shape.name)\ndp_size: \(shape.dataParallel)\npp_size: \(shape.pipelineParallel)\n"
            + "tp_size: \(shape.tensorParallel)\ndsp_size: \(shape.sequenceParallel)\nvpp_size: \(shape.virtualStages)\n"
            + "world_size: \(shape.worldSize)\n"
    }
}
