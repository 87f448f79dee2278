/// Body of a `batch-balance` plan: each data-parallel rank's micro-batches of sample indices for the LLM phase and,
/// when the encoder phase is balanced on its own, each rank's images.
public struct BatchBalancePlan: PlanBody {
    public static let kind = PlanKind.batchBalance

    public struct Rank: Codable, Sendable, Equatable {
        public var rank: Int
        public var microBatches: [[Int]]
        public var predictedSeconds: Double
        /// The rank's samples' tokens (image tokens included), for normalising its loss; absent in older plans.
        public var tokens: Int?

        public init(rank: Int, microBatches: [[Int]], predictedSeconds: Double, tokens: Int? = nil) {
            self.rank = rank
            self.microBatches = microBatches
            self.predictedSeconds = predictedSeconds
            self.tokens = tokens
        }
    }

    /// Sample `sample` moves from the rank that loaded it to the rank that runs it.
    public struct Send: Codable, Sendable, Equatable {
        public var sample: Int
        public var from: Int
        public var to: Int

        public init(sample: Int, from: Int, to: Int) {
            self.sample = sample
            self.from = from
            self.to = to
        }
    }

    /// One image of one sample; in JSON the pair [sample index, image index].
    public struct ImageRef: Codable, Sendable, Hashable {
        public var sample: Int
        public var image: Int

        public init(sample: Int, image: Int) {
            self.sample = sample
            self.image = image
        }

        public init(from decoder: any Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            sample = try pair.decode(Int.self)
            image = try pair.decode(Int.self)
            guard pair.isAtEnd else {
                throw DecodingError.dataCorruptedError(
                    in: pair, debugDescription: "an image is [sample index, image index]: two numbers")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(sample)
            try pair.encode(image)
        }
    }

    public struct EncoderRank: Codable, Sendable, Equatable {
        public var rank: Int
        /// Whole images this rank encodes, after its shards.
        public var images: [ImageRef]
        /// Its part of images split over groups of ranks (`--split-images`), run first; absent when none.
        public var shards: [Shard]?
        /// Its shards and whole images.
        public var predictedSeconds: Double

        public init(rank: Int, images: [ImageRef], predictedSeconds: Double, shards: [Shard]? = nil) {
            self.rank = rank
            self.images = images
            self.predictedSeconds = predictedSeconds
            self.shards = shards
        }
    }

    public struct Moved: Codable, Sendable, Equatable {
        public var samples: Int
        public var bytes: Double

        public init(samples: Int, bytes: Double) {
            self.samples = samples
            self.bytes = bytes
        }
    }

    /// How the step follows from the ranks' predicted seconds.
    public enum StepModel: String, Codable, Sendable {
        /// The slowest rank, its images encoded with its samples (ranks meet only at the gradient reduction).
        case slowestRank = "slowest-rank"
        /// The slowest `encoder` rank plus the slowest LLM rank: an all-to-all or per-layer collectives (FSDP,
        /// ZeRO-3) make every rank wait for the slowest in each phase.
        case phaseMaxima = "sum-of-phase-maxima"
    }

    public typealias Cost = StepTime

    public var ranks: [Rank]
    public var encoder: [EncoderRank]?
    public var moved: Moved?
    /// Every sample that leaves the rank that loaded it, by sample index; present when the loaded ranks were given.
    public var sends: [Send]?
    /// Absent in plans written before it existed: then the step model follows from whether `encoder` is present.
    public var stepModel: StepModel?

    public init(
        ranks: [Rank], encoder: [EncoderRank]?, moved: Moved?, sends: [Send]? = nil, stepModel: StepModel? = nil
    ) {
        self.ranks = ranks
        self.encoder = encoder
        self.moved = moved
        self.sends = sends
        self.stepModel = stepModel ?? (encoder == nil ? .slowestRank : .phaseMaxima)
    }

    /// The rank that runs each sample.
    private func rankOfSample() -> [Int: Int] {
        var rankOf: [Int: Int] = [:]
        for rank in ranks { for batch in rank.microBatches { for sample in batch { rankOf[sample] = rank.rank } } }
        return rankOf
    }

