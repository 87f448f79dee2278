import CostModel
import ExecutionPlan
import Foundation
import GraphPartitioning
import SolverFixtures
import Testing

@testable import GNNPipeline

/// A plan file's layout priced again from its inputs (for `report` and `trace` of a GNN plan): the same layout,
/// estimate and baselines as when it was planned, whatever options chose it; other inputs are refused by name.
@Suite struct GNNPlanEvaluationTests {
    let model = GNNModel(type: .gcn, layers: 8, inputWidth: 128, hiddenWidth: 64, outputWidth: 16)
    func cluster(_ nodes: Int) -> Cluster {
        Cluster(gpu: GPUSpec.preset(named: "a100-80gb")!, nodes: nodes, gpusPerNode: 8)
    }

    func roundTrip(_ plan: Plan<GNNPipelinePlan>) throws -> Plan<GNNPipelinePlan> {
        try PlanCoding.decode(GNNPipelinePlan.self, from: try PlanCoding.encode(plan))
    }

    @Test(arguments: [(1, nil, nil), (2, nil, nil), (2, 4, nil), (1, 2, 16), (2, 16, nil)] as [(Int, Int?, Int?)])
    func aPlanFileGivesBackItsLayout(nodes: Int, ways: Int?, chunks: Int?) throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 6_000, edgesPerVertex: 6, communitySize: 300, mixing: 0.2,
            seed: UInt64(nodes * 10 + (ways ?? 0)))
        let planner = try GNNPipelinePlanner(
            model: model, cluster: cluster(nodes), options: .init(chunks: chunks, ways: ways))
        let planned = try planner.plan(graph: graph)
        let plan = try roundTrip(try planned.executionPlan())
        // Evaluated by a planner without the options: the plan's layout, not a new search.
        let evaluated = try GNNPipelinePlanner(model: model, cluster: cluster(nodes)).evaluate(plan, graph: graph)
        #expect(evaluated.layout == planned.layout)
        #expect(evaluated.estimate == planned.estimate)
        #expect(evaluated.lowerBoundSeconds == planned.lowerBoundSeconds)
        #expect(evaluated.baselines.map(\.name) == planned.baselines.map(\.name))
        #expect(evaluated.baselines.map(\.estimate) == planned.baselines.map(\.estimate))
        #expect(evaluated.mirrorsByWays == planned.mirrorsByWays)
    }

    @Test func statsPlansEvaluateFromTheirStats() throws {
        let stats = GraphStats(
            vertices: 232_965, edges: 57_307_946, mirrors: [2: 150_000, 4: 260_000, 8: 380_000, 16: 470_000])
        let planner = try GNNPipelinePlanner(model: model, cluster: cluster(2))
        let planned = try planner.plan(stats: stats)
        let evaluated = try planner.evaluate(try roundTrip(try planned.executionPlan()), stats: stats)
        #expect(evaluated.layout == planned.layout && evaluated.estimate == planned.estimate)
        #expect(evaluated.estimatedMirrors == planned.estimatedMirrors)
    }

    @Test func otherInputsAreRefusedByName() throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 4_000, edgesPerVertex: 6, communitySize: 200, mixing: 0.2, seed: 5)
        let planner = try GNNPipelinePlanner(model: model, cluster: cluster(2))
        let plan = try roundTrip(try planner.plan(graph: graph).executionPlan())
        let other = try GraphGenerator.communityPowerLaw(
            vertices: 4_000, edgesPerVertex: 6, communitySize: 200, mixing: 0.2, seed: 6)
        func failure(_ body: () throws(GNNPipelineError) -> GNNPipelineResult) -> GNNPipelineError? {
            do {
                _ = try body()
                return nil
            } catch { return error }
        }
        #expect(failure { () throws(GNNPipelineError) in try planner.evaluate(plan, graph: other) }?.field == "graph")
        let oneNode = try GNNPipelinePlanner(model: model, cluster: cluster(1))
        #expect(
            failure { () throws(GNNPipelineError) in try oneNode.evaluate(plan, graph: graph) }?.reason
                == "the plan has 16 ranks")
        var deeper = model
        deeper.layers = 16
        let deeperPlanner = try GNNPipelinePlanner(model: deeper, cluster: cluster(2))
        #expect(
            failure { () throws(GNNPipelineError) in try deeperPlanner.evaluate(plan, graph: graph) }?.field == "model")
        var wider = model
        wider.hiddenWidth = 256
        let widerPlanner = try GNNPipelinePlanner(model: wider, cluster: cluster(2))
        let priced = failure { () throws(GNNPipelineError) in try widerPlanner.evaluate(plan, graph: graph) }
        #expect(priced?.reason.contains("not the model and cluster it was made with") == true)
    }
}
