import ArgumentParser
import Foundation
import ParaPlan

struct PlanExpertPlacementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expert-placement",
        abstract: "Places MoE experts and hot-expert replicas on GPUs, with each replica's token share, for every layer.",
        discussion: """
            Without --model, tokens are priced with DeepSeek-V3's expert shape. Baselines: no-replication, \
            eplb-hierarchical (with --groups dividing into the nodes) and eplb-global. Exit 2 for bad input.
            """
    )

    @Option(help: "Expert loads: JSON [[tokens per expert] per layer] or CSV (one row per layer).")
    var loads: String

    @Option(help: "Cluster preset (e.g. hgx-h800:8) or cluster file: the expert-parallel GPUs and their nodes.")
    var cluster: String

    @Option(help: "Expert slots per GPU.")
    var slotsPerGPU: Int

    @Option(help: "Expert groups (DeepSeek-V3: 8), for EPLB's hierarchical policy.")
    var groups: Int?

    @Option(help: "Origins: JSON, per layer a [GPU × expert] matrix of the tokens each GPU routes to each expert.")
    var origins: String?

    @Option(help: "The expert-placement plan now running, to count and limit moves.")
    var previous: String?

    @Option(help: "At most this many slot changes per layer from --previous.")
    var maxMoves: Int?

    @Option(help: "Relative slack on the most loaded GPU allowed to cut inter-node tokens (default 0: balance first).")
    var balanceTolerance: Double = 0

    @Option(help: "MoE model preset or file: expert width for token time, bytes per token, expert memory.")
    var model: String?

    @OptionGroup var outputOptions: PlanOutputOptions

    func run() throws {
        let (cost, topology) = try resolveCost()
        let loadMatrix: [[Double]]
        let originMatrices: [[[Double]]]?
        do {
            loadMatrix = try ExpertLoadsFile.parse(try InputFile.readOrFail(loads), source: loads)
            originMatrices = try origins.map { path throws in try ExpertLoadsFile.parseOrigins(try InputFile.readOrFail(path), source: path) }
        } catch let error as ExpertPlacementError {
            throw CLIError(code: .badInput, message: error.description)
        }
        if model != nil, let experts = loadMatrix.first?.count, experts != cost.experts {
            throw CLIError.badInput(loads, value: "\(experts) experts", "the model \(cost.source) has \(cost.experts)")
        }
        let previousLayers = try previous.map(readPrevious)
        let result: ExpertPlacementResult
        do {
            let planner = try ExpertPlacementPlanner(cost: cost, topology: topology,
                                                     options: .init(groups: groups, maxMoves: maxMoves, balanceTolerance: balanceTolerance))
            result = try planner.plan(loads: loadMatrix, origins: originMatrices, previous: previousLayers)
        } catch {
            throw CLIError(code: .badInput, message: error.description)
        }
        print(render(result))
        if outputOptions.output != nil { try outputOptions.write(try result.executionPlan()) }
    }

    private func resolveCost() throws -> (ExpertCost, ExpertTopology) {
        let modelName = model ?? "deepseek-v3"
        let inputs = try CostInputOptions.parse(["--model", modelName, "--cluster", cluster])
        let transformer = try inputs.resolveModel()
        let resolvedCluster = try inputs.resolveCluster()
        let cost = try costModelCall { () throws(CostModelError) in try ExpertCost.derive(model: transformer, cluster: resolvedCluster) }
        return (cost, ExpertTopology(nodes: resolvedCluster.nodes, gpusPerNode: resolvedCluster.gpusPerNode, slotsPerGPU: slotsPerGPU))
    }

    private func readPrevious(_ path: String) throws -> [[[Int]]] {
        let data = try InputFile.readOrFail(path)
        do {
            return try PlanCoding.decode(ExpertPlacementPlan.self, from: data).body.layers.map(\.gpus)
        } catch {
            throw CLIError.badInput(path, "not an expert-placement plan (\(error.localizedDescription))")
        }
    }

    private func render(_ result: ExpertPlacementResult) -> String {
        let predicted = result.predicted
        let topology = result.topology
        let nodes = topology.nodes == 1 ? "1 node" : "\(topology.nodes) nodes"
        let slots = topology.slotsPerGPU == 1 ? "1 slot" : "\(topology.slotsPerGPU) slots"
        var lines = ["\(result.layerCount) layers × \(result.experts) experts on \(topology.gpus) GPUs (\(nodes), \(slots) each): "
                     + String(format: "max/mean %.4f, expert time %.3f ms", predicted.loadRatio, predicted.expertSeconds * 1000)]
        lines.append(String(format: "lower bound: max/mean ≥ %.4f (plan within %.2f %%)",
                            predicted.loadRatio * result.lowerBoundTokens / max(predicted.maxLoadTokens, 1e-12),
                            (predicted.maxLoadTokens - result.lowerBoundTokens) / max(predicted.maxLoadTokens, 1e-12) * 100))
        if let inter = predicted.interNodeTokens {
            lines.append(String(format: "inter-node tokens %.0f (%.3f GB)", inter, (predicted.interNodeBytes ?? 0) / 1e9))
        }
        if let moves = predicted.moves { lines.append("moves from the previous plan: \(moves) slots") }
        for baseline in result.baselines {
            var line = String(format: "baseline %@: max/mean %.4f", baseline.name, baseline.cost.loadRatio)
            if let inter = baseline.cost.interNodeTokens { line += String(format: ", inter-node tokens %.0f", inter) }
            lines.append(line)
        }
        lines.append(String(format: "planned in %.2f ms", result.planningSeconds * 1000))
        return lines.joined(separator: "\n")
    }
}
