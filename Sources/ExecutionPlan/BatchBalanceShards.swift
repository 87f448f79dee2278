extension BatchBalancePlan {
    /// One image split over an aligned group of ranks (sequence parallelism inside the encoder): ranks `firstRank`
    /// ..< `firstRank + degree` each run 1/degree of it, together, before their whole images.
    public struct Shard: Codable, Sendable, Hashable, Comparable {
        public var sample: Int
        public var image: Int
        public var firstRank: Int
        public var degree: Int

        public init(sample: Int, image: Int, firstRank: Int, degree: Int) {
            self.sample = sample
            self.image = image
            self.firstRank = firstRank
            self.degree = degree
        }

        /// The order a rank runs its shards in: larger groups first, then by first rank, sample and image. Aligned
        /// groups nest, so every member of a group has run the same shards before it.
        public static func < (lhs: Shard, rhs: Shard) -> Bool {
            if lhs.degree != rhs.degree { return lhs.degree > rhs.degree }
            if lhs.firstRank != rhs.firstRank { return lhs.firstRank < rhs.firstRank }
            if lhs.sample != rhs.sample { return lhs.sample < rhs.sample }
            return lhs.image < rhs.image
        }

        var imageRef: ImageRef { ImageRef(sample: sample, image: image) }
    }

    /// Each shard names a planned sample, a power-of-two degree of at least 2 and an aligned group within the encoder
    /// ranks that holds the rank listing it; every member of the group lists it; no image is also encoded whole;
    /// each rank lists its shards in `Shard` order.
    func firstShardViolation(encoder: [EncoderRank], sampleCount: Int, wholeImages: Set<ImageRef>) -> PlanProblem? {
        var members: [Shard: Set<Int>] = [:]
        var groupOf: [ImageRef: Shard] = [:]
        for (r, rank) in encoder.enumerated() {
            if rank.shards != nil, rank.rank != r {
                return PlanProblem(
                    path: "encoder[\(r)].rank", value: "\(rank.rank)",
                    reason: "encoder ranks with shards must be listed as 0, 1, 2, …")
            }
            for (s, shard) in (rank.shards ?? []).enumerated() {
                let path = "encoder[\(r)].shards[\(s)]"
                let written =
                    "{sample \(shard.sample), image \(shard.image), firstRank \(shard.firstRank), degree \(shard.degree)}"
                guard shard.sample >= 0, shard.sample < sampleCount, shard.image >= 0 else {
                    return PlanProblem(path: path, value: written, reason: "must name an image of a planned sample")
                }
                guard shard.degree >= 2, shard.degree & (shard.degree - 1) == 0, shard.firstRank >= 0,
                    shard.firstRank % shard.degree == 0,
                    shard.firstRank <= encoder.count - shard.degree
                else {
                    return PlanProblem(
                        path: path, value: written,
                        reason:
                            "the group must be a power of two from 2, start at a multiple of it and end by rank \(encoder.count - 1)"
                    )
                }
                guard (shard.firstRank..<(shard.firstRank + shard.degree)).contains(rank.rank) else {
                    return PlanProblem(
                        path: path, value: written, reason: "rank \(rank.rank) is outside the shard's group")
                }
                if s > 0, let previous = rank.shards?[s - 1], !(previous < shard) {
                    return PlanProblem(
                        path: path, value: written,
                        reason: "shards must be listed larger groups first, then by first rank, sample and image")
                }
                guard !wholeImages.contains(shard.imageRef) else {
                    return PlanProblem(path: path, value: written, reason: "image also encoded whole")
                }
                if let other = groupOf[shard.imageRef], other != shard {
                    return PlanProblem(path: path, value: written, reason: "image split over two different groups")
                }
                groupOf[shard.imageRef] = shard
                members[shard, default: []].insert(rank.rank)
            }
        }
        for shard in members.keys.sorted() where members[shard]?.count != shard.degree {
            let missing =
                (shard.firstRank..<(shard.firstRank + shard.degree)).first { members[shard]?.contains($0) != true }
                ?? shard.firstRank
            return PlanProblem(
                path: "encoder[\(missing)].shards", value: "[sample \(shard.sample), image \(shard.image)]",
                reason:
                    "every rank of the group \(shard.firstRank)..<\(shard.firstRank + shard.degree) must list the shard"
            )
        }
        return nil
    }
}
