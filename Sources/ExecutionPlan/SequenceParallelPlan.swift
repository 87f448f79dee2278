/// Body of a `sequence-parallel` plan: per micro-batch, disjoint Ulysses SP groups of consecutive
/// ranks, and the input sequences each group runs.
public struct SequenceParallelPlan: PlanBody {
    public static let kind = PlanKind.sequenceParallel

    public struct Group: Codable, Sendable, Equatable {
        /// SP degree: the group is ranks [firstRank, firstRank + degree), with firstRank a multiple of degree.
        public var degree: Int
        public var firstRank: Int
        /// Input indices of the sequences the group runs.
        public var sequences: [Int]
        /// Attention scheme, present when the group runs a ring: Ulysses over `ulysses` adjacent ranks, ring attention
        /// over the `ring` blocks (rank firstRank + b·ulysses + i is member i of block b). Absent: Ulysses over the
        /// whole group.
        public var ulysses: Int?
        public var ring: Int?

        public init(degree: Int, firstRank: Int, sequences: [Int], ulysses: Int? = nil, ring: Int? = nil) {
            self.degree = degree
            self.firstRank = firstRank
            self.sequences = sequences
            self.ulysses = ulysses
            self.ring = ring
        }
    }

    public struct MicroBatch: Codable, Sendable, Equatable {
        public var predictedSeconds: Double
        public var groups: [Group]

        public init(predictedSeconds: Double, groups: [Group]) {
            self.predictedSeconds = predictedSeconds
            self.groups = groups
        }
    }

    public typealias Cost = StepTime

    /// GPUs the plan spans (ranks 0 ..< gpus).
    public var gpus: Int
    public var microBatches: [MicroBatch]

    public init(gpus: Int, microBatches: [MicroBatch]) {
        self.gpus = gpus
        self.microBatches = microBatches
    }

    public func firstInvariantViolation(predicted: Predicted<StepTime>) -> PlanProblem? {
        guard gpus >= 1, gpus <= PlanLimits.ranks else {
            return PlanProblem(
                path: "gpus", value: "\(gpus)", reason: "must be a whole number from 1 to \(PlanLimits.ranks)")
        }
        var seen: [Int: String] = [:]
        var total = 0.0
        for (batchIndex, batch) in microBatches.enumerated() {
            let batchPath = "microBatches[\(batchIndex)]"
            guard batch.predictedSeconds.isFinite, batch.predictedSeconds >= 0 else {
                return PlanProblem(
                    path: batchPath + ".predictedSeconds", value: "\(batch.predictedSeconds)",
                    reason: "must be a finite number ≥ 0")
            }
            total += batch.predictedSeconds
            var rankOwner = [Int?](repeating: nil, count: gpus)
            for (groupIndex, group) in batch.groups.enumerated() {
                let path = "\(batchPath).groups[\(groupIndex)]"
                if let problem = placementViolation(group, path: path) { return problem }
                for rank in group.firstRank..<(group.firstRank + group.degree) {
                    if let other = rankOwner[rank] {
                        return PlanProblem(
                            path: path + ".firstRank", value: "\(group.firstRank)",
                            reason: "rank \(rank) is already in group \(other) of this micro-batch")
                    }
                    rankOwner[rank] = groupIndex
                }
                for (position, sequence) in group.sequences.enumerated() {
                    let sequencePath = "\(path).sequences[\(position)]"
                    if let earlier = seen[sequence] {
                        return PlanProblem(
                            path: sequencePath, value: "\(sequence)", reason: "sequence already placed at \(earlier)")
                    }
                    seen[sequence] = sequencePath
                }
            }
        }
        // Every input sequence exactly once: the indices seen must be 0 ..< count.
        if let outside = seen.keys.filter({ $0 < 0 || $0 >= seen.count }).min() {
            return PlanProblem(
                path: seen[outside] ?? "microBatches", value: "\(outside)",
                reason: "sequence index outside 0..<\(seen.count): some sequence is missing from the plan")
        }
        let step = predicted.cost.stepSeconds
        guard abs(total - step) <= 1e-6 * max(1, abs(step)) else {
            return PlanProblem(
                path: "predicted.stepSeconds", value: "\(step)",
                reason: "differs from the sum of micro-batch times \(total)")
        }
        return nil
    }

    private func placementViolation(_ group: Group, path: String) -> PlanProblem? {
        guard group.degree >= 1, group.degree & (group.degree - 1) == 0 else {
            return PlanProblem(path: path + ".degree", value: "\(group.degree)", reason: "must be a power of two")
        }
        guard group.degree <= gpus else {
            return PlanProblem(
                path: path + ".degree", value: "\(group.degree)", reason: "exceeds the plan's \(gpus) GPUs")
        }
        guard group.firstRank >= 0, group.firstRank % group.degree == 0 else {
            return PlanProblem(
                path: path + ".firstRank", value: "\(group.firstRank)",
                reason: "must be a multiple of the degree \(group.degree)")
        }
        guard group.firstRank <= gpus - group.degree else {
            return PlanProblem(
                path: path + ".firstRank", value: "\(group.firstRank)", reason: "group runs past rank \(gpus - 1)")
        }
        if group.ulysses != nil || group.ring != nil {
            let u = group.ulysses ?? 0
            let r = group.ring ?? 0
            guard u >= 1, r >= 1, u & (u - 1) == 0, r & (r - 1) == 0, u <= group.degree, u * r == group.degree else {
                return PlanProblem(
                    path: path + ".ring",
                    value: "ulysses \(group.ulysses.map(String.init) ?? "none") × ring "
                        + "\(group.ring.map(String.init) ?? "none")",
                    reason: "must both be given, powers of two whose product is the degree \(group.degree)")
            }
        }
        guard !group.sequences.isEmpty else {
            return PlanProblem(path: path + ".sequences", value: "[]", reason: "a group runs at least one sequence")
        }
        return nil
    }
}
