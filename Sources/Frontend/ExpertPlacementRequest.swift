import CostModel
import ExecutionPlan
import ExpertPlacement
import Foundation

/// `plan expert-placement`'s options, and the planner built from them once and reused at each rebalancing.
public struct ExpertPlacementRequest: Sendable {
    public var cluster: InputSource
    public var slotsPerGPU: Int
    public var groups: Int?
    public var maxMoves: Int?
    public var balanceTolerance: Double
    /// The MoE model; nil prices tokens with DeepSeek-V3's expert shape.
    public var model: InputSource?
    /// Each GPU's measured speed (a cluster file or `whatif --speed-factors` output); without it, the cluster
    /// file's own `speedFactors`.
    public var speedFactors: InputSource?

    public init(
        cluster: InputSource, slotsPerGPU: Int, groups: Int? = nil, maxMoves: Int? = nil, balanceTolerance: Double = 0,
        model: InputSource? = nil, speedFactors: InputSource? = nil
    ) {
        self.cluster = cluster
        self.slotsPerGPU = slotsPerGPU
        self.groups = groups
        self.maxMoves = maxMoves
        self.balanceTolerance = balanceTolerance
        self.model = model
        self.speedFactors = speedFactors
    }

    /// The planner, and the expert count a given model fixes (loads must match it).
    public func makePlanner() throws(FrontendError) -> (planner: ExpertPlacementPlanner, modelExperts: Int?) {
        let transformer = try CostInputs.model(model ?? .named("deepseek-v3"))
        let resolvedCluster = try CostInputs.cluster(cluster)
        let cost = try costModelCall { () throws(CostModelError) in
            try ExpertCost.derive(model: transformer, cluster: resolvedCluster)
        }
        let speeds =
            try speedFactors.map { source throws(FrontendError) in
                try CostInputs.speedFactors(source, ranks: resolvedCluster.gpuCount)
            } ?? resolvedCluster.speedFactors
        if let speeds, speeds.count != resolvedCluster.gpuCount {
            throw .badInput(
                "--speed-factors", value: "\(speeds.count) speeds", "the cluster has \(resolvedCluster.gpuCount) GPUs")
        }
        let topology = ExpertTopology(
            nodes: resolvedCluster.nodes, gpusPerNode: resolvedCluster.gpusPerNode, slotsPerGPU: slotsPerGPU,
            speeds: speeds)
        do {
            let planner = try ExpertPlacementPlanner(
                cost: cost, topology: topology,
                options: .init(groups: groups, maxMoves: maxMoves, balanceTolerance: balanceTolerance))
            return (planner, model == nil ? nil : cost.experts)
        } catch {
            throw .badInput(message: error)
        }
    }

    /// One placement. `modelExperts` is `makePlanner`'s; `source` names the loads in errors.
    public static func plan(
        _ planner: ExpertPlacementPlanner, modelExperts: Int?, loads: [[Double]], origins: [[[Double]]]?,
        previous: [[[Int]]]?, source: String
    ) throws(FrontendError) -> ExpertPlacementResult {
        if let modelExperts, let experts = loads.first?.count, experts != modelExperts {
            throw .badInput(source, value: "\(experts) experts", "the model \(planner.cost.source) has \(modelExperts)")
        }
        do {
            return try planner.plan(loads: loads, origins: origins, previous: previous)
        } catch {
            // A problem with the loads' content names the file (or array) they came from.
            let message = "\(error)"
            throw .badInput(message: message.hasPrefix("loads") ? "\(source): \(message)" : message)
        }
    }

    /// The slots of the plan now running (`--previous`), checked as a plan first.
    public static func previousSlots(_ data: Data, source: String) throws(FrontendError) -> [[[Int]]] {
        if case .failure(let problem) = PlanValidator.validate(data) {
            throw .badInput(source, "not a valid expert-placement plan (\(problem.description))")
        }
        do {
            return try PlanCoding.decode(ExpertPlacementPlan.self, from: data).body.layers.map(\.gpus)
        } catch {
            throw .badInput(source, "not an expert-placement plan (\(error.localizedDescription))")
        }
    }
}
