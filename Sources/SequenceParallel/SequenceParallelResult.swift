import CostModel
import ExecutionPlan

/// A planned step: what the runtime needs, and what the planner predicts.
public struct SequenceParallelResult: Sendable {
    public var gpus: Int
    public var microBatches: [SequenceParallelPlan.MicroBatch]
    public var stepSeconds: Double
    /// Valid for every plan under the cost model; nil when not computed.
    public var lowerBoundSeconds: Double?
    public var baselines: [(name: String, stepSeconds: Double)]
    /// False when the time budget cut the search short (the plan is the best found so far).
    public var complete: Bool
    public var planningSeconds: Double
    public var lengths: [Int]

    /// The `sequence-parallel` execution plan.
    public func executionPlan() throws -> Plan<SequenceParallelPlan> {
        let tokens = lengths.reduce(0, +)
        let gap = lowerBoundSeconds.map { stepSeconds > 0 ? ($0 > 0 ? (stepSeconds - $0) / stepSeconds : 0) : 0 }
        return Plan(
            body: SequenceParallelPlan(gpus: gpus, microBatches: microBatches),
            predicted: Predicted(.init(stepSeconds: stepSeconds), lowerBoundSeconds: lowerBoundSeconds),
            baselines: baselines.map { Baseline(name: $0.name, cost: .init(stepSeconds: $0.stepSeconds)) },
            solver: SolverReport(
                backend: "paraplan-sp (greedy packing, LP bound on clp)", status: complete ? "heuristic" : "feasible",
                relativeGap: gap),
            inputs: try InputDigest.of(lengths, summary: "\(lengths.count) sequences, \(tokens) tokens"))
    }
}
