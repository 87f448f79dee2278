import CostModel
import Dispatch
import Synchronization

public struct ExpertPlacementOptions: Sendable, Equatable {
    /// Expert groups (DeepSeek-V3: 8), for EPLB's hierarchical policy; nil leaves that baseline out.
    public var groups: Int?
    /// At most this many slot changes per layer from the previous plan.
    public var maxMoves: Int?
    /// How much higher (relative) the most loaded GPU may be than the best found, to cut inter-node tokens; never
    /// above the better EPLB policy's. 0 is strict: balance first.
    public var balanceTolerance: Double

    public init(groups: Int? = nil, maxMoves: Int? = nil, balanceTolerance: Double = 0) {
        self.groups = groups
        self.maxMoves = maxMoves
        self.balanceTolerance = balanceTolerance
    }
}

/// Places experts and hot-expert replicas on GPUs for every MoE layer, with per-replica token shares from an LP.
/// Library entry point: no file I/O; layers are planned concurrently.
public struct ExpertPlacementPlanner: Sendable {
    public let cost: ExpertCost
    public let topology: ExpertTopology
    public let options: ExpertPlacementOptions

    public init(cost: ExpertCost, topology: ExpertTopology, options: ExpertPlacementOptions = .init())
        throws(ExpertPlacementError)
    {
        try Self.check(
            topology.nodes > 0 && topology.nodes <= Limits.gpus, "nodes", topology.nodes,
            "must be from 1 to \(Limits.gpus)")
        try Self.check(
            topology.gpusPerNode > 0 && topology.gpusPerNode <= Limits.gpus, "gpusPerNode", topology.gpusPerNode,
            "must be from 1 to \(Limits.gpus)")
        try Self.check(
            topology.gpus <= Limits.gpus, "nodes × gpusPerNode", topology.gpus, "must be at most \(Limits.gpus) GPUs")
        try Self.check(
            topology.slotsPerGPU > 0 && topology.slotsPerGPU <= Limits.slotsPerGPU, "slots-per-gpu",
            topology.slotsPerGPU,
            "must be from 1 to \(Limits.slotsPerGPU)")
        try Self.check(
            cost.secondsPerToken.isFinite && cost.secondsPerToken > 0, "secondsPerToken", cost.secondsPerToken,
            "must be a positive number")
        if let speeds = topology.speeds {
            try Self.check(
                speeds.count == topology.gpus, "speedFactors", "\(speeds.count) values",
                "need one per GPU (\(topology.gpus))")
            for (gpu, speed) in speeds.enumerated() {
                try Self.check(
                    speed.isFinite && speed >= 1e-3 && speed <= 1e3, "speedFactors[\(gpu)]", speed,
                    "must be a number from 0.001 to 1000")
            }
        }
        if let groups = options.groups { try Self.check(groups > 0, "groups", groups, "must be at least 1") }
        if let moves = options.maxMoves { try Self.check(moves >= 0, "max-moves", moves, "must be ≥ 0") }
        try Self.check(
            options.balanceTolerance >= 0 && options.balanceTolerance.isFinite, "balance-tolerance",
            options.balanceTolerance, "must be a finite number ≥ 0")
        self.cost = cost
        self.topology = topology
        self.options = options
    }

    /// Experts × GPUs of one layer: the size of the placement's working tables.
    public static let maximumExpertGPUs = 1 << 26

    /// Tokens one layer may route in all (2^50): far above any step's, and exact as a Double and an Int.
    public static let maximumLayerTokens = Double(1 << 50)

