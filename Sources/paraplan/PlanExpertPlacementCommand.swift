import ArgumentParser
import Foundation
import ParaPlan

struct PlanExpertPlacementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expert-placement",
        abstract:
            "Places MoE experts and hot-expert replicas on GPUs, with each replica's token share, for every layer.",
        discussion: """
            Without --model, tokens are priced with DeepSeek-V3's expert shape. Baselines: no-replication, \
            eplb-hierarchical (with --groups dividing into the nodes) and eplb-global. Exit 2 for bad input.
            """
    )

    @Option(help: "Expert loads: JSON [[tokens per expert] per layer] or CSV (one row per layer).")
    var loads: String

    @Option(
        help:
            "Cluster preset (e.g. hgx-h800:8 = 8 nodes of 8 GPUs) or cluster file: the expert-parallel GPUs and their nodes."
    )
    var cluster: String

    @Option(parsing: .unconditional, help: "Expert slots per GPU.")
    var slotsPerGPU: Int

    @Option(parsing: .unconditional, help: "Expert groups (DeepSeek-V3: 8), for EPLB's hierarchical policy.")
    var groups: Int?

    @Option(help: "Origins: JSON, per layer a [GPU × expert] matrix of the tokens each GPU routes to each expert.")
    var origins: String?

    @Option(help: "The expert-placement plan now running, to count and limit moves.")
    var previous: String?

    @Option(parsing: .unconditional, help: "At most this many slot changes per layer from --previous.")
    var maxMoves: Int?

    @Option(
        parsing: .unconditional,
        help: "Relative slack on the most loaded GPU allowed to cut inter-node tokens (default 0: balance first).")
    var balanceTolerance: Double = 0

    @Option(help: "MoE model preset or file: expert width for token time, bytes per token, expert memory.")
    var model: String?

    @Option(
        help:
            "Each GPU's measured speed: a cluster file with speedFactors, or whatif --speed-factors output. Slower GPUs get fewer tokens. Default: the --cluster file's speedFactors, if any."
    )
    var speedFactors: String?

    @OptionGroup var outputOptions: PlanOutputOptions

    func run() throws {
        try outputOptions.checkCompactHasOutput()
        let request = ExpertPlacementRequest(
            cluster: .named(cluster), slotsPerGPU: slotsPerGPU, groups: groups, maxMoves: maxMoves,
            balanceTolerance: balanceTolerance, model: model.map { .named($0) },
            speedFactors: speedFactors.map { .named($0) })
        let (planner, modelExperts) = try request.makePlanner()
        let loadMatrix: [[Double]]
        let originMatrices: [[[Double]]]?
        do {
            loadMatrix = try ExpertLoadsFile.parse(try InputFile.readOrFail(loads), source: loads)
            originMatrices = try origins.map { path throws in
                try ExpertLoadsFile.parseOrigins(try InputFile.readOrFail(path), source: path)
            }
        } catch let error as ExpertPlacementError {
            throw CLIError(code: .badInput, message: error.description)
        }
        let previousLayers = try previous.map { path in
            try ExpertPlacementRequest.previousSlots(try InputFile.readOrFail(path), source: path)
        }
        let result = try ExpertPlacementRequest.plan(
            planner, modelExperts: modelExperts, loads: loadMatrix, origins: originMatrices,
            previous: previousLayers, source: loads)
        outputOptions.summary(render(result))
        if outputOptions.output != nil { try outputOptions.write(try result.executionPlan()) }
    }

    private func render(_ result: ExpertPlacementResult) -> String {
        let predicted = result.predicted
        let topology = result.topology
        let nodes = topology.nodes == 1 ? "1 node" : "\(topology.nodes) nodes"
        let slots = topology.slotsPerGPU == 1 ? "1 slot" : "\(topology.slotsPerGPU) slots"
        var lines = [
            "\(result.layerCount) layers × \(result.experts) experts on \(topology.gpus) GPUs (\(nodes), \(slots) each): "
                + String(
                    format: "max/mean %.4f, expert time %.3f ms", predicted.loadRatio, predicted.expertSeconds * 1000)
        ]
        lines.append(
            String(
                format: "lower bound: max/mean ≥ %.4f (plan within %.2f %%)",
                predicted.loadRatio * result.lowerBoundTokens / max(predicted.maxLoadTokens, 1e-12),
                (predicted.maxLoadTokens - result.lowerBoundTokens) / max(predicted.maxLoadTokens, 1e-12) * 100))
        if let inter = predicted.interNodeTokens {
            lines.append(
                String(format: "inter-node tokens %.0f (%.3f GB)", inter, (predicted.interNodeBytes ?? 0) / 1e9))
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
