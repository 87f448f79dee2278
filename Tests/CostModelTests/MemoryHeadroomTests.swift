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
            let gpu = run.cluster.gpu.memoryBytes
            #expect(estimate.usableMemoryBytes == gpu - min(gpu * 0.1, 8 * 1_073_741_824))
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
                && tight.warnings.first?.contains("8.0 GiB headroom") == true)
        #expect(!none.warnings.contains { $0.contains("does not fit") })
    }

    /// The default keeps 10 % of an 80 GB GPU and no more than that on larger ones; a fraction given is taken as it is.
    @Test func defaultHeadroomStopsAtEightGiB() throws {
        let gib = 1_073_741_824.0
        let standard = EstimateOptions()
        let explicit = EstimateOptions(memoryHeadroom: 0.1)
        for name in ["a100-40gb", "a100-80gb", "h100-sxm", "h200", "b200", "gb200"] {
            let gpu = try #require(GPUSpec.preset(named: name))
            let expected = min(0.1 * gpu.memoryBytes, 8 * gib)
            #expect(abs(standard.headroomBytes(of: gpu) - expected) < 1, "\(name)")
            #expect(abs(explicit.headroomBytes(of: gpu) - 0.1 * gpu.memoryBytes) < 1, "\(name)")
            #expect(standard.usableMemoryBytes(of: gpu) == gpu.memoryBytes - standard.headroomBytes(of: gpu))
        }
        let h100 = try #require(GPUSpec.preset(named: "h100-sxm"))
        #expect(standard.usableMemoryBytes(of: h100) == explicit.usableMemoryBytes(of: h100))
        // On GB200 (173.2 GiB) the default leaves 165.2 GiB, where 10 % would leave 155.9 GiB.
        let gb200 = try #require(GPUSpec.preset(named: "gb200"))
        #expect(abs(standard.usableMemoryBytes(of: gb200) / gib - 165.2) < 0.05)
        #expect(abs(explicit.usableMemoryBytes(of: gb200) / gib - 155.9) < 0.05)
    }

    /// Megatron-Bridge's Llama 3.1 405B on 256 GB200s (R47: PP 16, VP 4, no recompute in the recipe) needs 164.3 GiB
    /// on its busiest rank: it ran, and it fits under the default; a 10 % headroom would have priced recompute.
    @Test func largeGPUsKeepTheHeadroomOfAnEightyGigabyteOne() throws {
        let run = try #require(PublishedRun.all.first { $0.label.hasPrefix("R47 ") })
        let strategy = try run.resolvedStrategy()
        let estimate = try run.estimate()
        #expect(strategy.recompute == .none)
        #expect(estimate.fitsInMemory && estimate.memory.peak / 1_073_741_824 > 160, "\(estimate.memory.peak)")
        var tenPercent = run.options
        tenPercent.memoryHeadroom = 0.1
        let priced = try IterationEstimator(model: run.model, cluster: run.cluster, options: tenPercent)
            .estimate(strategy)
        #expect(!priced.fitsInMemory && priced.memory.peak == estimate.memory.peak)
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
