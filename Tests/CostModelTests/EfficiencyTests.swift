import Foundation
import Testing

@testable import CostModel

/// The efficiency factors' encoding and the rate of the layers' kernels between GEMMs (docs/cost-model.md
/// §Efficiency).
@Suite struct EfficiencyTests {
    /// An encoding written before `layerKernels` existed priced those kernels at `memory`, and still does.
    @Test func encodingsWithoutLayerKernelsKeepTheStreamingRate() throws {
        let fields = #""compute":0.5,"memory":0.6,"intraNode":0.75,"interNode":0.9,"attention":0.4,"fp8":0.8"#
        let old = Data(("{" + fields + #","fp8Blockwise":0.85}"#).utf8)
        let decoded = try JSONDecoder().decode(Efficiency.self, from: old)
        #expect(decoded.layerKernels == 0.6 && decoded.memory == 0.6)
        let hopper = Efficiency.defaults(for: try #require(GPUSpec.preset(named: "h100-sxm")))
        let roundTrip = try JSONDecoder().decode(Efficiency.self, from: try JSONEncoder().encode(hopper))
        #expect(roundTrip == hopper)
    }

    /// The kernels between GEMMs move activation bytes at `layerKernels` of HBM bandwidth: halving it doubles their
    /// time and leaves every other part of the step as it was.
    @Test func layerKernelsPriceOnlyTheKernelsBetweenGEMMs() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        var cluster = try Cluster.preset("hgx-h100:1")
        let strategy = ParallelStrategy(
            tensorParallel: 2, dataParallel: 4, globalBatch: 32, sequenceLength: 4096, sequenceParallel: true)
        let before = try IterationEstimator(model: model, cluster: cluster).estimate(strategy).breakdown.computeParts
        cluster.efficiency.layerKernels /= 2
        let after = try IterationEstimator(model: model, cluster: cluster).estimate(strategy).breakdown.computeParts
        #expect(abs(after.memoryBound / before.memoryBound - 2) < 1e-12)
        #expect(after.linear == before.linear && after.attention == before.attention)
        #expect(after.outputHead == before.outputHead && after.fp8Casts == before.fp8Casts)
    }
}
