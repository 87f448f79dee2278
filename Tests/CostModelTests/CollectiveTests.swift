import Testing

@testable import CostModel

@Suite struct CollectiveTests {
    static let cluster = Cluster(
        gpu: GPUSpec.preset(named: "h100-sxm")!, nodes: 4, gpusPerNode: 8,
        efficiency: Efficiency(compute: 0.5, memory: 0.7, intraNode: 1, interNode: 1))
    static let model = CollectiveModel(cluster: cluster)

    @Test func singleNodeRingAllReduceIsTheTextbookFormula() {
        let bytes = 1e9
        let n = 8.0
        let time = Self.model.time(.allReduce, bytes: bytes, group: .contiguous(count: 8, gpusPerNode: 8))
        let ring = 2 * (n - 1) * 5e-6 + 2 * (n - 1) / n * bytes / 450e9
        #expect(time.seconds <= ring + 1e-12)
        #expect(abs(time.seconds - ring) / ring < 0.01)
    }

    @Test func largeMultiNodeAllReducePicksHierarchicalOrRingAtNICSpeed() {
        let bytes = 4e9
        let time = Self.model.time(.allReduce, bytes: bytes, group: .contiguous(count: 32, gpusPerNode: 8))
        let hierarchical = 2 * 7 * 5e-6 + 2 * 7.0 / 8 * bytes / 450e9 + 2 * 3 * 15e-6 + 2 * 3.0 / 4 * (bytes / 8) / 50e9
        #expect(time.seconds <= hierarchical + 1e-12)
        // Bandwidth-bound: the inter-node share dominates and no algorithm beats the NIC limit.
        #expect(time.seconds > 2 * 3.0 / 4 * (bytes / 8) / 50e9)
    }

    @Test func smallMessagesAcrossManyNodesPreferLowLatency() {
        let group = GroupPlacement.strided(count: 64, stride: 8, gpusPerNode: 8)
        #expect(group.nodes == 64 && group.ranksPerNode == 1)
        let time = Self.model.time(.allReduce, bytes: 1024, group: group)
        #expect(time.algorithm == .tree)
        #expect(time.seconds < 2 * 63 * 15e-6)
    }

    @Test func allToAllIsBoundByTheNICShareAcrossNodes() {
        let bytes = 1e9
        let time = Self.model.time(.allToAll, bytes: bytes, group: .contiguous(count: 32, gpusPerNode: 8))
        let inter = 24 * 15e-6 + 24.0 / 32 * bytes / 50e9
        #expect(abs(time.seconds - inter) < 1e-12)
        let inside = Self.model.time(.allToAll, bytes: bytes, group: .contiguous(count: 8, gpusPerNode: 8))
        #expect(inside.seconds < time.seconds / 5)
    }

    @Test func measuredBusBandwidthOverridesTheEstimate() {
        let profile = CalibrationProfile(busBandwidth: ["all-reduce": ["8": 360e9]])
        let measured = CollectiveModel(cluster: Self.cluster, measured: profile.measuredBandwidths)
        let time = measured.time(.allReduce, bytes: 1e9, group: .contiguous(count: 8, gpusPerNode: 8))
        #expect(time.algorithm == .measured)
        #expect(abs(time.seconds - (5e-6 + 1e9 * 2 * 7 / 8 / 360e9)) < 1e-12)
    }

    @Test func pointToPointUsesTheLinkBetweenTheRanks() {
        let inside = Self.model.time(.pointToPoint, bytes: 1e8, group: GroupPlacement(ranks: 2, nodes: 1))
        let across = Self.model.time(.pointToPoint, bytes: 1e8, group: GroupPlacement(ranks: 2, nodes: 2))
        #expect(abs(inside.seconds - (5e-6 + 1e8 / 450e9)) < 1e-15)
        #expect(abs(across.seconds - (15e-6 + 1e8 / 50e9)) < 1e-15)
    }
}
