import Testing

@testable import ExpertPlacement

/// Our EPLB against the example in DeepSeek's EPLB README (shared/references/moe.md §1.5).
@Suite struct EPLBTests {
    static let weights: [[Double]] = [
        [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
        [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
    ]

    @Test func hierarchicalReproducesTheReadmeExample() {
        let expected = [
            [5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1],
            [7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1],
        ]
        let expectedCounts = [
            [1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1],
            [1, 2, 1, 1, 1, 2, 2, 1, 2, 1, 1, 1],
        ]
        for layer in 0..<2 {
            let result = EPLB.hierarchical(weights: Self.weights[layer], slots: 16, groups: 4, nodes: 2, gpus: 8)
            #expect(result.physicalToLogical == expected[layer])
            #expect(result.replicaCounts == expectedCounts[layer])
        }
    }

    @Test func hierarchicalLoadsMatchTheReference() {
        // Equal-split GPU loads of layer 0 from the reference: [121.5, 86.5, 125, 113, 147.5, 131.5, 156, 152].
        let topology = ExpertTopology(nodes: 2, gpusPerNode: 4, slotsPerGPU: 2)
        let layer = EPLB.hierarchical(weights: Self.weights[0], slots: 16, groups: 4, nodes: 2, gpus: 8)
        let gpus = ReplicaPlacement.fromPhysical(layer.physicalToLogical, topology: topology)
        let loads = LayerPlacement.equalShares(gpus, experts: 12).loads(Self.weights[0])
        #expect(loads == [121.5, 86.5, 125, 113, 147.5, 131.5, 156, 152])
    }

    @Test func globalPolicyPutsTwoReplicasOfOneExpertOnGPU7() {
        let layer = EPLB.global(weights: Self.weights[0], slots: 16, gpus: 8)
        #expect(layer.physicalToLogical == [10, 6, 10, 7, 0, 2, 11, 4, 5, 9, 5, 4, 8, 3, 1, 1])
        let gpus = ReplicaPlacement.fromPhysical(
            layer.physicalToLogical, topology: ExpertTopology(nodes: 1, gpusPerNode: 8, slotsPerGPU: 2))
        #expect(gpus[7] == [1, 1])
        // Our de-duplication keeps one replica of expert 1 there and gives the freed slot to another expert.
        let fixed = ReplicaPlacement.withoutDuplicates(gpus, weights: Self.weights[0])
        #expect(fixed[7].count == 2 && Set(fixed[7]).count == 2 && fixed[7].contains(1))
    }
}
