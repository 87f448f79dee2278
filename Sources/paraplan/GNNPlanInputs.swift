import ArgumentParser
import Foundation
import ParaPlan

/// The inputs a GNN plan file was made with, for `report` and `trace`: its graph or graph statistics, read as
/// `plan gnn-pipeline` reads them, and its model and cluster.
struct GNNPlanGraphOptions: ParsableArguments {
    @Option(help: "With a GNN plan: the graph it was made for (edge list, or METIS format for .graph/.metis files).")
    var graph: String?

    @Option(help: "With a GNN plan: the graph statistics it was made from.")
    var graphStats: String?

    /// Every plan evaluated from the same inputs (the graph is read once).
    func evaluate(
        plans: [(label: String, data: Data)],
        costSource: ProfileOrModelOptions
    ) throws -> (planner: GNNPipelinePlanner, results: [(label: String, result: GNNPipelineResult)]) {
        guard let model = costSource.model, let cluster = costSource.cluster, costSource.profile == nil else {
            throw CLIError(
                code: .badInput, message: "--model: a GNN plan needs the GNN model file and --cluster it was made with")
        }
        let input = try graphInput()
        let request = GNNPipelineRequest(model: .named(model), cluster: .named(cluster))
        var planner: GNNPipelinePlanner?
        var results: [(label: String, result: GNNPipelineResult)] = []
        for plan in plans {
            let evaluated = try request.evaluate(plan: plan.data, planSource: plan.label, graph: input)
            planner = evaluated.planner
            results.append((plan.label, evaluated.result))
        }
        guard let planner else { throw CLIError(code: .badInput, message: "plans: give at least one plan file") }
        return (planner, results)
    }

    func evaluate(
        plan data: Data, planSource: String,
        costSource: ProfileOrModelOptions
    ) throws -> (planner: GNNPipelinePlanner, result: GNNPipelineResult) {
        let evaluated = try evaluate(plans: [(planSource, data)], costSource: costSource)
        return (evaluated.planner, evaluated.results[0].result)
    }

    private func graphInput() throws -> GNNPipelineRequest.GraphInput {
        switch (graph, graphStats) {
        case (let path?, nil):
            do {
                return .graph(
                    try GraphFile.parse(try InputFile.readOrFail(path), format: .of(path: path), source: path).graph)
            } catch let error as GraphError {
                throw CLIError(code: .badInput, message: error.description)
            }
        case (nil, let path?):
            return .stats(try GNNPipelineRequest.stats(try InputFile.readOrFail(path), source: path))
        default:
            throw CLIError.badInput("--graph", "a GNN plan needs exactly one of --graph and --graph-stats")
        }
    }
}
