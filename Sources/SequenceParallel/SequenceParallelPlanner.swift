import CostModel
import ExecutionPlan
import LinearProgramming

/// Why a batch cannot be planned.
public enum SequenceParallelError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyBatch
    case tooManySequences(Int)
    case invalidLength(index: Int, length: Int)
    /// The sequence is longer than every allowed group can hold.
    case sequenceTooLong(index: Int, length: Int, capacity: Double)
    case invalidProfile(CostModelError)

    public var description: String {
        switch self {
        case .emptyBatch: "lengths: the batch has no sequences"
        case .tooManySequences(let count): "lengths: \(count) sequences: at most \(Limits.sequences) in one batch"
        case .invalidLength(let index, let length):
            "lengths[\(index)] = \(length): a length must be a positive whole number of at most \(Limits.tokens) tokens"
        case .sequenceTooLong(let index, let length, let capacity):
            "lengths[\(index)] = \(length): longer than the largest SP group holds (\(Int(capacity)) tokens = degree × tokensPerGPU)"
        case .invalidProfile(let error): error.description
        }
    }
}

/// Plans one training step: micro-batches, SP groups per micro-batch, and each sequence's group.
/// No file I/O; safe to call from any task; deterministic for the same lengths and cost.
public struct SequenceParallelPlanner: Sendable {
    public struct Options: Sendable {
        /// Wall-clock budget; when the search is cut short the best plan so far is returned and flagged.
        public var timeBudget: Duration?
        /// Compute the LP lower bound (a few CLP solves).
        public var lowerBound: Bool

        public init(timeBudget: Duration? = nil, lowerBound: Bool = true) {
            self.timeBudget = timeBudget
            self.lowerBound = lowerBound
        }
    }

    public let cost: SequenceParallelCost
    public let options: Options

    public init(cost: SequenceParallelCost, options: Options = Options()) throws(SequenceParallelError) {
        do {
            try cost.validate(source: "profile")
        } catch {
            throw .invalidProfile(error)
        }
        self.cost = cost
        self.options = options
    }

    /// (memory fill, target scale) points tried, most often best first. On Wikipedia batches fill 1.0 won 40
    /// of 41 times and scale 0.7 never did (docs/sequence-parallel.md).
    static let grid: [(fill: Double, scale: Double)] = [
        (1.0, 0.8), (1.0, 1.25), (1.0, 1.5), (1.0, 1.0), (1.0, 0.9), (1.0, 1.1), (1.0, 2.0),
        (0.9, 0.8), (0.9, 1.0), (0.9, 1.25),
    ]

    public func plan(lengths: [Int]) throws(SequenceParallelError) -> SequenceParallelResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = options.timeBudget.map { start + $0 }
        let values = try validated(lengths)
        let builder = StepBuilder(cost: cost, lengths: values)
        // The plan's own search first: under a budget it is what must finish; the baselines take what is left.
        let found = builder.best(grid: Self.grid, deadline: deadline)
        let baselines = Baselines(cost: cost, lengths: values, deadline: deadline).all()
        // The best homogeneous step is a candidate too: mixing degrees must never lose to it.
        let candidates = [found?.step, baselines.bestStep].compactMap { $0 }
        guard let chosen = candidates.min(by: { total($0) < total($1) }) else {
            // Every sequence fits its largest group, so some homogeneous step always exists.
            throw .sequenceTooLong(index: 0, length: lengths.first ?? 0, capacity: 0)
        }
        // The bound's LPs grow with the batch: past the budget the plan goes out without one.
        let withinBudget = deadline.map { clock.now < $0 } ?? true
        let bound = options.lowerBound && withinBudget ? LowerBound(cost: cost, lengths: values).compute() : nil
        let step = total(chosen)
        return SequenceParallelResult(
            gpus: cost.gpus, microBatches: chosen.map { Layout.microBatch($0, cost: cost) },
            stepSeconds: step, lowerBoundSeconds: bound.map { min($0, step) }, baselines: baselines.figures,
            complete: found?.complete ?? true, planningSeconds: seconds(clock.now - start), lengths: lengths)
    }

    private func total(_ step: [BuiltMicroBatch]) -> Double { step.reduce(0) { $0 + $1.seconds } }

    private func validated(_ lengths: [Int]) throws(SequenceParallelError) -> [Double] {
        guard !lengths.isEmpty else { throw .emptyBatch }
        guard lengths.count <= Limits.sequences else { throw .tooManySequences(lengths.count) }
        let largest = Double(cost.degrees.last ?? 1) * cost.tokensPerGPU
        var values: [Double] = []
        values.reserveCapacity(lengths.count)
        for (index, length) in lengths.enumerated() {
            guard length > 0, length <= Limits.tokens else { throw .invalidLength(index: index, length: length) }
            guard Double(length) <= largest else { throw .sequenceTooLong(index: index, length: length, capacity: largest) }
            values.append(Double(length))
        }
        return values
    }
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}

/// Turns packed groups into aligned rank ranges: largest degree first at consecutive offsets, which keeps every
/// power-of-two group on a multiple of its degree.
enum Layout {
    static func microBatch(_ built: BuiltMicroBatch, cost: SequenceParallelCost) -> SequenceParallelPlan.MicroBatch {
        let ordered = built.groups.enumerated().sorted { lhs, rhs in
            lhs.element.degree != rhs.element.degree ? lhs.element.degree > rhs.element.degree : lhs.offset < rhs.offset
        }
        var rank = 0
        var groups: [SequenceParallelPlan.Group] = []
        for (_, group) in ordered {
            groups.append(SequenceParallelPlan.Group(degree: group.degree, firstRank: rank, sequences: group.sequences.sorted()))
            rank += group.degree
        }
        return SequenceParallelPlan.MicroBatch(predictedSeconds: built.seconds, groups: groups)
    }
}
