import CostModelValidation
import Foundation
import Testing

@testable import CostModel

/// Activation offloading (Megatron-Core's `--cpu-offloading-num-layers`): what it frees, what it costs and what it
/// refuses.
@Suite struct ActivationOffloadTests {
    static let llama70 = TransformerModel.preset(named: "llama-3-70b")!
    static let gib = 1_073_741_824.0

    /// One 64-GPU NVLink domain of GB200s (NVL72 as Megatron-Bridge's 64-GPU jobs use it), or 8 HGX H100 nodes.
    static func cluster(_ gpu: String) -> Cluster {
        gpu == "gb200"
            ? Cluster(gpu: .preset(named: "gb200")!, nodes: 1, gpusPerNode: 64)
            : Cluster(gpu: .preset(named: gpu)!, nodes: 8, gpusPerNode: 8)
    }

    /// Megatron-Bridge's GB200 Llama 3 70B FP8 recipe: FSDP over 64 GPUs, micro-batch 2, 8K sequences.
    static func fsdp(offload: Int?, microBatch: Int = 2) -> ParallelStrategy {
        ParallelStrategy(
            dataParallel: 64, microBatch: microBatch, globalBatch: 256, sequenceLength: 8192, zeroStage: 3, fp8: true,
            fp8Recipe: .current, gradientReduceFP32: false, cpuOffloadLayers: offload)
    }

    static func estimate(_ strategy: ParallelStrategy, on gpu: String) throws -> IterationEstimate {
        try IterationEstimator(model: llama70, cluster: cluster(gpu)).estimate(strategy)
    }

    /// The offloaded layers' activations leave the GPU; parameters, gradients, optimizer and logits stay.
    @Test(arguments: [1, 20, 40, 79])
    func offloadedLayersLeaveTheGPU(layers: Int) throws {
        let none = try Self.estimate(Self.fsdp(offload: nil), on: "gb200")
        let some = try Self.estimate(Self.fsdp(offload: layers), on: "gb200")
        let perLayer = Self.llama70.activationBytesPerLayer(strategy: Self.fsdp(offload: nil))
        #expect(abs(none.memory.activations - 80 * perLayer) < 1)
        #expect(abs(some.memory.activations - Double(80 - layers) * perLayer) < 1)
        #expect(abs((none.memory.peak - some.memory.peak) - Double(layers) * perLayer) < 1)
        #expect(some.memory.parameters == none.memory.parameters && some.memory.logits == none.memory.logits)
        #expect(some.breakdown.compute == none.breakdown.compute)
    }

    /// The recipe runs because of it: 294 GiB without offloading, under the default headroom with 40 layers off.
    @Test func theGB200RecipeFitsOnlyWithItsOffload() throws {
        let none = try Self.estimate(Self.fsdp(offload: nil), on: "gb200")
        let recipe = try Self.estimate(Self.fsdp(offload: 40), on: "gb200")
        #expect(!none.fitsInMemory && none.memory.peak / Self.gib > 290)
        #expect(recipe.fitsInMemory, "\(recipe.memory.peak / Self.gib) GiB")
        let runs = PublishedRun.megatronBridge2511 + PublishedRun.megatronBridge26
        let offloaded = runs.filter { $0.strategy.cpuOffloadLayers != nil }
        #expect(offloaded.count == 3)
        for run in offloaded {
            let strategy = try run.resolvedStrategy()
            #expect(strategy.recompute == .none && strategy.cpuOffloadLayers == 40)
            #expect(try run.estimate().fitsInMemory)
        }
    }

    /// Each offloaded layer's copy overlaps the next layer's forward (to the host) and backward (back), the exposed
    /// part is what exceeds them: on GB200's NVLink-C2C almost none, on an H100's PCIe most of it.
    @Test(arguments: ["gb200", "h100-sxm"])
    func copiesHideBehindTheNextLayer(gpu: String) throws {
        let microBatch = gpu == "gb200" ? 2 : 1
        let strategy = Self.fsdp(offload: 40, microBatch: microBatch)
        let base = try Self.estimate(Self.fsdp(offload: nil, microBatch: microBatch), on: gpu)
        let offloaded = try Self.estimate(strategy, on: gpu)
        let cluster = Self.cluster(gpu)
        let copy =
            Self.llama70.activationBytesPerLayer(strategy: strategy) / (cluster.gpu.hostBandwidth ?? .nan)
        let microBatches = Double(strategy.microBatchesPerPipeline)
        let forward = base.breakdown.compute / microBatches / 80 / 3
        let expected = microBatches * 40 * (max(0, copy - forward) + max(0, copy - 2 * forward))
        #expect(abs(offloaded.breakdown.cpuOffload - expected) < 1e-9 * max(1, expected))
        #expect(abs(offloaded.iterationSeconds - base.iterationSeconds - expected) < 1e-9 * base.iterationSeconds)
        if gpu == "gb200" {
            #expect(expected / base.iterationSeconds < 0.01)
        } else {
            #expect(copy > forward && expected / base.iterationSeconds > 0.05)
        }
    }

