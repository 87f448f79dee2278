/// What a recorded operation did (the straggler-analysis artifact's operation types).
public enum OperationKind: String, Sendable, CaseIterable, Codable, Comparable {
    case forwardCompute = "forward-compute"
    case backwardCompute = "backward-compute"
    case forwardSend = "forward-send"
    case forwardRecv = "forward-recv"
    case backwardSend = "backward-send"
    case backwardRecv = "backward-recv"
    case paramsAllGather = "params-all-gather"
    case gradsReduceScatter = "grads-reduce-scatter"
    case layernormGradsAllReduce = "layernorm-grads-all-reduce"
    case embeddingGradsAllReduce = "embedding-grads-all-reduce"
    case separateGradsAllReduce = "separate-grads-all-reduce"
    case optimizerClipMainGrad = "optimizer-clip-main-grad"
    case optimizer
    case gc

    public static func < (lhs: OperationKind, rhs: OperationKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Position in `allCases`, for flat per-kind tables.
    var ordinal: Int {
        switch self {
        case .forwardCompute: 0
        case .backwardCompute: 1
        case .forwardSend: 2
        case .forwardRecv: 3
        case .backwardSend: 4
        case .backwardRecv: 5
        case .paramsAllGather: 6
        case .gradsReduceScatter: 7
        case .layernormGradsAllReduce: 8
        case .embeddingGradsAllReduce: 9
        case .separateGradsAllReduce: 10
        case .optimizerClipMainGrad: 11
        case .optimizer: 12
        case .gc: 13
        }
    }

    var isCompute: Bool { self == .forwardCompute || self == .backwardCompute }
    var isPipelineTransfer: Bool { [.forwardSend, .forwardRecv, .backwardSend, .backwardRecv].contains(self) }

    /// Operations whose duration depends on peers (communication); the ideal job gives them the median transfer
    /// time, the others (compute, gc, optimizer) the mean duration.
    var isCommunication: Bool {
        isPipelineTransfer
            || [
                .paramsAllGather, .gradsReduceScatter, .separateGradsAllReduce, .layernormGradsAllReduce,
                .embeddingGradsAllReduce, .optimizerClipMainGrad,
            ].contains(self)
    }

    /// The name attribution reports: sends and receives of one direction are one pipeline transfer.
    public var attributionGroup: String {
        switch self {
        case .forwardSend, .forwardRecv: "forward-pp-comm"
        case .backwardSend, .backwardRecv: "backward-pp-comm"
        default: rawValue
        }
    }
}

/// A worker: one (DP rank, pipeline stage) pair; its tensor-parallel ranks are recorded once.
public struct Worker: Hashable, Sendable, Comparable, Codable {
    public var dataParallelRank: Int
    public var stage: Int

    public init(dataParallelRank: Int, stage: Int) {
        self.dataParallelRank = dataParallelRank
        self.stage = stage
    }

    public static func < (lhs: Worker, rhs: Worker) -> Bool {
        (lhs.dataParallelRank, lhs.stage) < (rhs.dataParallelRank, rhs.stage)
    }
}

/// One row of a trace: an operation of one worker in one step.
public struct TraceOperation: Sendable, Equatable {
    public var worker: Worker
    public var globalRank: Int
    public var step: Int
    public var kind: OperationKind
    /// Seconds on the job's one clock.
    public var start: Double
    public var duration: Double
    /// The n-th operation of this kind in this step on this worker, by start time.
    public var sequence: Int
    /// Model chunk on this stage (interleaved schedules); nil where the trace leaves it out.
    public var chunk: Int?
    public var microBatch: Int?

    public var end: Double { start + duration }

    public init(
        worker: Worker, globalRank: Int, step: Int, kind: OperationKind, start: Double, duration: Double,
        sequence: Int, chunk: Int? = nil, microBatch: Int? = nil
    ) {
        self.worker = worker
        self.globalRank = globalRank
        self.step = step
        self.kind = kind
        self.start = start
        self.duration = duration
        self.sequence = sequence
        self.chunk = chunk
        self.microBatch = microBatch
    }
}

/// The job's parallel sizes (the artifact's meta file).
public struct JobShape: Sendable, Equatable, Codable {
    public var name: String
    public var dataParallel: Int
    public var pipelineParallel: Int
    public var tensorParallel: Int
    /// Ulysses sequence-parallel degree (`dsp_size`).
    public var sequenceParallel: Int
    public var virtualStages: Int

    public init(
        name: String, dataParallel: Int, pipelineParallel: Int, tensorParallel: Int = 1, sequenceParallel: Int = 1,
        virtualStages: Int = 1
    ) {
        self.name = name
        self.dataParallel = dataParallel
        self.pipelineParallel = pipelineParallel
        self.tensorParallel = tensorParallel
        self.sequenceParallel = sequenceParallel
        self.virtualStages = virtualStages
    }

    /// GPUs in the job (saturates instead of overflowing; `validate` bounds it).
    public var worldSize: Int {
        [dataParallel, pipelineParallel, tensorParallel, sequenceParallel].reduce(1) { product, size in
            let (value, overflow) = product.multipliedReportingOverflow(by: max(size, 0))
            return overflow ? Int.max : value
        }
    }

    /// The largest job a trace may describe: 2^18 GPUs, as every ParaPlan input.
    public static let maximumWorldSize = 1 << 18

    /// Every size at least 1 and the job within `maximumWorldSize` GPUs.
    public func validate() throws(TraceError) {
        for (name, value) in [
            ("dp_size", dataParallel), ("pp_size", pipelineParallel), ("tp_size", tensorParallel),
            ("dsp_size", sequenceParallel), ("vpp_size", virtualStages),
        ] {
            guard value >= 1, value <= Self.maximumWorldSize else {
                throw TraceError("\(name) = \(value): must be a whole number from 1 to 2^18")
            }
        }
        guard worldSize <= Self.maximumWorldSize else {
            throw TraceError(
                "dp × pp × tp × dsp = \(worldSize == Int.max ? "more than 2^63" : String(worldSize)): at most 2^18 GPUs"
            )
        }
    }
}

/// Why a trace or its meta file cannot be analysed; the message names the row, column or operation.
public struct TraceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
