import CostModel
import ExecutionPlan
import LinearProgramming

public enum BatchBalanceError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSamples
    case invalidRanks(Int)
    /// A flag or option out of range, named as the CLI spells it.
    case invalidOption(name: String, value: Int, reason: String)
    case invalidSample(index: Int, field: String, value: String, reason: String)
    case unequalCounts(samples: Int, ranks: Int)
    case sampleOverCap(index: Int, tokens: Int, cap: Int)
    case tooFewSamples(rank: Int, samples: Int, microBatches: Int)
    case capsInfeasible(index: Int, reason: String)
    case encoderCostMissing
    case invalidProfile(CostModelError)
    /// Options that cannot go together, or an option the cost cannot price.
    case invalidCombination(String)

    public var description: String {
        switch self {
        case .noSamples: "samples: there are none"
        case .invalidRanks(let ranks): "--ranks = \(ranks): must be a whole number from 1 to \(Limits.gpus)"
        case .invalidOption(let name, let value, let reason): "\(name) = \(value): \(reason)"
        case .invalidSample(let index, let field, let value, let reason):
            "samples[\(index)].\(field) = \(value): \(reason)"
        case .unequalCounts(let samples, let ranks):
            "--equal-counts: \(samples) samples do not divide evenly over \(ranks) ranks"
        case .sampleOverCap(let index, let tokens, let cap):
            "samples[\(index)].tokens = \(tokens): exceeds the micro-batch cap of \(cap) tokens"
        case .tooFewSamples(let rank, let samples, let microBatches):
            "rank \(rank) gets \(samples) samples, fewer than the \(microBatches) micro-batches every rank must have"
        case .capsInfeasible(let index, let reason): index < 0 ? reason : "samples[\(index)]: \(reason)"
        case .encoderCostMissing:
            "samples have images but the cost has no encoder phase (give a profile with phases.encoder, or a model with a vision_config)"
        case .invalidProfile(let error): error.description
        case .invalidCombination(let reason): reason
        }
    }
}

/// Balances a global batch over data-parallel ranks and micro-batches (docs/batch-balancing.md). No file I/O.
public struct BatchBalancer: Sendable {
    public struct Options: Sendable, Equatable {
        public var ranks: Int
        public var microBatches: Int?
        public var equalCounts: Bool
        /// Overrides the profile's cap when set.
        public var maxTokensPerMicroBatch: Int?
        /// Balance the encoder's images separately (OrchMLLM's post-balancing) instead of with their samples.
        public var separateEncoder: Bool
        /// Ranks wait for each other in every phase, as under FSDP or ZeRO-3, where each layer all-gathers its
        /// weights: the step is the slowest encoder rank plus the slowest LLM rank for every plan. Otherwise ranks
        /// meet only at the gradient reduction (DDP, ZeRO-1/2) and, without a separate encoder phase, the step is the
        /// slowest rank's encoder and LLM work together.
        public var syncEveryPhase: Bool
        /// With `separateEncoder`: keep the separate encoder phase even when one assignment for both phases is faster
        /// (for a runtime that always re-dispatches images). By default the faster plan is returned.
        public var keepEncoderPhase: Bool
        /// With `separateEncoder`: an image heavier than the mean rank's encoder work may be split over an aligned
        /// group of ranks (sequence parallelism inside the ViT), priced by the cost's `encoderSplit`.
        public var splitImages: Bool
        /// Each rank's speed relative to the cost's GPU (0.5: half as fast), e.g. measured by `whatif`: a rank of
        /// speed s runs its work in work / s seconds, and slower ranks get less of it. Nil: all ranks at 1.
        public var speedFactors: [Double]?