    /// More layers offloaded never make the step faster or the memory larger.
    @Test func moreOffloadCostsTimeAndSavesMemory() throws {
        var previous: IterationEstimate?
        for layers in stride(from: 10, through: 70, by: 10) {
            let estimate = try Self.estimate(Self.fsdp(offload: layers, microBatch: 1), on: "h100-sxm")
            if let previous {
                #expect(estimate.iterationSeconds >= previous.iterationSeconds)
                #expect(estimate.memory.peak < previous.memory.peak)
            }
            previous = estimate
        }
    }

    /// Megatron-Core's rules (fewer layers than the model, no pipeline, no recompute) and a host link to price it.
    @Test func refusedWhereMegatronRefusesIt() throws {
        func reason(_ strategy: ParallelStrategy, cluster: Cluster = Self.cluster("gb200")) -> String? {
            do {
                _ = try IterationEstimator(model: Self.llama70, cluster: cluster).estimate(strategy)
                return nil
            } catch {
                #expect(error.field == "--cpu-offload-layers", "\(error)")
                return error.reason
            }
        }
        for layers in [0, -1, 80, 1_000] {
            #expect(reason(Self.fsdp(offload: layers))?.contains("from 1 to 79") == true, "\(layers)")
        }
        var pipelined = Self.fsdp(offload: 10)
        (pipelined.pipelineParallel, pipelined.dataParallel) = (2, 32)
        #expect(reason(pipelined)?.contains("--pp 1") == true)
        var recomputed = Self.fsdp(offload: 10)
        recomputed.recompute = .selective
        #expect(reason(recomputed)?.contains("--recompute") == true)
        var custom = GPUSpec.preset(named: "gb200")!
        custom.hostBandwidth = nil
        let unknownLink = Cluster(gpu: custom, nodes: 1, gpusPerNode: 64)
        #expect(reason(Self.fsdp(offload: 10), cluster: unknownLink)?.contains("hostBandwidth") == true)
        #expect(reason(Self.fsdp(offload: 10)) == nil)
    }

    /// Offloaded activations must fit in the host's memory per GPU (90 % of it): past that the layout does not fit,
    /// and says why, even where the GPU would hold what is left.
    @Test func hostMemoryBoundsTheOffload() throws {
        let cluster = Cluster(gpu: .preset(named: "a100-80gb")!, nodes: 8, gpusPerNode: 8)
        let estimator = IterationEstimator(model: Self.llama70, cluster: cluster)
        var strategy = ParallelStrategy(
            dataParallel: 64, microBatch: 4, globalBatch: 256, sequenceLength: 4096, zeroStage: 3,
            cpuOffloadLayers: 79)
        let many = try estimator.estimate(strategy)
        let perLayer = Self.llama70.activationBytesPerLayer(strategy: strategy)
        let host = try #require(cluster.gpu.hostMemoryBytes) * IterationEstimator.usableHostShare
        #expect(79 * perLayer > host && many.memory.peak <= many.usableMemoryBytes)
        #expect(!many.fitsInMemory && many.warnings.first?.hasPrefix("does not fit in host memory") == true)
        strategy.cpuOffloadLayers = Int((host / perLayer).rounded(.down))
        let fitting = try estimator.estimate(strategy)
        #expect(!fitting.warnings.contains { $0.contains("host memory") })
    }

    /// `layouts` offers the least offload that fits where a layout without a pipeline or recompute does not: on
    /// GB200 the Llama 3 70B recipe's FSDP layout comes back with offloaded layers, each the fewest that fit.
    @Test func layoutSearchFindsTheLeastOffloadThatFits() throws {
        let search = StaticLayoutSearch(model: Self.llama70, cluster: Self.cluster("gb200"))
        let outcome = search.search(template: Self.fsdp(offload: nil))
        let offloaded = outcome.ranked.filter { $0.strategy.cpuOffloadLayers != nil }
        #expect(!offloaded.isEmpty)
        for entry in offloaded {
            let layers = try #require(entry.strategy.cpuOffloadLayers)
            #expect(entry.strategy.pipelineParallel == 1 && entry.strategy.recompute == .none)
            #expect(entry.estimate.fitsInMemory)
            var fewer = entry.strategy
            fewer.cpuOffloadLayers = layers > 1 ? layers - 1 : nil
            #expect(try !search.estimator.estimate(fewer).fitsInMemory, "\(layers)")
        }
        let fsdp = offloaded.filter { $0.strategy.dataParallel == 64 && $0.strategy.microBatch == 2 }
        #expect(fsdp.count == 1 && fsdp.first?.strategy.cpuOffloadLayers ?? 0 <= 40)
        // The offloaded layouts join the ranking in order of time.
        let times = outcome.ranked.map(\.estimate.iterationSeconds)
        #expect(times == times.sorted())
    }

    /// Estimates written before offloading was priced still load: their breakdown has no `cpuOffload`.
    @Test func breakdownsWithoutTheFieldStillDecode() throws {
        let estimate = try Self.estimate(Self.fsdp(offload: 40), on: "gb200")
        let data = try JSONEncoder().encode(estimate.breakdown)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let written = try #require(object["cpuOffload"] as? Double)
        #expect(abs(written - estimate.breakdown.cpuOffload) < 1e-12)
        object["cpuOffload"] = nil
        let older = try JSONDecoder().decode(
            IterationEstimate.Breakdown.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(older.cpuOffload == 0 && abs(older.compute - estimate.breakdown.compute) < 1e-9)
    }
}
