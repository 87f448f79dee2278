import CostModel
import ExecutionPlan

/// A balanced step.
public struct BatchBalanceResult: Sendable {
    public var ranks: [BatchBalancePlan.Rank]
    public var encoder: [BatchBalancePlan.EncoderRank]?
    public var stepSeconds: Double
    public var lowerBoundSeconds: Double
    public var baselines: [(name: String, stepSeconds: Double)]
    /// Each baseline's ranks, in `baselines`' order, for `plan batch-balance --report` (a plan keeps only the totals).
    public var baselineRanks: [BaselineRanks] = []
    public var moved: BatchBalancePlan.Moved?
    /// The samples that change rank, when the loaded ranks were given.
    public var sends: [BatchBalancePlan.Send]?
    public var planningSeconds: Double
    public var tokens: [Int]
    /// The `encoder` section moves images to balanced ranks; otherwise it lists each rank's own samples' images.
    public var encoderBalancedSeparately: Bool
    /// For batches with encoder work: how skewed the images are under the `llm-only` baseline, and what balancing
    /// the encoder can gain at most.
    public var encoderSkew: EncoderSkew?
    /// Everything the plan was computed from, for its input digest.
    var digest: DigestedInputs

    public func executionPlan() throws -> Plan<BatchBalancePlan> {
        Plan(
            body: BatchBalancePlan(ranks: ranks, encoder: encoder, moved: moved, sends: sends),
            predicted: Predicted(.init(stepSeconds: stepSeconds), lowerBoundSeconds: lowerBoundSeconds),
            baselines: baselines.map { Baseline(name: $0.name, cost: .init(stepSeconds: $0.stepSeconds)) },
            solver: SolverReport(
                backend: "paraplan-balance (LPT + local search, GLPK for small batches, CLP relabelling)",
                status: "heuristic",
                relativeGap: stepSeconds > 0 ? (stepSeconds - lowerBoundSeconds) / stepSeconds : 0),
            inputs: try digest.inputDigest(summary: "\(tokens.count) samples, \(tokens.reduce(0, +)) tokens"))
    }
}

/// A baseline's assignment priced per rank: each rank's LLM seconds, and its encoder seconds when the batch has images
/// (encoded where their samples are).
public struct BaselineRanks: Sendable, Equatable {
    public var name: String
    public var llmSeconds: [Double]
    public var encoderSeconds: [Double]?
    /// Ranks wait for the slowest of each phase: the step is the longest encoder bar plus the longest LLM bar.
    public var phasesWaited: Bool
}

/// What a batch-balancing plan depends on: every sample's tokens, images and loaded rank, the options, and the cost
/// (so a runtime checking the digest refuses a plan made for other images, ranks, options or prices).
struct DigestedInputs: Encodable, Sendable {
    var tokens: [Int]
    var images: [[Int]]?
    var loadedRanks: [Int?]?
    var options: Options
    var cost: String

    struct Options: Encodable, Sendable {
        var ranks: Int
        var microBatches: Int?
        var equalCounts: Bool
        var maxTokensPerMicroBatch: Int?
        var separateEncoder: Bool
        var syncEveryPhase: Bool
        var keepEncoderPhase: Bool
        var splitImages: Bool
        var speedFactors: [Double]?
    }

    init(samples: [Sample], options: BatchBalancer.Options, cost: BatchBalanceCost) {
        tokens = samples.map(\.tokens)
        images = samples.contains { !$0.images.isEmpty } ? samples.map(\.images) : nil
        loadedRanks = samples.contains { $0.loadedRank != nil } ? samples.map(\.loadedRank) : nil
        self.options = Options(
            ranks: options.ranks, microBatches: options.microBatches, equalCounts: options.equalCounts,
            maxTokensPerMicroBatch: options.maxTokensPerMicroBatch, separateEncoder: options.separateEncoder,
            syncEveryPhase: options.syncEveryPhase, keepEncoderPhase: options.keepEncoderPhase,
            splitImages: options.splitImages, speedFactors: options.speedFactors)
        // The cost's every coefficient, in Swift's shortest round-trip digits: the same text on every machine.
        self.cost = String(describing: cost)
    }

    /// `sha256` over everything; `batchSha256` over the samples alone.
    func inputDigest(summary: String) throws -> InputDigest {
        var digest = try InputDigest.of(self, summary: summary)
        digest.batchSha256 = try InputDigest.batchSha256(
            tokens: tokens, images: images ?? [],
            loadedRanks: loadedRanks ?? [])
        return digest
    }
}
