import CostModel
import ExecutionPlan
import GraphPartitioning

/// A plan file's own layout priced again from the inputs it was made with, for its report and timeline: the plan
/// carries its layout but not the mirror counts or the baselines' parts that the figures draw.
extension GNNPipelinePlanner {
    public func evaluate(_ plan: Plan<GNNPipelinePlan>, graph: Graph) throws(GNNPipelineError) -> GNNPipelineResult {
        let counted = try mirrorCounts(graph: graph)
        return try evaluate(
            plan, vertices: graph.vertexCount, edges: graph.edgeCount, mirrors: counted.mirrors,
            mirrorsSource: counted.source)
    }

    public func evaluate(_ plan: Plan<GNNPipelinePlan>, stats: GraphStats) throws(GNNPipelineError) -> GNNPipelineResult
    {
        let counted = try mirrorCounts(stats: stats)
        var result = try evaluate(
            plan, vertices: stats.vertices, edges: stats.edges, mirrors: counted.mirrors,
            mirrorsSource: counted.source)
        result.estimatedMirrors = counted.estimated
        return result
    }

    /// Refuses a plan of another graph (its input digest), of another cluster or model (its ranks and layers), or
    /// priced by another cost (its predicted epoch).
    private func evaluate(
        _ plan: Plan<GNNPipelinePlan>, vertices: Int, edges: Int, mirrors: [Int: Int],
        mirrorsSource: String
    ) throws(GNNPipelineError) -> GNNPipelineResult {
        let body = plan.body
        let gpus = cluster.gpuCount
        guard body.graphParallelWays * body.stages.count == gpus else {
            throw GNNPipelineError(
                field: "cluster", value: "\(gpus) GPUs",
                reason: "the plan has \(body.graphParallelWays * body.stages.count) ranks")
        }
        guard body.stages.last?.layers.last == model.layers else {
            throw GNNPipelineError(
                field: "model", value: "\(model.layers) layers",
                reason: "the plan's stages end at layer \(body.stages.last?.layers.last ?? 0)")
        }
        let digest = try? GNNPipelineResult.inputDigest(vertices: vertices, edges: edges, mirrors: mirrors)
        guard digest?.sha256 == plan.inputs.sha256 else {
            throw GNNPipelineError(
                field: "graph", value: "\(vertices) vertices, \(edges) edges",
                reason: "not the graph the plan was made for (\(plan.inputs.summary))")
        }
        let layout = GNNPipelineCost.Layout(
            ways: body.graphParallelWays,
            stageLayers: body.stages.map { $0.layers[0]..<$0.layers[1] },
            chunksPerWay: body.chunks / body.graphParallelWays,
            mirrors: mirrors[body.graphParallelWays] ?? 0)
        let cost = GNNPipelineCost(model: model, cluster: cluster, vertices: vertices, edges: edges)
        let estimate = cost.estimate(layout)
        let predicted = plan.predicted.cost.epochSeconds
        guard abs(estimate.epochSeconds - predicted) <= 1e-9 * max(predicted, 1e-12) else {
            throw GNNPipelineError(
                field: "model", value: "epoch \(estimate.epochSeconds) s",
                reason: "the plan predicts \(predicted) s: not the model and cluster it was made with")
        }
        let baselines = baselineLayouts(search: LayoutSearch(cost: cost, gpus: gpus), mirrors: mirrors)
        return GNNPipelineResult(
            layout: layout, estimate: estimate, lowerBoundSeconds: cost.lowerBoundSeconds,
            baselines: baselines.map { ($0.name, $0.estimate) }, mirrorsSource: mirrorsSource,
            vertices: vertices, edges: edges, mirrorsByWays: mirrors)
    }
}
