import CostModelValidation
import Testing

@testable import CostModel

/// What a layout may plan for: each GPU's memory as `nvidia-smi` reports it, less the headroom the activation and
/// state formulas leave out (CUDA context, NCCL buffers, fragmentation).
@Suite struct MemoryHeadroomTests {
    /// memory.total in MiB from `nvidia-smi` on each GPU (docs/cost-model.md §Hardware).
    @Test func presetsHoldWhatNvidiaSmiReports() throws {
        let reported: [String: Double] = [
            "a100-40gb": 40_960, "a100-80gb": 81_920, "h100-sxm": 81_559, "h800": 81_559,
            "h200": 143_771, "b200": 183_359,
        ]
        // GB200's datasheet gives 13.4 TB over 72 GPUs, not an nvidia-smi figure.
        #expect(Set(GPUSpec.presets.map(\.name)) == Set(reported.keys).union(["gb200"]))
        #expect(try #require(GPUSpec.preset(named: "gb200")).memoryBytes == 186e9)
        for (name, mebibytes) in reported {
            #expect(try #require(GPUSpec.preset(named: name)).memoryBytes == mebibytes * 1_048_576, "\(name)")
        }
    }

    /// Every layout that ran in a published measurement fits under the default headroom: the headroom must not
    /// reject what users ran. Where a source does not state recompute, the least recompute that fits is priced
    /// (`PublishedRun.resolvedStrategy`); the test then checks that some setting a Megatron run can use fits.
    @Test func everyPublishedRunFitsUnderTheDefault() throws {
        #expect(PublishedRun.all.count == 48)
        for run in PublishedRun.all {
            let estimate = try run.estimate()
            #expect(estimate.fitsInMemory, "\(run.source) \(run.label): \(estimate.memory.peak / 1_073_741_824) GiB")
            #expect(estimate.usableMemoryBytes == run.cluster.gpu.memoryBytes * 0.9)
        }
    }

    /// A layout between the usable memory and the whole GPU fits without headroom and not with it, and says so.
    @Test func headroomDecidesWhatFits() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:1")
        let strategy = ParallelStrategy(
            tensorParallel: 1, pipelineParallel: 1, dataParallel: 8, microBatch: 1,
            globalBatch: 64, sequenceLength: 4096, zeroStage: 1)
        let tight = try IterationEstimator(model: model, cluster: cluster, options: .init(memoryHeadroom: 0.1))
            .estimate(strategy)
        let none = try IterationEstimator(model: model, cluster: cluster, options: .init(memoryHeadroom: 0)).estimate(
            strategy)
        let peak = tight.memory.peak
        #expect(none.memory.peak == peak && none.iterationSeconds == tight.iterationSeconds)
        #expect(peak > 0.9 * cluster.gpu.memoryBytes && peak <= cluster.gpu.memoryBytes, "\(peak / 1_073_741_824) GiB")
        #expect(none.fitsInMemory && !tight.fitsInMemory)
        #expect(
            tight.warnings.first?.contains("does not fit") == true
                && tight.warnings.first?.contains("10 % headroom") == true)
        #expect(!none.warnings.contains { $0.contains("does not fit") })
    }

    @Test(arguments: [-0.1, 1, .nan, .infinity])
    func badHeadroomIsNamed(headroom: Double) throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let estimator = IterationEstimator(
            model: model, cluster: try Cluster.preset("hgx-h100:1"), options: .init(memoryHeadroom: headroom))
        #expect {
            try estimator.estimate(ParallelStrategy(dataParallel: 8, globalBatch: 8, sequenceLength: 1024))
        } throws: { error in
            (error as? CostModelError)?.field == "memoryHeadroom"
        }
    }
}
