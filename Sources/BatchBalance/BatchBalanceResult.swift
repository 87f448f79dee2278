import ExecutionPlan

/// A balanced step.
public struct BatchBalanceResult: Sendable {
    public var ranks: [BatchBalancePlan.Rank]
    public var encoder: [BatchBalancePlan.EncoderRank]?
    public var stepSeconds: Double
    public var lowerBoundSeconds: Double
    public var baselines: [(name: String, stepSeconds: Double)]
    public var moved: BatchBalancePlan.Moved?
    public var planningSeconds: Double
    public var tokens: [Int]
    /// The `encoder` section moves images to balanced ranks; otherwise it lists each rank's own samples' images.
    public var encoderBalancedSeparately: Bool
    /// For batches with encoder work: how skewed the images are under the `llm-only` baseline, and what balancing
    /// the encoder can gain at most.
    public var encoderSkew: EncoderSkew?

    public func executionPlan() throws -> Plan<BatchBalancePlan> {
        Plan(body: BatchBalancePlan(ranks: ranks, encoder: encoder, moved: moved),
             predicted: Predicted(.init(stepSeconds: stepSeconds), lowerBoundSeconds: lowerBoundSeconds),
             baselines: baselines.map { Baseline(name: $0.name, cost: .init(stepSeconds: $0.stepSeconds)) },
             solver: SolverReport(backend: "paraplan-balance (LPT + local search, GLPK for small batches, CLP relabelling)",
                                  status: "heuristic",
                                  relativeGap: stepSeconds > 0 ? (stepSeconds - lowerBoundSeconds) / stepSeconds : 0),
             inputs: try InputDigest.of(tokens, summary: "\(tokens.count) samples, \(tokens.reduce(0, +)) tokens"))
    }
}
