import Foundation
import Testing

@testable import CostModel

/// Fine-grained selective recompute (Megatron-Core's `--recompute-modules`): what each module frees and what it costs.
@Suite struct RecomputeModuleTests {
    static let gptOss = TransformerModel.preset(named: "gpt-oss-120b")!
    static let cluster = Cluster(gpu: .preset(named: "h100-sxm")!, nodes: 8, gpusPerNode: 8)

    static func layout(_ recompute: Recompute, _ modules: [RecomputeModule] = [.coreAttention], tp: Int = 1)
        -> ParallelStrategy
    {
        ParallelStrategy(
            tensorParallel: tp, pipelineParallel: 4, dataParallel: 16 / tp, expertParallel: 8, expertTensorParallel: 1,
            globalBatch: 1280 / tp, sequenceLength: 4096, recompute: recompute, recomputeModules: modules,
            sequenceParallel: tp > 1, gradientReduceFP32: false)
    }

    /// layernorm frees an MoE layer's pre-MLP norm output (2 bytes × h per token, sharded by sequence parallelism);
    /// moe_act frees FC2's input of each routed copy (2 bytes × top-k × expert width per token, sharded by TP).
    @Test(arguments: [1, 2])
    func modulesFreeTheirOutputs(tp: Int) {
        let model = Self.gptOss
        let tokens = 4096.0
        let t = Double(tp)
        let none = model.activationBytesPerLayer(strategy: Self.layout(.none, tp: tp))
        let norm = model.activationBytesPerLayer(strategy: Self.layout(.selective, [.layernorm], tp: tp))
        let act = model.activationBytesPerLayer(strategy: Self.layout(.selective, [.moeActivation], tp: tp))
        let both = model.activationBytesPerLayer(
            strategy: Self.layout(.selective, [.layernorm, .moeActivation], tp: tp))
        #expect(abs((none - norm) - 2 * tokens * 2880 / t) < 1e-6 * none)
        #expect(abs((none - act) - 2 * tokens * 4 * 2880 / t) < 1e-6 * none)
        #expect(abs((none - both) - ((none - norm) + (none - act))) < 1e-6 * none)
    }

    /// Each recomputed module reads and writes its tensors once more per micro-batch in backward: the step grows by
    /// exactly those bytes at the layer kernels' rate, and attention is not repeated without core_attn.
    @Test func modulesCostOneMoreForwardOfThemselves() throws {
        let estimator = IterationEstimator(model: Self.gptOss, cluster: Self.cluster)
        let none = try estimator.estimate(Self.layout(.none))
        let both = try estimator.estimate(Self.layout(.selective, [.layernorm, .moeActivation]))
        let micro = Double(Self.layout(.none).microBatchesPerPipeline)
        let moeLayersOnStage = 9.0
        let tokens = 4096.0
        let normBytes = 2 * 2 * 2880 * tokens
        let activationBytes = tokens * 4 * 2 * (2 * 2880 + 2880)
        let bandwidth = Self.cluster.gpu.memoryBandwidth * Self.cluster.efficiency.layerKernels
        let expected = micro * moeLayersOnStage * (normBytes + activationBytes) / bandwidth
        let grown = both.breakdown.computeParts.memoryBound - none.breakdown.computeParts.memoryBound
        #expect(abs(grown - expected) < 1e-9 * expected, "\(grown) vs \(expected)")
        #expect(both.breakdown.computeParts.attention == none.breakdown.computeParts.attention)
        #expect(both.memory.activations < none.memory.activations)
        // core_attn alone is the plain selective recompute: attention runs once more.
        let coreAttention = try estimator.estimate(Self.layout(.selective))
        #expect(coreAttention.breakdown.computeParts.attention > none.breakdown.computeParts.attention * 1.3)
    }

    /// Transformer Engine fuses a dense layer's norms into the next linear layer: nothing to recompute there.
    @Test func layernormChangesNothingOnADenseModel() throws {
        let model = TransformerModel.preset(named: "llama-3-8b")!
        let cluster = Cluster(gpu: .preset(named: "h100-sxm")!, nodes: 1, gpusPerNode: 8)
        let base = ParallelStrategy(
            tensorParallel: 2, dataParallel: 4, globalBatch: 32, sequenceLength: 4096, sequenceParallel: true)
        var withNorms = base
        (withNorms.recompute, withNorms.recomputeModules) = (.selective, [.layernorm])
        let estimator = IterationEstimator(model: model, cluster: cluster)
        #expect(try estimator.estimate(withNorms).iterationSeconds == estimator.estimate(base).iterationSeconds)
        #expect(try estimator.estimate(withNorms).memory == estimator.estimate(base).memory)
    }

    @Test func badModuleListsNameTheFlag() {
        let dense = TransformerModel.preset(named: "llama-3-8b")!
        let cluster = Cluster(gpu: .preset(named: "h100-sxm")!, nodes: 1, gpusPerNode: 8)
        let cases: [(ParallelStrategy, TransformerModel, String)] = [
            (
                ParallelStrategy(
                    dataParallel: 8, globalBatch: 8, sequenceLength: 4096, recompute: .full,
                    recomputeModules: [.layernorm]),
                dense, "needs --recompute selective"
            ),
            (
                ParallelStrategy(
                    dataParallel: 8, globalBatch: 8, sequenceLength: 4096, recompute: .selective, recomputeModules: []),
                dense, "at least one"
            ),
            (
                ParallelStrategy(
                    dataParallel: 8, globalBatch: 8, sequenceLength: 4096, recompute: .selective,
                    recomputeModules: [.layernorm, .layernorm]), dense, "twice"
            ),
            (
                ParallelStrategy(
                    dataParallel: 8, globalBatch: 8, sequenceLength: 4096, recompute: .selective,
                    recomputeModules: [.moeActivation]), dense, "needs a model with experts"
            ),
        ]
        for (strategy, model, reason) in cases {
            #expect {
                try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
            } throws: { error in
                "\(error)".contains("--recompute-modules") && "\(error)".contains(reason)
            }
        }
    }
}
