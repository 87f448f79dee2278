import LinearProgramming
import SolverFixtures
import Testing

@testable import ExpertPlacement

/// The even-shares flow against an LP on CLP (a second method), and what it must keep: the cap, and with origins
/// the tokens each node serves.
struct EvenSharesTests {
    /// Σ over replicas of tokens away from the equal share: what the flow minimises (twice its cost).
    static func deviation(_ placement: LayerPlacement, weights: [Double]) -> Double {
        var count = [Int](repeating: 0, count: weights.count)
        for slots in placement.gpus { for e in slots { count[e] += 1 } }
        var total = 0.0
        for (slots, shares) in zip(placement.gpus, placement.shares) {
            for (e, x) in zip(slots, shares) where count[e] > 1 { total += weights[e] * abs(x - 1 / Double(count[e])) }
        }
        return total
    }

    /// min Σ w_e·d_r, d_r ≥ |x_r − 1/c_e|, Σ_r x_r = 1, every GPU ≤ cap: the same problem as an LP.
    static func lpDeviation(_ gpus: [[Int]], weights: [Double], cap: Double) throws -> Double {
        var model = LinearModel(name: "even-shares")
        var count = [Int](repeating: 0, count: weights.count)
        for slots in gpus { for e in slots { count[e] += 1 } }
        var replicasOf = [[VariableID]](repeating: [], count: weights.count)
        var rows = [LinearExpression](repeating: LinearExpression(), count: gpus.count)
        var fixed = [Double](repeating: 0, count: gpus.count)
        for (g, slots) in gpus.enumerated() {
            for e in slots {
                guard count[e] > 1 else {
                    fixed[g] += weights[e]
                    continue
                }
                let x = model.addVariable(upper: 1)
                let d = model.addVariable(objective: weights[e])
                replicasOf[e].append(x)
                rows[g].add(x, weights[e])
                let equal = 1 / Double(count[e])
                model.addConstraint(LinearExpression([Term(x, 1), Term(d, -1)]), .lessOrEqual(equal))
                model.addConstraint(LinearExpression([Term(x, -1), Term(d, -1)]), .lessOrEqual(-equal))
            }
        }
        for e in weights.indices where replicasOf[e].count > 1 { model.addConstraint(.sum(replicasOf[e]), .equal(1)) }
        for g in gpus.indices { model.addConstraint(rows[g], .lessOrEqual(cap - fixed[g])) }
        let solution = try solve(model, using: .clp)
        return try #require(solution.objective)
    }