    /// Each send names a planned sample once, in ascending order, moves it to the rank that runs it, from another rank.
    private func firstSendViolation(rankOf: [Int: Int]) -> PlanProblem? {
        guard let sends else { return nil }
        var previous = -1
        for (index, send) in sends.enumerated() {
            let path = "sends[\(index)]"
            guard let runner = rankOf[send.sample] else {
                return PlanProblem(path: path + ".sample", value: "\(send.sample)", reason: "not a planned sample")
            }
            guard send.sample > previous else {
                return PlanProblem(
                    path: path + ".sample", value: "\(send.sample)",
                    reason: "sends must list each sample once, by ascending index")
            }
            previous = send.sample
            guard send.to == runner else {
                return PlanProblem(
                    path: path + ".to", value: "\(send.to)", reason: "sample \(send.sample) runs on rank \(runner)")
            }
            guard send.from >= 0, send.from < ranks.count, send.from != send.to else {
                return PlanProblem(
                    path: path + ".from", value: "\(send.from)", reason: "must be another rank in 0..<\(ranks.count)")
            }
        }
        return nil
    }

    /// Ranks 0 ..< R once each; every sample index 0 ..< N exactly once; the step is the LLM phase's slowest rank,
    /// plus the encoder phase's slowest rank when there is an encoder phase (per-phase maxima summed).
    public func firstInvariantViolation(predicted: Predicted<StepTime>) -> PlanProblem? {
        for (position, rank) in ranks.enumerated() where rank.rank != position {
            return PlanProblem(
                path: "ranks[\(position)].rank", value: "\(rank.rank)", reason: "ranks must be listed as 0, 1, 2, …")
        }
        var seen: [Int: String] = [:]
        for (r, rank) in ranks.enumerated() {
            guard rank.predictedSeconds.isFinite, rank.predictedSeconds >= 0 else {
                return PlanProblem(
                    path: "ranks[\(r)].predictedSeconds", value: "\(rank.predictedSeconds)",
                    reason: "must be a finite number ≥ 0")
            }
            for (m, batch) in rank.microBatches.enumerated() {
                for (p, sample) in batch.enumerated() {
                    let path = "ranks[\(r)].microBatches[\(m)][\(p)]"
                    if let earlier = seen[sample] {
                        return PlanProblem(
                            path: path, value: "\(sample)", reason: "sample already placed at \(earlier)")
                    }
                    seen[sample] = path
                }
            }
        }
        if let outside = seen.keys.filter({ $0 < 0 || $0 >= seen.count }).min() {
            return PlanProblem(
                path: seen[outside] ?? "ranks", value: "\(outside)",
                reason: "sample index outside 0..<\(seen.count): some sample is missing")
        }
        for (r, rank) in ranks.enumerated() {
            if let tokens = rank.tokens, tokens < rank.microBatches.reduce(0, { $0 + $1.count }) {
                return PlanProblem(
                    path: "ranks[\(r)].tokens", value: "\(tokens)",
                    reason: "fewer tokens than the rank's samples (each has one or more)")
            }
        }
        if let problem = firstSendViolation(rankOf: rankOfSample()) { return problem }
        var images = Set<ImageRef>()
        for (r, rank) in (encoder ?? []).enumerated() {
            for (p, pair) in rank.images.enumerated() {
                let path = "encoder[\(r)].images[\(p)]"
                let written = "[\(pair.sample), \(pair.image)]"
                guard seen[pair.sample] != nil, pair.image >= 0 else {
                    return PlanProblem(
                        path: path, value: written, reason: "must be [sample index, image index] of a planned sample")
                }
                guard images.insert(pair).inserted else {
                    return PlanProblem(path: path, value: written, reason: "image placed twice")
                }
            }
        }
        if let encoder,
            let problem = firstShardViolation(encoder: encoder, sampleCount: seen.count, wholeImages: images)
        {
            return problem
        }
        if stepModel == .slowestRank, encoder != nil {
            return PlanProblem(
                path: "stepModel", value: StepModel.slowestRank.rawValue,
                reason: "an encoder phase makes the step the sum of per-phase maxima")
        }
        let llm = ranks.map(\.predictedSeconds).max() ?? 0
        let encoderPhase = encoder?.map(\.predictedSeconds).max() ?? 0
        let expected = llm + encoderPhase
        guard abs(expected - predicted.cost.stepSeconds) <= 1e-6 * max(1, expected) else {
            return PlanProblem(
                path: "predicted.stepSeconds", value: "\(predicted.cost.stepSeconds)",
                reason: "differs from the slowest rank per phase, summed (\(expected))")
        }
        return nil
    }
}
