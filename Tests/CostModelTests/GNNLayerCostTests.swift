import CostModel
import Testing

@Suite struct GNNLayerCostTests {
    @Test func gcnCountsGemmAndSparseAggregation() {
        let cost = GNNLayerCost.of(.gcn, vertices: 1000, edges: 10_000, inputWidth: 64, outputWidth: 16)
        #expect(cost.forwardFlops == 2 * 1000 * 64 * 16 + 2 * 10_000 * 16)
        #expect(cost.trainingFlops == 3 * cost.forwardFlops)
    }

    @Test func costsGrowWithEdgesAndWidth() {
        for type in GNNLayerType.allCases {
            let base = GNNLayerCost.of(type, vertices: 1000, edges: 10_000, inputWidth: 64, outputWidth: 64, heads: 4)
            let denser = GNNLayerCost.of(type, vertices: 1000, edges: 20_000, inputWidth: 64, outputWidth: 64, heads: 4)
            let wider = GNNLayerCost.of(
                type, vertices: 1000, edges: 10_000, inputWidth: 128, outputWidth: 128, heads: 4)
            #expect(denser.forwardFlops > base.forwardFlops && denser.forwardBytes > base.forwardBytes, "\(type)")
            #expect(wider.forwardFlops > base.forwardFlops && wider.forwardBytes > base.forwardBytes, "\(type)")
        }
    }

    @Test func gatScalesWithHeads() {
        let one = GNNLayerCost.of(.gat, vertices: 500, edges: 5000, inputWidth: 32, outputWidth: 8, heads: 1)
        let eight = GNNLayerCost.of(.gat, vertices: 500, edges: 5000, inputWidth: 32, outputWidth: 8, heads: 8)
        #expect(abs(eight.forwardFlops / one.forwardFlops - 8) < 1e-9)
    }
}