        public init(
            ranks: Int, microBatches: Int? = nil, equalCounts: Bool = false, maxTokensPerMicroBatch: Int? = nil,
            separateEncoder: Bool = false, syncEveryPhase: Bool = false, keepEncoderPhase: Bool = false,
            splitImages: Bool = false, speedFactors: [Double]? = nil
        ) {
            self.ranks = ranks
            self.microBatches = microBatches
            self.equalCounts = equalCounts
            self.maxTokensPerMicroBatch = maxTokensPerMicroBatch
            self.separateEncoder = separateEncoder
            self.syncEveryPhase = syncEveryPhase
            self.keepEncoderPhase = keepEncoderPhase
            self.splitImages = splitImages
            self.speedFactors = speedFactors
        }
    }

    public let cost: BatchBalanceCost
    public let options: Options

    public init(cost: BatchBalanceCost, options: Options) throws(BatchBalanceError) {
        do { try cost.validate(source: "profile") } catch { throw .invalidProfile(error) }
        guard options.ranks > 0, options.ranks <= Limits.gpus else { throw .invalidRanks(options.ranks) }
        if let count = options.microBatches, count <= 0 || count > Limits.sequences {
            throw .invalidOption(
                name: "--micro-batches", value: count, reason: "must be a whole number from 1 to \(Limits.sequences)")
        }
        if let cap = options.maxTokensPerMicroBatch, cap <= 0 || cap > Limits.tokens {
            throw .invalidOption(
                name: "--max-tokens-per-micro-batch", value: cap,
                reason: "must be a whole number from 1 to \(Limits.tokens)")
        }
        if options.splitImages {
            guard options.separateEncoder else {
                throw .invalidCombination(
                    "--split-images needs --phases encoder,llm: images are split only in a separate encoder phase")
            }
            guard cost.encoder == nil || cost.encoderSplit != nil else {
                throw .invalidCombination(
                    "--split-images: the cost has no encoderSplit (give a profile with encoderSplit, or a model with a vision_config)"
                )
            }
        }
        if let speeds = options.speedFactors {
            guard speeds.count == options.ranks else {
                throw .invalidCombination(
                    "speedFactors: \(speeds.count) values for \(options.ranks) ranks (one per rank)")
            }
            for (rank, speed) in speeds.enumerated() where !(speed.isFinite && speed >= 1e-3 && speed <= 1e3) {
                throw .invalidCombination("speedFactors[\(rank)] = \(speed): must be a number from 0.001 to 1000")
            }
            // Splitting an image over several ranks prices its shards
            // at one speed; that balancer does not weigh speeds.
            guard !options.splitImages || Set(speeds).count == 1 else {
                throw .invalidCombination("speedFactors: unequal speeds are not supported with --split-images")
            }
        }
        self.cost = cost
        self.options = options
    }

    var cap: Int? { options.maxTokensPerMicroBatch ?? cost.maxTokensPerMicroBatch }

    public func plan(_ samples: [Sample]) throws(BatchBalanceError) -> BatchBalanceResult {
        let clock = ContinuousClock()
        let start = clock.now
        try validate(samples)
        let verlKK = Problem.verlKK(tokens: samples.map(\.tokens), ranks: options.ranks)
        var (result, llmOnly) = try solve(samples, options: options, verlKK: verlKK, llmOnly: nil)
        // A separate encoder phase pays for its synchronisation; when balancing images with their samples is
        // better, that plan is returned instead (without an encoder section).
        if options.separateEncoder, !options.keepEncoderPhase {
            var together = options
            together.separateEncoder = false
            let alternative = try solve(samples, options: together, verlKK: verlKK, llmOnly: llmOnly).result
            if alternative.stepSeconds < result.stepSeconds - 1e-12 {
                let skew = result.encoderSkew
                result = alternative
                result.encoderSkew = skew
            }
        }
        result.planningSeconds = seconds(clock.now - start)
        return result
    }

