import Testing

@testable import CostModel

/// `CollectiveModel.latencyBoundAllReduce`: NCCL's LL-protocol latency model (src/graph/tuning.cc), worked by hand.
@Suite struct LatencyBoundAllReduceTests {
    let collectives = CollectiveModel(cluster: Cluster(gpu: .preset(named: "h100-sxm")!, nodes: 32, gpusPerNode: 8))

    func microseconds(ranks: Int, nodes: Int) -> Double {
        collectives.latencyBoundAllReduce(group: GroupPlacement(ranks: ranks, nodes: nodes)) * 1e6
    }

    @Test func treeAcrossNodes() {
        // 6.8 + 2 × (7 × 0.6 + log2(2) × 5.0) and 6.8 + 2 × (7 × 0.6 + log2(32) × 5.0); the rings take 40.0 and 403 µs.
        #expect(abs(microseconds(ranks: 16, nodes: 2) - 25.2) < 1e-9)
        #expect(abs(microseconds(ranks: 256, nodes: 32) - 65.2) < 1e-9)
        // log2 of the node count rounded down: 48 nodes price as 32.
        #expect(abs(microseconds(ranks: 384, nodes: 48) - 65.2) < 1e-9)
    }

    @Test func ringWhereItIsCheaper() {
        // Inside a node: ring 6.6 + 14 × 0.6 = 15.0 against tree 6.8 + 14 × 0.6 = 15.2.
        #expect(abs(microseconds(ranks: 8, nodes: 1) - 15.0) < 1e-9)
        // One rank on each of two nodes: ring 6.6 + 2 × 5.0 = 16.6 against tree 6.8 + 2 × 5.0 = 16.8.
        #expect(abs(microseconds(ranks: 2, nodes: 2) - 16.6) < 1e-9)
        #expect(microseconds(ranks: 1, nodes: 1) == 0)
    }

    @Test func growsWithTheLogOfTheNodes() {
        let latencies = [2, 4, 8, 16, 32, 64].map { microseconds(ranks: 8 * $0, nodes: $0) }
        let steps = zip(latencies.dropFirst(), latencies).map { $0 - $1 }
        #expect(steps.allSatisfy { abs($0 - 10) < 1e-9 }, "\(latencies)")
    }
}
