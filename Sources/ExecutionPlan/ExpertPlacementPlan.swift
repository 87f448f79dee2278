/// What an expert placement costs, summed over MoE layers (layers run one after another, so the slowest GPU of
/// each layer adds up).
public struct ExpertPlacementCost: PlanCost {
    /// Σ over layers of the most loaded GPU's tokens × `secondsPerToken` of the plan body.
    public var expertSeconds: Double
    /// Σ over layers of the most loaded GPU's tokens.
    public var maxLoadTokens: Double
    /// Σ_l max_l / Σ_l mean_l: the load ratio (peak to average), 1 is perfect balance.
    public var loadRatio: Double
    /// A bound on `maxLoadTokens` no placement with these slots can beat (the plan's own cost only).
    public var lowerBoundTokens: Double?
    /// Tokens that cross a node boundary under locality-first dispatch (only with origins).
    public var interNodeTokens: Double?
    public var interNodeBytes: Double?
    /// Slots whose expert differs from the previous plan's (only with a previous plan).
    public var moves: Int?

    public var primarySeconds: Double { expertSeconds }

    public init(
        expertSeconds: Double, maxLoadTokens: Double, loadRatio: Double, lowerBoundTokens: Double? = nil,
        interNodeTokens: Double? = nil, interNodeBytes: Double? = nil, moves: Int? = nil
    ) {
        self.expertSeconds = expertSeconds
        self.maxLoadTokens = maxLoadTokens
        self.loadRatio = loadRatio
        self.lowerBoundTokens = lowerBoundTokens
        self.interNodeTokens = interNodeTokens
        self.interNodeBytes = interNodeBytes
        self.moves = moves
    }
}

/// Body of an `expert-placement` plan: per MoE layer, the logical expert in each slot of each GPU and the share of
/// the expert's tokens that replica receives.
public struct ExpertPlacementPlan: PlanBody {
    public static let kind = PlanKind.expertPlacement

    public struct Layer: Codable, Sendable, Equatable {
        /// `gpus[g][s]`: logical expert in slot s of GPU g.
        public var gpus: [[Int]]
        /// Same shape as `gpus`: the fraction of that expert's tokens the replica receives (sums to 1 per expert).
        public var shares: [[Double]]
        public var maxLoad: Double
        public var meanLoad: Double
        public var interNodeTokens: Double?
        /// With origins: `nodeTokens[n][e]`, the tokens node n routes to expert e (the origins summed per node and
        /// scaled to the loads).
        public var nodeTokens: [[Double]]?
        /// With origins: `dispatch[n][e]`, the [replica, fraction] pairs node n sends expert e's tokens by (replicas
        /// numbered as they appear scanning `gpus` and their slots; fractions > 0, summing to 1). Sending tokens this
        /// way gives each replica its share and exactly `interNodeTokens` across nodes.
        public var dispatch: [[[[Double]]]]?

        public init(
            gpus: [[Int]], shares: [[Double]], maxLoad: Double, meanLoad: Double, interNodeTokens: Double?,
            nodeTokens: [[Double]]? = nil, dispatch: [[[[Double]]]]? = nil
        ) {
            self.gpus = gpus
            self.shares = shares
            self.maxLoad = maxLoad
            self.meanLoad = meanLoad
            self.interNodeTokens = interNodeTokens
            self.nodeTokens = nodeTokens
            self.dispatch = dispatch
        }
    }

    public typealias Cost = ExpertPlacementCost

    public var experts: Int
    public var gpusPerNode: Int
    public var slotsPerGPU: Int
    /// Seconds one GPU spends on one routed token of one expert (the cost model's figure the plan was priced with).
    public var secondsPerToken: Double
    /// Bytes one token's activation takes on the wire (dispatch).
    public var bytesPerToken: Double?
    public var layers: [Layer]

    public init(
        experts: Int, gpusPerNode: Int, slotsPerGPU: Int, secondsPerToken: Double, bytesPerToken: Double?,
        layers: [Layer]
    ) {
        self.experts = experts
        self.gpusPerNode = gpusPerNode
        self.slotsPerGPU = slotsPerGPU
        self.secondsPerToken = secondsPerToken
        self.bytesPerToken = bytesPerToken
        self.layers = layers
    }