    /// `loads[l][e]`: tokens routed to expert e in layer l. `origins[l][g][e]`: tokens GPU g routes to expert e.
    /// `previous[l][g]`: the experts in GPU g's slots in the plan now running.
    public func plan(loads: [[Double]], origins: [[[Double]]]? = nil, previous: [[[Int]]]? = nil)
        throws(ExpertPlacementError) -> ExpertPlacementResult
    {
        let start = ContinuousClock.now
        let experts = try validateLoads(loads)
        let nodeOrigins = try origins.map { origins throws(ExpertPlacementError) in
            try validateOrigins(origins, loads: loads)
        }
        if let previous { try validatePrevious(previous, layers: loads.count, experts: experts) }
        if options.maxMoves != nil, previous == nil {
            throw ExpertPlacementError(
                field: "max-moves", value: "\(options.maxMoves ?? 0)", reason: "needs a previous plan")
        }
        let memory = Double(topology.slotsPerGPU * loads.count) * cost.expertBytes
        try Self.check(
            memory <= cost.gpuMemoryBytes, "slots-per-gpu", topology.slotsPerGPU,
            "\(topology.slotsPerGPU) slots × \(loads.count) layers × \(Int(cost.expertBytes / 1e6)) MB per expert exceed the GPU's \(Int(cost.gpuMemoryBytes / 1e9)) GB"
        )

        let outcomes = Mutex([LayerPlanner.Outcome?](repeating: nil, count: loads.count))
        let (topology, options) = (self.topology, self.options)
        DispatchQueue.concurrentPerform(iterations: loads.count) { layer in
            let planner = LayerPlanner(
                topology: topology, weights: loads[layer], origins: nodeOrigins?[layer],
                groups: options.groups, balanceTolerance: options.balanceTolerance)
            let outcome = planner.plan(previous: previous?[layer], maxMoves: options.maxMoves)
            outcomes.withLock { $0[layer] = outcome }
        }
        let layers = outcomes.withLock { $0.compactMap { $0 } }
        let elapsed = ContinuousClock.now - start
        return ExpertPlacementResult(
            experts: experts, topology: topology, cost: cost, layers: layers, loads: loads,
            origins: origins, nodeOrigins: nodeOrigins, previous: previous,
            planningSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    private func validateLoads(_ loads: [[Double]]) throws(ExpertPlacementError) -> Int {
        guard let experts = loads.first?.count, experts > 0 else {
            throw ExpertPlacementError(
                field: "loads", value: "\(loads.count) layers",
                reason: "need at least one layer with at least one expert")
        }
        for (l, layer) in loads.enumerated() {
            try Self.check(
                layer.count == experts, "loads[\(l)]", "\(layer.count) experts",
                "every layer needs \(experts) experts, like layer 0")
            var total = 0.0
            for (e, w) in layer.enumerated() {
                try Self.check(w.isFinite && w >= 0, "loads[\(l)][\(e)]", w, "must be a finite number of tokens ≥ 0")
                total += w
            }
            // Token counts become whole numbers (Int) in the plan and its summary.
            try Self.check(
                total <= Self.maximumLayerTokens, "loads[\(l)]", total,
                "a layer routes at most \(Int(Self.maximumLayerTokens)) tokens in all")
        }
        // Each layer's work and memory grow with experts × GPUs; past 2^26 cells (10^6 experts on 262,144 GPUs
        // asked for 262 GB) no machine plans it.
        try Self.check(
            Double(experts) * Double(topology.gpus) <= Double(Self.maximumExpertGPUs), "loads", "\(experts) experts",
            "\(experts) experts × \(topology.gpus) GPUs exceed \(Self.maximumExpertGPUs) expert-GPU pairs")
        try Self.check(
            topology.slots >= experts, "slots-per-gpu", topology.slotsPerGPU,
            "\(topology.slotsPerGPU) slots × \(topology.gpus) GPUs = \(topology.slots) < \(experts) experts")
        if let groups = options.groups {
            try Self.check(
                experts % groups == 0, "groups", groups, "\(experts) experts do not divide into \(groups) groups")
        }
        return experts
    }

    /// Sums each node's GPUs and rescales each expert's column to its load (origins give where tokens come from,
    /// loads how many); an expert no GPU reports is taken as coming evenly from every node.
    private func validateOrigins(_ origins: [[[Double]]], loads: [[Double]]) throws(ExpertPlacementError)
        -> [[[Double]]]
    {
        try Self.check(
            origins.count == loads.count, "origins", "\(origins.count) layers", "loads have \(loads.count) layers")
        var result: [[[Double]]] = []
        for (l, matrix) in origins.enumerated() {
            try Self.check(
                matrix.count == topology.gpus, "origins[\(l)]", "\(matrix.count) rows",
                "need one row per GPU (\(topology.gpus))")
            let experts = loads[l].count
            // Flat node × expert sums: this runs over every number of a large input.
            var sums = [Double](repeating: 0, count: topology.nodes * experts)
            for (g, row) in matrix.enumerated() {
                try Self.check(
                    row.count == experts, "origins[\(l)][\(g)]", "\(row.count) columns",
                    "need one per expert (\(experts))")
                if let e = row.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= Self.maximumLayerTokens) }) {
                    try Self.check(
                        false, "origins[\(l)][\(g)][\(e)]", row[e],
                        "must be a number of tokens from 0 to \(Int(Self.maximumLayerTokens))")
                }
                let base = topology.node(of: g) * experts
                for e in 0..<experts { sums[base + e] += row[e] }
            }
            var perNode = [[Double]](repeating: [Double](repeating: 0, count: experts), count: topology.nodes)
            for e in 0..<experts {
                let total = (0..<topology.nodes).reduce(0.0) { $0 + sums[$1 * experts + e] }
                for n in 0..<topology.nodes {
                    perNode[n][e] =
                        total > 0 ? sums[n * experts + e] / total * loads[l][e] : loads[l][e] / Double(topology.nodes)
                }
            }
            result.append(perNode)
        }
        return result
    }

    private func validatePrevious(_ previous: [[[Int]]], layers: Int, experts: Int) throws(ExpertPlacementError) {
        try Self.check(previous.count == layers, "previous.layers", previous.count, "the loads have \(layers) layers")
        for (l, gpus) in previous.enumerated() {
            try Self.check(
                gpus.count == topology.gpus, "previous.layers[\(l)].gpus", "\(gpus.count) GPUs",
                "the cluster has \(topology.gpus)")
            var present = Set<Int>()
            for (g, slots) in gpus.enumerated() {
                let field = "previous.layers[\(l)].gpus[\(g)]"
                try Self.check(
                    slots.count <= topology.slotsPerGPU, field, "\(slots.count) slots",
                    "more than --slots-per-gpu \(topology.slotsPerGPU)")
                try Self.check(Set(slots).count == slots.count, field, "\(slots)", "holds one expert twice")
                for e in slots { try Self.check(e >= 0 && e < experts, field, e, "expert outside 0..<\(experts)") }
                present.formUnion(slots)
            }
            try Self.check(
                present.count == experts, "previous.layers[\(l)]", "\(present.count) experts",
                "every expert 0..<\(experts) needs a replica")
        }
    }

    /// Field, value and reason are only formatted on failure: the checks run once per number of large inputs.
    static func check(
        _ condition: Bool, _ field: @autoclosure () -> String, _ value: @autoclosure () -> any CustomStringConvertible,
        _ reason: @autoclosure () -> String
    ) throws(ExpertPlacementError) {
        if !condition { throw ExpertPlacementError(field: field(), value: "\(value())", reason: reason()) }
    }
}

extension ExpertPlacementPlanner {
    /// Each GPU's tokens in one layer under EPLB's placements (the baselines, each replica an equal share, as EPLB
    /// assumes): global, and hierarchical when the planner has expert groups that divide over the nodes. For reports.
    public func baselineGPUTokens(layer weights: [Double]) -> [(name: String, tokens: [Double])] {
        guard !weights.isEmpty, topology.slots >= weights.count else { return [] }
        var result: [(name: String, tokens: [Double])] = []
        func tokens(_ physicalToLogical: [Int]) -> [Double] {
            LayerPlacement.equalShares(
                ReplicaPlacement.fromPhysical(physicalToLogical, topology: topology), experts: weights.count
            )
            .loads(weights)
        }
        if let groups = options.groups, groups % topology.nodes == 0, weights.count % groups == 0 {
            let layer = EPLB.hierarchical(
                weights: weights, slots: topology.slots, groups: groups, nodes: topology.nodes, gpus: topology.gpus)
            result.append(("eplb-hierarchical", tokens(layer.physicalToLogical)))
        }
        result.append(
            (
                "eplb-global",
                tokens(EPLB.global(weights: weights, slots: topology.slots, gpus: topology.gpus).physicalToLogical)
            ))
        return result
    }
}