    private func solve(
        _ samples: [Sample], options: Options, verlKK: [[Int]]?,
        llmOnly: [[Int]]?
    ) throws(BatchBalanceError) -> (result: BatchBalanceResult, llmOnly: [[Int]]?) {
        let problem = Problem(samples: samples, cost: cost, options: options, cap: cap)
        let candidates = try problem.candidates(verlKK: verlKK, llmOnly: llmOnly)
        let ranked = candidates.ours.map { (contents: $0, seconds: problem.stepSeconds($0)) }
        guard let fastest = ranked.map(\.seconds).min() else {
            throw .capsInfeasible(index: 0, reason: "no assignment satisfies the caps")
        }
        // Among equally fast candidates, the one that moves the fewest bytes after relabelling.
        let ties = ranked.filter { $0.seconds <= fastest * (1 + 1e-12) }.map { problem.relabel($0.contents) }
        let chosen = ties.min { problem.movedBytes($0) < problem.movedBytes($1) } ?? ties[0]
        var result = try problem.result(chosen, baselines: candidates.baselines, elapsed: .zero)
        // The second solve of `--phases encoder,llm` reuses the first one's llm-only assignment and skew.
        if llmOnly == nil { result.encoderSkew = candidates.llmOnly.flatMap(problem.encoderSkew(llmOnly:)) }
        return (result, candidates.llmOnly)
    }

    private func validate(_ samples: [Sample]) throws(BatchBalanceError) {
        guard !samples.isEmpty else { throw .noSamples }
        guard samples.count <= Limits.sequences else {
            throw .invalidOption(
                name: "samples", value: samples.count, reason: "a batch holds at most \(Limits.sequences) samples")
        }
        for (index, sample) in samples.enumerated() {
            guard sample.tokens > 0, sample.tokens <= Limits.tokens else {
                throw .invalidSample(
                    index: index, field: "tokens", value: "\(sample.tokens)",
                    reason: "must be a whole number from 1 to \(Limits.tokens)")
            }
            var imageTokens = 0
            for (position, image) in sample.images.enumerated() {
                guard image > 0 else {
                    throw .invalidSample(
                        index: index, field: "images[\(position)]", value: "\(image)", reason: "must be positive")
                }
                // Saturates rather than trap: library callers may pass any Int.
                let (sum, overflow) = imageTokens.addingReportingOverflow(image)
                imageTokens = overflow ? .max : sum
            }
            guard imageTokens <= sample.tokens else {
                let total = imageTokens == .max ? "more than \(Int.max)" : "\(imageTokens)"
                throw .invalidSample(
                    index: index, field: "images", value: "\(total) tokens",
                    reason: "exceed the sample's \(sample.tokens) tokens (tokens include the images)")
            }
            if let rank = sample.loadedRank, rank < 0 || rank >= options.ranks {
                throw .invalidSample(
                    index: index, field: "rank", value: "\(rank)", reason: "must be in 0..<\(options.ranks)")
            }
            if let cap, sample.tokens > cap { throw .sampleOverCap(index: index, tokens: sample.tokens, cap: cap) }
        }
        if !samples.allSatisfy({ $0.images.isEmpty }), cost.encoder == nil { throw .encoderCostMissing }
        if options.equalCounts, samples.count % options.ranks != 0 {
            throw .unequalCounts(samples: samples.count, ranks: options.ranks)
        }
        if let cap, let count = options.microBatches {
            // At most 2^24 samples of 2^32 tokens: the total fits; the room (up to 2^74) is compared as a Double.
            let total = samples.reduce(0) { $0 + $1.tokens }
            let room = Double(cap) * Double(count) * Double(options.ranks)
            if Double(total) > room {
                // room < total ≤ 2^56 here, so it converts exactly.
                throw .capsInfeasible(
                    index: -1, reason: "the batch's \(total) tokens exceed ranks × micro-batches × cap = \(Int(room))")
            }
        }
        if let count = options.microBatches, samples.count < count * options.ranks {
            throw .tooFewSamples(rank: options.ranks - 1, samples: samples.count / options.ranks, microBatches: count)
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}
