import Foundation
import SolverFixtures
import Testing

@testable import ExpertPlacement

/// The flow forms of the share problems against the LP (a second method) and against fresh solves.
struct FlowSharesTests {
    /// A random placement with replicated experts: every expert once, then `extra` replicas of random experts on GPUs
    /// that lack them.
    static func placement(experts: Int, topology: ExpertTopology, random: inout SeededGenerator) -> [[Int]] {
        var gpus = [[Int]](repeating: [], count: topology.gpus)
        for e in 0..<experts { gpus[e % topology.gpus].append(e) }
        for g in gpus.indices {
            while gpus[g].count < topology.slotsPerGPU {
                let e = Int(random.next() % UInt64(experts))
                if !gpus[g].contains(e) { gpus[g].append(e) }
            }
        }
        return gpus
    }

    /// Random weights (1-5,000 tokens, two experts per GPU) and a random placement on `topology`.
    static func instance(_ topology: ExpertTopology, random: inout SeededGenerator) -> (
        weights: [Double], gpus: [[Int]]
    ) {
        let experts = topology.gpus * 2
        let weights = (0..<experts).map { _ in Double(random.next() % 5000 + 1) }
        return (weights, placement(experts: experts, topology: topology, random: &random))
    }

    static func nodeOrigins(_ weights: [Double], nodes: Int, random: inout SeededGenerator) -> [[Double]] {
        var origins = (0..<nodes).map { _ in weights.map { _ in Double(random.next() % 100) } }
        for e in weights.indices {
            let total = (0..<nodes).reduce(0.0) { $0 + origins[$1][e] }
            for n in 0..<nodes {
                origins[n][e] = total > 0 ? weights[e] * origins[n][e] / total : weights[e] / Double(nodes)
            }
        }
        return origins
    }

    /// Phase 2 as a minimum-cost flow reaches the phase-2 LP's optimum (CLP) at the same cap, on random placements,
    /// caps from the phase-1 optimum to 20 % above it.
    @Test func mostLocalFlowMatchesThePhaseTwoLP() throws {
        var random = SeededGenerator(seed: 29)
        for trial in 0..<30 {
            let topology = ExpertTopology(nodes: 2 + trial % 3, gpusPerNode: 2 + trial % 2, slotsPerGPU: 3)
            let (weights, gpus) = Self.instance(topology, random: &random)
            let experts = weights.count
            let origins = Self.nodeOrigins(weights, nodes: topology.nodes, random: &random)
            let lp = ShareLP(topology: topology, weights: weights)
            let best = lp.balance(gpus, lowerBound: 0).maxLoad
            let cap = best * (1 + Double(trial % 5) * 0.05)
            let viaLP = try #require(lp.localise(gpus, origins: origins, maxLoadCap: cap))
            let shares = try #require(
                FlowShares.mostLocal(gpus: gpus, weights: weights, origins: origins, topology: topology, cap: cap))
            let viaFlow = LayerPlacement(gpus: gpus, shares: shares).normalised(weights)
            let total = weights.reduce(0, +)
            #expect((viaFlow.loads(weights).max() ?? 0) <= cap * (1 + 1e-9))
            let flowInter = viaFlow.interNodeTokens(weights, origins: origins, topology: topology)
            let lpInter = viaLP.placement.interNodeTokens(weights, origins: origins, topology: topology)
            #expect(abs(flowInter - lpInter) <= 1e-7 * total, "trial \(trial): flow \(flowInter), LP \(lpInter)")
            for e in 0..<experts {
                let sum = zip(gpus, viaFlow.shares).reduce(0.0) { acc, pair in
                    acc + zip(pair.0, pair.1).filter { $0.0 == e }.reduce(0.0) { $0 + $1.1 }
                }
                #expect(abs(sum - 1) <= 1e-9)
            }
        }
    }

    /// Below the phase-1 optimum no shares fit, so the phase-2 flow must say so.
    @Test func mostLocalFlowRefusesACapBelowTheBalanceOptimum() {
        var random = SeededGenerator(seed: 31)
        let topology = ExpertTopology(nodes: 2, gpusPerNode: 2, slotsPerGPU: 3)
        let weights = (0..<8).map { _ in Double(random.next() % 5000 + 1) }
        let gpus = Self.placement(experts: 8, topology: topology, random: &random)
        let origins = Self.nodeOrigins(weights, nodes: 2, random: &random)
        let best = ShareLP(topology: topology, weights: weights).balance(gpus, lowerBound: 0).maxLoad
        #expect(
            FlowShares.mostLocal(gpus: gpus, weights: weights, origins: origins, topology: topology, cap: best * 0.99)
                == nil)
        #expect(
            FlowShares.mostLocal(
                gpus: gpus, weights: weights, origins: origins, topology: topology, cap: best * (1 + 1e-9)) != nil)
    }

    /// Shifting fixed load through the live flow agrees with a fresh maximum flow on the moved placement, accepted or
    /// refused, and accepted shifts keep every GPU within the cap.
    @Test func liveFlowShiftsAgreeWithFreshFlows() throws {
        var random = SeededGenerator(seed: 37)
        var accepted = 0
        var refused = 0
        for trial in 0..<40 {
            let topology = ExpertTopology(nodes: 2, gpusPerNode: 3, slotsPerGPU: 3)
            let experts = 12
            let weights = (0..<experts).map { _ in Double(random.next() % 5000 + 1) }
            let gpus = Self.placement(experts: experts, topology: topology, random: &random)
            let lp = ShareLP(topology: topology, weights: weights)
            let cap = lp.balance(gpus, lowerBound: 0).maxLoad * (1 + Double(trial % 4) * 0.03)
            var live = try #require(FlexibleShares(gpus: gpus, weights: weights, cap: cap))
            var count = [Int](repeating: 0, count: experts)
            for slots in gpus { for e in slots { count[e] += 1 } }
            var current = gpus
            for _ in 0..<6 {
                // Swap two single replicas on different GPUs.
                let rigid = current.enumerated().flatMap { g, slots in
                    slots.enumerated().filter { count[$0.element] == 1 }.map { (g, $0.offset) }
                }
                guard rigid.count >= 2 else { break }
                let first = rigid[Int(random.next() % UInt64(rigid.count))]
                let second = rigid[Int(random.next() % UInt64(rigid.count))]
                guard first.0 != second.0 else { continue }
                let (a, b) = (current[first.0][first.1], current[second.0][second.1])
                var moved = current
                moved[first.0][first.1] = b
                moved[second.0][second.1] = a
                let fresh = FlowShares.within(cap: cap * (1 + 1e-9), gpus: moved, weights: weights) != nil
                let shifted = live.shiftRigidLoad(weights[a] - weights[b], from: first.0, to: second.0)
                if shifted {
                    current = moved
                    accepted += 1
                    let placement = LayerPlacement(gpus: current, shares: live.shares(current, weights: weights))
                    #expect((placement.loads(weights).max() ?? 0) <= cap * (1 + 1e-9))
                    #expect(fresh)
                } else {
                    refused += 1
                    // Refused only when a fresh flow fails too (a hair of tolerance aside).
                    #expect(FlowShares.within(cap: cap * (1 - 1e-9), gpus: moved, weights: weights) == nil)
                }
            }
        }
        #expect(accepted > 10 && refused > 0, "accepted \(accepted), refused \(refused)")
    }
}
