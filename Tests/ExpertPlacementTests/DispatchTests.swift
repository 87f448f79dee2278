import CostModel
import ExecutionPlan
import Foundation
import SolverFixtures
import Testing

@testable import ExpertPlacement

/// The dispatch a plan states reproduces its shares and sends exactly its predicted inter-node tokens, on random
/// instances of several shapes, and the validator refuses one that does not.
@Suite struct DispatchTests {
    @Test(arguments: [(64, 8, 2, 0.4), (64, 16, 1, 0.8), (256, 16, 1, 0.6), (128, 32, 0, 1.2), (64, 24, 1, 0.6)])
    func followingTheDispatchGivesTheSharesAndThePrediction(experts: Int, gpus: Int, spare: Int, s: Double) throws {
        var generator = ExpertLoadGenerator(seed: UInt64(experts * 7 + gpus) &+ UInt64(s * 100))
        let nodes = gpus / 8
        let loads = (0..<3).map { _ in generator.zipf(experts: experts, tokens: Double(gpus) * 4096, exponent: s) }
        let origins = loads.map { generator.origins(loads: $0, nodes: nodes, gpusPerNode: 8, affinity: 3) }
        let topology = ExpertTopology(nodes: nodes, gpusPerNode: 8, slotsPerGPU: experts / gpus + spare)
        let result = try ExpertPlacementPlanner(cost: testCost, topology: topology).plan(loads: loads, origins: origins)
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
        var crossing = 0.0
        for (l, layer) in plan.body.layers.enumerated() {
            let tokens = try #require(layer.nodeTokens)
            let dispatch = try #require(layer.dispatch)
            var replicaNodes = [[Int]](repeating: [], count: experts)
            for (g, slots) in layer.gpus.enumerated() { for e in slots { replicaNodes[e].append(g / 8) } }
            for n in 0..<nodes {
                for e in 0..<experts {
                    for pair in dispatch[n][e] where replicaNodes[e][Int(pair[0])] != n {
                        crossing += tokens[n][e] * pair[1]
                    }
                }
            }
            // Node totals are the loads: origins only say where tokens come from.
            for e in 0..<experts {
                #expect(abs((0..<nodes).reduce(0) { $0 + tokens[$1][e] } - loads[l][e]) <= 1e-6 * max(1, loads[l][e]))
            }
        }
        let predicted = try #require(plan.predicted.cost.interNodeTokens)
        #expect(abs(crossing - predicted) <= 1e-6 * max(1, predicted))
    }

    @Test func aDispatchThatBreaksTheSharesIsRefused() throws {
        var generator = ExpertLoadGenerator(seed: 5)
        let loads = [generator.zipf(experts: 32, tokens: 65536, exponent: 0.8)]
        let origins = [generator.origins(loads: loads[0], nodes: 2, gpusPerNode: 8, affinity: 3)]
        let topology = ExpertTopology(nodes: 2, gpusPerNode: 8, slotsPerGPU: 3)
        let plan = try ExpertPlacementPlanner(cost: testCost, topology: topology).plan(loads: loads, origins: origins)
            .executionPlan()
        #expect(plan.firstInvariantViolation() == nil)
        // An expert with two replicas on different nodes: send node 0's tokens to the other replica only.
        let layer = plan.body.layers[0]
        var nodesOf = [[Int]](repeating: [], count: 32)
        for (g, slots) in layer.gpus.enumerated() { for e in slots { nodesOf[e].append(g / 8) } }
        let expert = try #require((0..<32).first { Set(nodesOf[$0]).count == 2 && (layer.nodeTokens?[0][$0] ?? 0) > 0 })
        var broken = plan
        let remote = try #require(nodesOf[expert].firstIndex { $0 == 1 })
        broken.body.layers[0].dispatch?[0][expert] = [[Double(remote), 1]]
        #expect(broken.firstInvariantViolation() != nil)
        var unsummed = plan
        unsummed.body.layers[0].dispatch?[0][expert] = [[0, 0.5]]
        #expect(unsummed.firstInvariantViolation()?.reason == "fractions must sum to 1")
        var alone = plan
        alone.body.layers[0].nodeTokens = nil
        #expect(alone.firstInvariantViolation()?.reason == "dispatch and nodeTokens go together")
    }
}
