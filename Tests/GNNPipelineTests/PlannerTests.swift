import CostModel
import ExecutionPlan
import Foundation
import GraphPartitioning
import SolverFixtures
import Testing

@testable import GNNPipeline

@Suite struct GNNPlannerTests {
    func cluster(_ nodes: Int, _ perNode: Int = 8) -> Cluster {
        Cluster(gpu: GPUSpec.preset(named: "a100-80gb")!, nodes: nodes, gpusPerNode: perNode)
    }

    /// `searched`: the layout was free to choose, so it is at least as fast as every baseline.
    func check(_ result: GNNPipelineResult, gpus: Int, layers: Int, vertices: Int?, searched: Bool = true) throws {
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
        // Absurd counts are named before they size an array or overflow a rank index.
        for (ways, chunks, path) in [
            (Int.max / 2, plan.body.chunks, "graphParallelWays"), (plan.body.graphParallelWays, 1 << 40, "chunks"),
        ] {
            var absurd = plan
            absurd.body.graphParallelWays = ways
            absurd.body.chunks = chunks
            #expect(absurd.firstInvariantViolation()?.path == path)
        }
        #expect(result.layout.ways * result.layout.stages == gpus)
        #expect(
            result.layout.stageLayers.first?.lowerBound == 0 && result.layout.stageLayers.last?.upperBound == layers)
        #expect(result.lowerBoundSeconds <= result.estimate.epochSeconds)
        // Our layout is one of the candidates, so no baseline beats it.
        for baseline in result.baselines where searched {
            #expect(result.estimate.epochSeconds <= baseline.estimate.epochSeconds * (1 + 1e-12), "\(baseline.name)")
        }
        if let vertices {
            let chunkOf = try #require(result.chunkOf)
            #expect(chunkOf.count == vertices)
            let sizes = chunkOf.reduce(
                into: [Int](repeating: 0, count: result.layout.ways * result.layout.chunksPerWay)
            ) { $0[$1] += 1 }
            #expect(sizes.allSatisfy { $0 > 0 })
        }
    }

    @Test(arguments: [(1, 8, GNNLayerType.gcn), (2, 8, .gcnii), (1, 4, .graphsage), (1, 8, .gat)])
    func invariantsOnGeneratedGraphs(nodes: Int, layers: Int, type: GNNLayerType) throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 20_000, edgesPerVertex: 8, communitySize: 500, mixing: 0.2, seed: UInt64(layers))
        let model = GNNModel(
            type: type, layers: layers, inputWidth: 128, hiddenWidth: 64, outputWidth: 16, heads: type == .gat ? 4 : 1)
        let planner = try GNNPipelinePlanner(model: model, cluster: cluster(nodes))
        let result = try planner.plan(graph: graph)
        try check(result, gpus: 8 * nodes, layers: layers, vertices: 20_000)
        // The graph-parallel baseline's mirrors are exact: recomputing them from a METIS partition agrees.
        #expect((result.mirrorsByWays[8 * nodes] ?? 0) > 0)
    }

    @Test func deepModelsPreferThePipelineShallowOnesTheGraph() throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 50_000, edgesPerVertex: 10, communitySize: 1000, mixing: 0.3, seed: 4)
        // Four nodes: graph parallelism's all-to-all crosses InfiniBand every layer.
        let deep = try GNNPipelinePlanner(
            model: GNNModel(type: .gcn, layers: 32, inputWidth: 256, hiddenWidth: 256, outputWidth: 32),
            cluster: cluster(4)
        ).plan(graph: graph)
        #expect(deep.layout.stages > 1)
        let graphParallel = try #require(deep.baselines.first { $0.name == "graph-parallel" })
        #expect(deep.estimate.communicationBytes < graphParallel.estimate.communicationBytes)
        let shallow = try GNNPipelinePlanner(
            model: GNNModel(type: .gcn, layers: 2, inputWidth: 256, hiddenWidth: 256, outputWidth: 32),
            cluster: cluster(1)
        ).plan(graph: graph)
        #expect(shallow.layout.ways >= 4)
    }

    @Test func statsModeEstimatesMissingMirrorsAndSaysSo() throws {
        let stats = GraphStats(vertices: 232_965, edges: 57_307_946, mirrors: [8: 607_420])
        let planner = try GNNPipelinePlanner(
            model: GNNModel(type: .gcn, layers: 32, inputWidth: 602, hiddenWidth: 100, outputWidth: 41),
            cluster: cluster(2, 4))
        let result = try planner.plan(stats: stats)
        try check(result, gpus: 8, layers: 32, vertices: nil)
        #expect(result.estimatedMirrors == [2, 4])
        #expect(result.mirrorsSource.contains("estimated for k = 2, 4"))
        #expect(stats.mirrors(parts: 8) == (607_420, false))
        // Reddit's GNNPipe run: pipeline moves far less than graph
        // parallelism (14.482 vs 1.215 GiB of mirrors/boundaries).
        let graphParallel = try #require(result.baselines.first { $0.name == "graph-parallel" })
        let pipeline = try #require(result.baselines.first { $0.name == "pipeline" })
        #expect(graphParallel.estimate.communicationBytes / pipeline.estimate.communicationBytes > 10)
    }

    @Test func fixedChunksAndWays() throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 10_000, edgesPerVertex: 6, communitySize: 500, mixing: 0.2, seed: 8)
        let model = GNNModel(type: .gcn, layers: 16, inputWidth: 64, hiddenWidth: 64, outputWidth: 8)
        let result = try GNNPipelinePlanner(model: model, cluster: cluster(1), options: .init(chunks: 32, ways: 2))
            .plan(graph: graph)
        #expect(result.layout.ways == 2 && result.layout.chunksPerWay == 16)
        try check(result, gpus: 8, layers: 16, vertices: 10_000, searched: false)
    }

    @Test func badInputIsNamed() throws {
        let model = GNNModel(type: .gcn, layers: 0, inputWidth: 64, hiddenWidth: 64, outputWidth: 8)
        #expect(throws: GNNPipelineError(field: "model.layers", value: "0", reason: "must be a positive whole number"))
        {
            _ = try GNNPipelinePlanner(model: model, cluster: cluster(1))
        }
        let shallow = GNNModel(type: .gcn, layers: 2, inputWidth: 64, hiddenWidth: 64, outputWidth: 8)
        #expect(throws: GNNPipelineError.self) {
            _ = try GNNPipelinePlanner(model: shallow, cluster: cluster(1), options: .init(ways: 3))
        }
        #expect(throws: GNNPipelineError.self) {
            _ = try GNNPipelinePlanner(model: shallow, cluster: cluster(1), options: .init(ways: 1))
        }
        #expect(throws: GNNPipelineError.self) {
            _ = try GNNPipelinePlanner(model: shallow, cluster: cluster(1), options: .init(chunks: 6, ways: 4))
        }
        #expect(throws: GNNPipelineError.self) {
            _ = try GraphStats.parse(Data(#"{"vertices": 10, "edges": -1}"#.utf8), source: "s")
        }
        #expect(throws: GNNPipelineError.self) {
            _ = try GraphStats.parse(Data(#"{"vertices": 10, "edges": 5, "mirrors": {"x": 3}}"#.utf8), source: "s")
        }
    }

    @Test func plansAreDeterministic() throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 8000, edgesPerVertex: 6, communitySize: 400, mixing: 0.2, seed: 5)
        let planner = try GNNPipelinePlanner(
            model: GNNModel(type: .gcnii, layers: 16, inputWidth: 64, hiddenWidth: 64, outputWidth: 8),
            cluster: cluster(1))
        func encoded() throws -> Data {
            try PlanCoding.encode(try planner.plan(graph: graph).executionPlan(), compact: true)
        }
        #expect(try encoded() == encoded())
    }
}
