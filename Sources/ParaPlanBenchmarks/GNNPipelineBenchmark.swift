import Foundation
import GraphPartitioning
import ParaPlan
import SolverFixtures

/// GNN layouts on generated power-law graphs (issue 7's suite): planning time including METIS, and our predicted
/// epoch time and volume against graph parallelism, pure pipeline and GNNPipe's fixed rule.
enum GNNPipelineBenchmark {
    struct Case {
        let name: String
        let vertices: Int
        let edgesPerVertex: Int
        let community: Bool
        let nodes: Int
        let layers: [Int]
    }

    static let cases = [
        Case(
            name: "Barabási–Albert", vertices: 100_000, edgesPerVertex: 10, community: false, nodes: 1, layers: [8, 32]),
        Case(
            name: "Barabási–Albert", vertices: 100_000, edgesPerVertex: 10, community: false, nodes: 8, layers: [8, 64]),
        Case(
            name: "community power-law", vertices: 100_000, edgesPerVertex: 10, community: true, nodes: 1,
            layers: [8, 32]),
        Case(
            name: "community power-law", vertices: 100_000, edgesPerVertex: 10, community: true, nodes: 8,
            layers: [8, 64]),
        Case(
            name: "community power-law", vertices: 1_000_000, edgesPerVertex: 10, community: true, nodes: 1,
            layers: [32]),
        Case(
            name: "community power-law", vertices: 1_000_000, edgesPerVertex: 10, community: true, nodes: 8,
            layers: [32]),
        Case(
            name: "community power-law", vertices: 2_000_000, edgesPerVertex: 10, community: true, nodes: 2,
            layers: [16]),
    ]

    static func run() throws -> [String] {
        var lines = [
            "| graph | V / E | GPUs | layers | ours (D × S, C) | epoch s | vs graph-parallel | vs pipeline | vs gnnpipe-fixed | volume ÷ graph-parallel | planning s (partitioning s) |",
            "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        var worse = 0
        for item in cases {
            let graph =
                item.community
                ? try GraphGenerator.communityPowerLaw(
                    vertices: item.vertices, edgesPerVertex: item.edgesPerVertex, communitySize: 2000, mixing: 0.1,
                    seed: 7)
                : try GraphGenerator.barabasiAlbert(
                    vertices: item.vertices, edgesPerVertex: item.edgesPerVertex, seed: 7)
            for layers in item.layers {
                let model = GNNModel(type: .gcn, layers: layers, inputWidth: 128, hiddenWidth: 128, outputWidth: 32)
                let cluster = Cluster(gpu: GPUSpec.preset(named: "a100-80gb")!, nodes: item.nodes, gpusPerNode: 8)
                let planner = try GNNPipelinePlanner(model: model, cluster: cluster)
                let clock = ContinuousClock()
                let partitionStart = clock.now
                _ = try MetisPartitioner.partition(
                    graph, parts: cluster.gpuCount,
                    objective: graph.edgeCount <= GNNPipelinePlanner.volumeObjectiveEdgeLimit
                        ? .communicationVolume : .edgeCut)
                let metis = clock.now - partitionStart
                let result = try planner.plan(graph: graph)
                let ours = result.estimate
                func ratio(_ name: String) -> String {
                    guard let baseline = result.baselines.first(where: { $0.name == name }) else { return "n/a" }
                    if ours.epochSeconds > baseline.estimate.epochSeconds * (1 + 1e-12) { worse += 1 }
                    return String(format: "%.2f×", baseline.estimate.epochSeconds / ours.epochSeconds)
                }
                let graphParallel =
                    result.baselines.first { $0.name == "graph-parallel" }?.estimate.communicationBytes ?? .nan
                let layout =
                    "\(result.layout.ways) × \(result.layout.stages), \(result.layout.ways * result.layout.chunksPerWay)"
                let metisSeconds = Double(metis.components.seconds) + Double(metis.components.attoseconds) * 1e-18
                lines.append(
                    "| \(item.name) | \(item.vertices / 1000)K / \(graph.edgeCount / 1000)K | \(cluster.gpuCount) | \(layers) | \(layout) | \(String(format: "%.4f", ours.epochSeconds)) | \(ratio("graph-parallel")) | \(ratio("pipeline")) | \(ratio("gnnpipe-fixed")) | \(String(format: "%.3f", ours.communicationBytes / graphParallel)) | \(String(format: "%.2f (%.2f)", result.planningSeconds, metisSeconds)) |"
                )
            }
        }
        lines.append("")
        lines.append(
            "GCN, widths 128 → 128 → 32, A100-80GB nodes of 8 (NVLink inside, InfiniBand between). \"vs X\" is X's predicted epoch ÷ ours (≥ 1: ours is faster). Layouts where a baseline beats ours: \(worse). Planning is one run including graph partitioning; partitioning alone (METIS, after label-propagation pre-coarsening above 2M edges) is timed separately on the same parts."
        )
        return lines
    }
}