    @Test func reachesTheLPOptimumAndKeepsTheCap() throws {
        var random = SeededGenerator(seed: 53)
        for trial in 0..<30 {
            let topology = ExpertTopology(nodes: 1 + trial % 3, gpusPerNode: 2 + trial % 2, slotsPerGPU: 3)
            let (weights, gpus) = FlowSharesTests.instance(topology, random: &random)
            let lp = ShareLP(topology: topology, weights: weights)
            let balanced = lp.balance(gpus, lowerBound: 0)
            let cap = balanced.maxLoad * (1 + Double(trial % 3) * 0.05)
            let shares = try #require(
                EvenShares.shares(
                    balanced.placement, weights: weights, topology: topology, cap: cap, keepNodeTotals: false))
            let even = LayerPlacement(gpus: gpus, shares: shares).normalised(weights)
            #expect((even.loads(weights).max() ?? 0) <= cap * (1 + 1e-9))
            let reference = try Self.lpDeviation(gpus, weights: weights, cap: cap)
            let total = weights.reduce(0, +)
            #expect(abs(Self.deviation(even, weights: weights) - reference) <= 1e-7 * total, "trial \(trial)")
            #expect(
                Self.deviation(even, weights: weights) <= Self.deviation(balanced.placement, weights: weights) + 1e-7
                    * total)
        }
    }

    /// With origins the tokens each node serves of each expert stay as they were, so inter-node tokens do not move.
    @Test func keepsWhatEachNodeServes() throws {
        var random = SeededGenerator(seed: 59)
        for trial in 0..<20 {
            let topology = ExpertTopology(nodes: 2 + trial % 2, gpusPerNode: 2, slotsPerGPU: 3)
            let (weights, gpus) = FlowSharesTests.instance(topology, random: &random)
            let experts = weights.count
            let origins = FlowSharesTests.nodeOrigins(weights, nodes: topology.nodes, random: &random)
            let cap = ShareLP(topology: topology, weights: weights).balance(gpus, lowerBound: 0).maxLoad * 1.05
            let local = LayerPlacement(
                gpus: gpus,
                shares: try #require(
                    FlowShares.mostLocal(
                        gpus: gpus, weights: weights, origins: origins, topology: topology, cap: cap))
            ).normalised(weights)
            let shares = try #require(
                EvenShares.shares(local, weights: weights, topology: topology, cap: cap, keepNodeTotals: true))
            let even = LayerPlacement(gpus: gpus, shares: shares).normalised(weights)
            func served(_ p: LayerPlacement) -> [Double] {
                var sums = [Double](repeating: 0, count: experts * topology.nodes)
                for (g, (slots, x)) in zip(p.gpus, p.shares).enumerated() {
                    for (e, share) in zip(slots, x) {
                        sums[e * topology.nodes + topology.node(of: g)] += weights[e] * share
                    }
                }
                return sums
            }
            for (a, b) in zip(served(even), served(local)) { #expect(abs(a - b) <= 1e-7 * weights.reduce(0, +)) }
            #expect((even.loads(weights).max() ?? 0) <= cap * (1 + 1e-9))
            #expect(
                Self.deviation(even, weights: weights) <= Self.deviation(local, weights: weights) + 1e-6
                    * weights.reduce(0, +))
        }
    }

    /// Four experts of equal load, two replicas each around a ring of four GPUs: a flow may give one replica of each
    /// expert everything (also balanced); equal shares are balanced too, so they are the answer.
    @Test func ringOfEqualExpertsGetsEqualShares() throws {
        let topology = ExpertTopology(nodes: 1, gpusPerNode: 4, slotsPerGPU: 2)
        let weights = [1000.0, 1000, 1000, 1000]
        let gpus = [[0, 1], [1, 2], [2, 3], [3, 0]]
        let skewed = LayerPlacement(gpus: gpus, shares: [[1, 0], [1, 0], [1, 0], [1, 0]])
        #expect(skewed.loads(weights) == [1000, 1000, 1000, 1000])
        let shares = try #require(
            EvenShares.shares(skewed, weights: weights, topology: topology, cap: 1000, keepNodeTotals: false))
        for row in shares { for x in row { #expect(abs(x - 0.5) < 1e-9) } }
    }

    /// Planned on one window and run on the next (loads drifted log-normally, σ = 0.3, as in the benchmark): the
    /// plan's shares hold up about as well as EPLB's equal shares. With the flow's vertex shares this instance was
    /// 7 % less balanced than the better EPLB policy on the next window.
    @Test func sharesHoldUpOnTheNextWindow() throws {
        let topology = ExpertTopology(nodes: 2, gpusPerNode: 8, slotsPerGPU: 6)
        var ours = 0.0
        var eplb = 0.0
        for (index, s) in [0.4, 0.6, 0.8, 1.0, 1.2].enumerated() {
            var generator = ExpertLoadGenerator(seed: UInt64(64 * 1000 + 16 * 10 + 2 + index * 7919))
            let loads = (0..<4).map { _ in generator.zipf(experts: 64, tokens: 16 * 8192, exponent: s) }
            let next = loads.map { generator.drifted($0, drift: 0.3) }
            let result = try ExpertPlacementPlanner(cost: testCost, topology: topology, options: .init(groups: 8)).plan(
                loads: loads)
            let ratios = Dictionary(uniqueKeysWithValues: result.loadRatios(on: next).map { ($0.name, $0.loadRatio) })
            ours += try #require(ratios["paraplan"])
            eplb += min(try #require(ratios["eplb-hierarchical"]), try #require(ratios["eplb-global"]))
        }
        #expect(ours <= eplb * 1.02, "next window: ours \(ours / 5), better EPLB \(eplb / 5)")
    }
}