    /// Every GPU has at most `slotsPerGPU` slots and never two replicas of one expert; every expert 0 ..< experts has a
    /// replica; shares are in [0, 1], shaped like `gpus`, and sum to 1 per expert; `predicted` is the layers' maxima
    /// summed.
    public func firstInvariantViolation(predicted: Predicted<ExpertPlacementCost>) -> PlanProblem? {
        guard experts > 0, gpusPerNode > 0, slotsPerGPU > 0 else {
            return PlanProblem(
                path: "experts", value: "\(experts)", reason: "experts, gpusPerNode and slotsPerGPU must be positive")
        }
        guard experts <= PlanLimits.items else {
            return PlanProblem(path: "experts", value: "\(experts)", reason: "must be at most \(PlanLimits.items)")
        }
        guard secondsPerToken.isFinite, secondsPerToken > 0 else {
            return PlanProblem(
                path: "secondsPerToken", value: "\(secondsPerToken)", reason: "must be a finite number > 0")
        }
        var maxSum = 0.0
        for (l, layer) in layers.enumerated() {
            if let problem = layerViolation(layer, path: "layers[\(l)]") { return problem }
            maxSum += layer.maxLoad
        }
        guard abs(maxSum - predicted.cost.maxLoadTokens) <= 1e-6 * max(1, maxSum) else {
            return PlanProblem(
                path: "predicted.maxLoadTokens", value: "\(predicted.cost.maxLoadTokens)",
                reason: "differs from the layers' maxLoad summed (\(maxSum))")
        }
        let seconds = maxSum * secondsPerToken
        guard abs(seconds - predicted.cost.expertSeconds) <= 1e-6 * max(1e-9, seconds) else {
            return PlanProblem(
                path: "predicted.expertSeconds", value: "\(predicted.cost.expertSeconds)",
                reason: "differs from maxLoadTokens × secondsPerToken (\(seconds))")
        }
        return nil
    }

    private func layerViolation(_ layer: Layer, path: String) -> PlanProblem? {
        guard layer.gpus.count % gpusPerNode == 0, !layer.gpus.isEmpty else {
            return PlanProblem(
                path: "\(path).gpus", value: "\(layer.gpus.count) GPUs",
                reason: "must be a positive multiple of gpusPerNode \(gpusPerNode)")
        }
        guard layer.shares.count == layer.gpus.count else {
            return PlanProblem(
                path: "\(path).shares", value: "\(layer.shares.count) rows",
                reason: "must have one row per GPU (\(layer.gpus.count))")
        }
        var shareSum = [Double](repeating: 0, count: experts)
        for (g, slots) in layer.gpus.enumerated() {
            guard slots.count <= slotsPerGPU else {
                return PlanProblem(
                    path: "\(path).gpus[\(g)]", value: "\(slots.count) slots",
                    reason: "more than slotsPerGPU \(slotsPerGPU)")
            }
            guard layer.shares[g].count == slots.count else {
                return PlanProblem(
                    path: "\(path).shares[\(g)]", value: "\(layer.shares[g].count)",
                    reason: "must match gpus[\(g)] (\(slots.count) slots)")
            }
            var seen = Set<Int>()
            for (s, expert) in slots.enumerated() {
                guard expert >= 0, expert < experts else {
                    return PlanProblem(
                        path: "\(path).gpus[\(g)][\(s)]", value: "\(expert)", reason: "expert outside 0..<\(experts)")
                }
                guard seen.insert(expert).inserted else {
                    return PlanProblem(
                        path: "\(path).gpus[\(g)][\(s)]", value: "\(expert)",
                        reason: "two replicas of one expert on one GPU")
                }
                let share = layer.shares[g][s]
                guard share.isFinite, share >= 0, share <= 1 + 1e-9 else {
                    return PlanProblem(
                        path: "\(path).shares[\(g)][\(s)]", value: "\(share)", reason: "must be in [0, 1]")
                }
                shareSum[expert] += share
            }
        }
        for (expert, sum) in shareSum.enumerated() where abs(sum - 1) > 1e-6 {
            return PlanProblem(
                path: "\(path).shares", value: "\(sum)", reason: "shares of expert \(expert) sum to \(sum), not 1")
        }
        if let problem = dispatchViolation(layer, path: path) { return problem }
        guard layer.maxLoad.isFinite, layer.meanLoad.isFinite, layer.meanLoad >= 0,
            layer.maxLoad >= layer.meanLoad * (1 - 1e-9)
        else {
            return PlanProblem(
                path: "\(path).maxLoad", value: "\(layer.maxLoad)",
                reason: "must be finite and ≥ meanLoad \(layer.meanLoad)")
        }
        return nil
    }
}
