import CostModel
import ExecutionPlan
import Foundation
import SolverFixtures
import Testing

@testable import ExpertPlacement

let testCost = ExpertCost(
    secondsPerToken: 1e-7, bytesPerToken: 14336, expertBytes: 88e6, moeLayers: 4, experts: 64,
    gpuMemoryBytes: 80e9, source: "test")

/// The least possible most-loaded GPU for a fixed placement, by Hall's condition (independent of the LP): experts S
/// must fit on the GPUs holding them, so T = max over expert sets S of load(S) / |GPUs holding S|.
func hallBound(_ gpus: [[Int]], weights: [Double]) -> Double {
    let experts = weights.count
    var best = 0.0
    for mask in 1..<(1 << experts) {
        let load = (0..<experts).filter { mask & (1 << $0) != 0 }.reduce(0) { $0 + weights[$1] }
        let reached = gpus.filter { $0.contains { mask & (1 << $0) != 0 } }.count
        best = max(best, reached == 0 ? .infinity : load / Double(reached))
    }
    return best
}

/// `versusEPLB`: a move budget may leave a plan less balanced than EPLB, which recomputes from scratch.
func checkInvariants(_ result: ExpertPlacementResult, loads: [[Double]], slots: Int, versusEPLB: Bool = true) throws {
    let plan = try result.executionPlan()
    #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
    // An absurd expert count is named before it sizes an array.
    var absurd = plan
    absurd.body.experts = 1 << 40
    #expect(absurd.firstInvariantViolation()?.path == "experts")
    for layer in 0..<result.layerCount {
        let gpus = result.gpus(layer: layer)
        let shares = result.shares(layer: layer)
        var shareSum = [Double](repeating: 0, count: result.experts)
        for (g, slotsOfGPU) in gpus.enumerated() {
            #expect(slotsOfGPU.count <= slots)
            #expect(Set(slotsOfGPU).count == slotsOfGPU.count, "two replicas of one expert on GPU \(g)")
            for (s, e) in slotsOfGPU.enumerated() { shareSum[e] += shares[g][s] }
        }
        for sum in shareSum { #expect(abs(sum - 1) < 1e-9) }
        let recomputed = zip(gpus, shares).map { zip($0, $1).reduce(0) { $0 + loads[layer][$1.0] * $1.1 } }
        #expect(
            abs((recomputed.max() ?? 0) - result.figures(layer: layer).maxLoad) <= 1e-6 * max(1, recomputed.max() ?? 0))
    }
    #expect(result.lowerBoundTokens <= result.predicted.maxLoadTokens * (1 + 1e-9))
    let eplb = result.baselines.filter { $0.name.hasPrefix("eplb") }.map(\.cost.maxLoadTokens).min() ?? .infinity
    if versusEPLB { #expect(result.predicted.maxLoadTokens <= eplb * (1 + 1e-9), "worse than EPLB") }
    for baseline in result.baselines { #expect(result.lowerBoundTokens <= baseline.cost.maxLoadTokens * (1 + 1e-9)) }
}

@Suite struct PlannerTests {
    @Test(arguments: [(64, 2, 8, 5), (64, 1, 8, 8), (16, 2, 4, 3), (256, 4, 8, 9), (48, 3, 4, 4)])
    func invariantsOnZipfLoads(experts: Int, nodes: Int, gpusPerNode: Int, slots: Int) throws {
        for (index, exponent) in [0.4, 0.8, 1.2].enumerated() {
            var generator = ExpertLoadGenerator(seed: UInt64(experts * 100 + nodes * 10 + index))
            let loads = (0..<3).map { _ in generator.zipf(experts: experts, tokens: 50_000, exponent: exponent) }
            let origins = loads.map {
                generator.origins(loads: $0, nodes: nodes, gpusPerNode: gpusPerNode, affinity: 4)
            }
            let planner = try ExpertPlacementPlanner(
                cost: testCost, topology: ExpertTopology(nodes: nodes, gpusPerNode: gpusPerNode, slotsPerGPU: slots),
                options: .init(groups: experts % 8 == 0 ? 8 : nil))
            try checkInvariants(try planner.plan(loads: loads), loads: loads, slots: slots)
            let withOrigins = try planner.plan(loads: loads, origins: origins)
            try checkInvariants(withOrigins, loads: loads, slots: slots)
            // Inter-node tokens are recomputed from the plan's shares by locality-first dispatch.
            let total = loads.reduce(0) { $0 + $1.reduce(0, +) }
            #expect(
                (withOrigins.predicted.interNodeTokens ?? -1) >= 0
                    && (withOrigins.predicted.interNodeTokens ?? .infinity) <= total)
        }
    }

    /// Every placement of 2-slot GPUs, each scored by Hall's condition: our plan must reach the optimum (these are
    /// small enough for our candidates to find it) and the bound must not exceed it.
    @Test(arguments: [(4, 3), (5, 3), (3, 4), (5, 4)])
    func bruteForceOnTinyInstances(experts: Int, gpus: Int) throws {
        let subsets = (0..<(1 << experts)).filter { $0.nonzeroBitCount == 2 }.map { mask in
            (0..<experts).filter { mask & (1 << $0) != 0 }
        }
        for seed in 0..<4 {
            var generator = ExpertLoadGenerator(seed: UInt64(seed * 17 + experts))
            let weights = generator.zipf(experts: experts, tokens: 1000, exponent: 1.0).map { $0 + Double(seed) }
            var optimum = Double.infinity
            var choice = [Int](repeating: 0, count: gpus)
            while true {
                let placement = choice.map { subsets[$0] }
                if Set(placement.flatMap { $0 }).count == experts {
                    optimum = min(optimum, hallBound(placement, weights: weights))
                }
                var position = 0
                while position < gpus, choice[position] == subsets.count - 1 {
                    choice[position] = 0
                    position += 1
                }
                if position == gpus { break }
                choice[position] += 1
            }
            let planner = try ExpertPlacementPlanner(
                cost: testCost, topology: ExpertTopology(nodes: 1, gpusPerNode: gpus, slotsPerGPU: 2))
            let result = try planner.plan(loads: [weights])
            #expect(result.lowerBoundTokens <= optimum * (1 + 1e-9))
            #expect(
                abs(result.predicted.maxLoadTokens - optimum) <= 1e-6 * optimum,
                "ours \(result.predicted.maxLoadTokens), optimum \(optimum), loads \(weights)")
        }
    }

    /// The share LP (CLP) and the max-flow shortcut against Hall's condition on random placements.
    @Test func shareLPAndFlowMatchHallsCondition() {
        var random = SeededGenerator(seed: 11)
        for _ in 0..<40 {
            let experts = 6
            let gpus = 4
            let weights = (0..<experts).map { _ in Double(random.next() % 1000 + 1) }
            var placement = (0..<gpus).map { _ in Array(Set((0..<3).map { _ in Int(random.next() % UInt64(experts)) }))
            }
            for e in 0..<experts where !placement.contains(where: { $0.contains(e) }) { placement[e % gpus].append(e) }
            let exact = hallBound(placement, weights: weights)
            let lp = ShareLP(topology: ExpertTopology(nodes: 1, gpusPerNode: gpus, slotsPerGPU: 8), weights: weights)
            // A bound of 0 forces the LP path; the flow must succeed at the optimum and fail just below it.
            let solved = lp.balance(placement, lowerBound: 0)
            #expect(abs(solved.maxLoad - exact) <= 1e-6 * exact)
            #expect(FlowShares.within(cap: exact * (1 + 1e-9), gpus: placement, weights: weights) != nil)
            #expect(FlowShares.within(cap: exact * (1 - 1e-3), gpus: placement, weights: weights) == nil)
        }
    }

    @Test func boundIsTheHeaviestExpertWithoutSpareSlots() {
        let topology = ExpertTopology(nodes: 1, gpusPerNode: 4, slotsPerGPU: 2)
        // Without spare slots the heaviest expert's GPU holds one more expert, at least the lightest: 100 + 10.
        #expect(LayerBound.tokens([100, 10, 10, 10, 10, 10, 10, 10], topology: topology) == 110)
        // One spare slot: the heaviest expert can split over two GPUs.
        #expect(LayerBound.tokens([100, 10, 10, 10, 10, 10, 10], topology: topology) == 50)
        // One slot per GPU, one spare: the two heaviest experts have three replicas, so three GPUs between them.
        let single = ExpertTopology(nodes: 1, gpusPerNode: 8, slotsPerGPU: 1)
        #expect(LayerBound.tokens([100, 90, 1, 1, 1, 1, 1], topology: single) == 190.0 / 3)
    }

    @Test func plansAreDeterministic() throws {
        var generator = ExpertLoadGenerator(seed: 5)
        let loads = (0..<6).map { _ in generator.zipf(experts: 64, tokens: 80_000, exponent: 0.8) }
        let origins = loads.map { generator.origins(loads: $0, nodes: 2, gpusPerNode: 8, affinity: 4) }
        let planner = try ExpertPlacementPlanner(
            cost: testCost, topology: ExpertTopology(nodes: 2, gpusPerNode: 8, slotsPerGPU: 5),
            options: .init(groups: 8))
        func encoded() throws -> Data {
            try PlanCoding.encode(try planner.plan(loads: loads, origins: origins).executionPlan(), compact: true)
        }
        #expect(try encoded() == encoded())
    }
}
