import CostModel
import ExecutionPlan

/// A chosen GNN training layout with its estimate and the baselines scored in the same run.
public struct GNNPipelineResult: Sendable {
    public let layout: GNNPipelineCost.Layout
    public let estimate: GNNPipelineCost.Estimate
    public let lowerBoundSeconds: Double
    public let baselines: [(name: String, estimate: GNNPipelineCost.Estimate)]
    public let mirrorsSource: String
    public let vertices: Int
    public let edges: Int
    /// M for each D tried (D-way grouping of the partition, or the stats).
    public let mirrorsByWays: [Int: Int]
    /// Vertex → chunk, when the graph was given whole.
    public internal(set) var chunkOf: [Int]?
    /// Part counts whose mirrors were estimated (graph stats without them).
    public internal(set) var estimatedMirrors: [Int] = []
    public internal(set) var planningSeconds = 0.0

    /// Chunk ids inline, or in `chunkOfFile` (which the caller writes) when given.
    public func executionPlan(chunkOfFile: String? = nil) throws -> Plan<GNNPipelinePlan> {
        let d = layout.ways
        let stages = layout.stageLayers.enumerated().map { s, range in
            GNNPipelinePlan.Stage(ranks: Array((d * s)..<(d * (s + 1))), layers: [range.lowerBound, range.upperBound])
        }
        let chunks = d * layout.chunksPerWay
        let sizes = chunkOf.map { ids in ids.reduce(into: [Int](repeating: 0, count: chunks)) { $0[$1] += 1 } }
        let body = GNNPipelinePlan(
            graphParallelWays: d, stages: stages, chunks: chunks,
            chunkOf: chunkOfFile == nil ? chunkOf : nil, chunkOfFile: chunkOfFile,
            chunkSizes: sizes, mirrorsSource: mirrorsSource)
        let bound = min(lowerBoundSeconds, estimate.epochSeconds)
        return Plan(
            body: body,
            predicted: Predicted(
                GNNEpochCost(
                    epochSeconds: estimate.epochSeconds, communicationBytes: estimate.communicationBytes,
                    bubbleFraction: estimate.bubbleFraction), lowerBoundSeconds: bound),
            baselines: baselines.map {
                Baseline(
                    name: $0.name,
                    cost: GNNEpochCost(
                        epochSeconds: $0.estimate.epochSeconds,
                        communicationBytes: $0.estimate.communicationBytes,
                        bubbleFraction: $0.estimate.bubbleFraction))
            },
            solver: SolverReport(
                backend: "paraplan-gnn (METIS k-way, layer-split DP, chunk search)", status: "heuristic",
                relativeGap: estimate.epochSeconds > 0 ? (estimate.epochSeconds - bound) / estimate.epochSeconds : 0),
            inputs: try Self.inputDigest(vertices: vertices, edges: edges, mirrors: mirrorsByWays))
    }

    /// What a plan's input digest covers: the graph's size and its mirrors for every D tried.
    static func inputDigest(vertices: Int, edges: Int, mirrors: [Int: Int]) throws -> InputDigest {
        try InputDigest.of(
            DigestedInputs(
                vertices: vertices, edges: edges,
                mirrors: mirrors.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }),
            summary: "\(vertices) vertices, \(edges) edges")
    }
}

private struct DigestedInputs: Encodable {
    var vertices: Int
    var edges: Int
    var mirrors: [[Int]]
}
