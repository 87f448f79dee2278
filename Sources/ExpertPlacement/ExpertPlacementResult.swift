import CostModel
import ExecutionPlan

/// A planned set of MoE layers, with the baselines scored in the same run.
public struct ExpertPlacementResult: Sendable {
    public struct LayerFigures: Sendable, Equatable {
        public var maxLoad: Double
        public var meanLoad: Double
        public var interNodeTokens: Double?
    }

    public let experts: Int
    public let topology: ExpertTopology
    public let cost: ExpertCost
    let layers: [LayerPlanner.Outcome]
    let loads: [[Double]]
    let origins: [[[Double]]]?
    /// Per layer, `[node][expert]`: the tokens each node routes to each expert (origins summed and scaled to loads).
    let nodeOrigins: [[[Double]]]?
    let previous: [[[Int]]]?
    private var hasOrigins: Bool { origins != nil }
    public let planningSeconds: Double

    public var layerCount: Int { layers.count }
    public func gpus(layer: Int) -> [[Int]] { layers[layer].placement.gpus }
    /// Every layer's slot map (`[layer][gpu][slot]` = expert), the form `plan(loads:origins:previous:)` takes back as
    /// the placement now running.
    public var slotMaps: [[[Int]]] { layers.map(\.placement.gpus) }
    public func shares(layer: Int) -> [[Double]] { layers[layer].placement.shares }
    /// The candidate each layer's placement came from (longest-first, origin-affinity, eplb-…+lp, previous).
    public func candidate(layer: Int) -> String { layers[layer].candidate }
    public func figures(layer: Int) -> LayerFigures {
        let score = layers[layer].score
        return LayerFigures(maxLoad: score.maxLoad, meanLoad: score.meanLoad, interNodeTokens: score.interNodeTokens)
    }

    public var predicted: ExpertPlacementCost {
        summarise(layers.map(\.score), lowerBound: lowerBoundTokens, moves: moves)
    }
    public var lowerBoundTokens: Double { layers.reduce(0) { $0 + $1.lowerBound } }
    public var moves: Int? { hasMoves ? layers.reduce(0) { $0 + ($1.moves ?? 0) } : nil }
    private var hasMoves: Bool { layers.contains { $0.moves != nil } }

    /// Baselines by name, in the order they were computed, summed over layers.
    public var baselines: [(name: String, cost: ExpertPlacementCost)] {
        guard let names = layers.first?.baselines.map(\.name) else { return [] }
        return names.map { name in
            (
                name,
                summarise(
                    layers.compactMap { $0.baselines.first { $0.name == name }?.score }, lowerBound: nil, moves: nil)
            )
        }
    }

    /// Σ_l max / Σ_l mean when the plan (and each baseline) keeps its placement and shares but the loads change to
    /// `next` (predictive scoring: plan on one window, run on the next). Ours first, then the baselines.
    public func loadRatios(on next: [[Double]]) -> [(name: String, loadRatio: Double)] {
        func ratio(_ placements: [LayerPlacement]) -> Double {
            var maxSum = 0.0
            var meanSum = 0.0
            for (placement, weights) in zip(placements, next) {
                maxSum += placement.times(weights, topology).max() ?? 0
                meanSum += weights.reduce(0, +) / topology.totalSpeed
            }
            return meanSum > 0 ? maxSum / meanSum : 1
        }
        var result = [("paraplan", ratio(layers.map(\.placement)))]
        for name in baselines.map(\.name) {
            result.append((name, ratio(layers.compactMap { $0.baselines.first { $0.name == name }?.placement })))
        }
        return result
    }

    private func summarise(_ scores: [LayerScore], lowerBound: Double?, moves: Int?) -> ExpertPlacementCost {
        let maxSum = scores.reduce(0) { $0 + $1.maxLoad }
        let meanSum = scores.reduce(0) { $0 + $1.meanLoad }
        let inter: Double? = hasOrigins ? scores.reduce(0) { $0 + ($1.interNodeTokens ?? 0) } : nil
        return ExpertPlacementCost(
            expertSeconds: maxSum * cost.secondsPerToken, maxLoadTokens: maxSum,
            loadRatio: meanSum > 0 ? maxSum / meanSum : 1,
            lowerBoundTokens: lowerBound.map { min($0, maxSum) },
            interNodeTokens: inter, interNodeBytes: inter.map { $0 * cost.bytesPerToken }, moves: moves)
    }

    public func executionPlan() throws -> Plan<ExpertPlacementPlan> {
        let body = ExpertPlacementPlan(
            experts: experts, gpusPerNode: topology.gpusPerNode, slotsPerGPU: topology.slotsPerGPU,
            secondsPerToken: cost.secondsPerToken, bytesPerToken: cost.bytesPerToken,
            layers: layers.enumerated().map { l, outcome in
                let origins = nodeOrigins?[l]
                let dispatch = origins.map { outcome.placement.dispatch(loads[l], origins: $0, topology: topology) }
                return ExpertPlacementPlan.Layer(
                    gpus: outcome.placement.gpus, shares: outcome.placement.shares, maxLoad: outcome.score.maxLoad,
                    meanLoad: outcome.score.meanLoad, interNodeTokens: outcome.score.interNodeTokens,
                    nodeTokens: origins,
                    dispatch: dispatch?.map { $0.map { $0.map { [Double($0.replica), $0.fraction] } } })
            })
        let bound = predicted.lowerBoundTokens.map { $0 * cost.secondsPerToken }
        let gap =
            predicted.maxLoadTokens > 0
            ? (predicted.maxLoadTokens - (predicted.lowerBoundTokens ?? 0)) / predicted.maxLoadTokens : 0
        let tokens = loads.reduce(0) { $0 + $1.reduce(0, +) }
        return Plan(
            body: body, predicted: Predicted(predicted, lowerBoundSeconds: bound),
            baselines: baselines.map { Baseline(name: $0.name, cost: $0.cost) },
            solver: SolverReport(
                backend: "paraplan-experts (placement heuristics, CLP share LP)", status: "heuristic",
                relativeGap: max(0, gap)),
            inputs: try InputDigest.of(
                DigestedInputs(
                    loads: loads, origins: origins, previous: previous, nodes: topology.nodes,
                    gpusPerNode: topology.gpusPerNode, slotsPerGPU: topology.slotsPerGPU,
                    speedFactors: topology.speeds),
                summary: "\(loads.count) layers × \(experts) experts, \(Int(tokens)) tokens"))
    }
}

private struct DigestedInputs: Encodable {
    var loads: [[Double]]
    var origins: [[[Double]]]?
    var previous: [[[Int]]]?
    var nodes: Int
    var gpusPerNode: Int
    var slotsPerGPU: Int
    var speedFactors: [Double]?
}
