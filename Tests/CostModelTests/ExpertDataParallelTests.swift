import Testing

@testable import CostModel

/// Routed experts' gradients are reduced over expert-DP, not over DP × CP (docs/cost-model.md §Iteration time).
@Suite struct ExpertDataParallelTests {
    static let model = TransformerModel(
        name: "moe", layers: 8, hiddenSize: 2048, heads: 16, kvHeads: 4, headDim: 128,
        ffnHiddenSize: 8192, gatedFFN: true, vocabSize: 32_000,
        moe: MixtureOfExperts(experts: 64, topK: 4, expertFFNHiddenSize: 2048))

    static func strategy(ep: Int, overlap: Bool = false) -> ParallelStrategy {
        var strategy = ParallelStrategy(
            dataParallel: 64, expertParallel: ep, expertTensorParallel: 1, globalBatch: 64,
            sequenceLength: 4096, gradientReduceFP32: false)
        strategy.overlapGradientReduce = overlap
        return strategy
    }

    static let estimator = IterationEstimator(
        model: model, cluster: try! Cluster.preset("hgx-h100:8"),
        options: EstimateOptions(memoryHeadroom: 0))

    /// Without overlap, the exposed time is the reduce-scatter and all-gather of the dense weights over the 64 DP
    /// ranks plus those of the local experts over the expert-DP group, at stride EP.
    @Test(arguments: [1, 8, 16, 64])
    func expertGradientsUseTheExpertDataParallelGroup(ep: Int) throws {
        let strategy = Self.strategy(ep: ep)
        let time = Self.estimator.dataParallelTime(strategy, microBatchCompute: 1, microBatches: 1)
        let held = Self.model.rankParameters(strategy: strategy, rank: strategy.pipelineParallel - 1)
        let collectives = CollectiveModel(cluster: Self.estimator.cluster)
        let dense = GroupPlacement.strided(count: 64, stride: 1, gpusPerNode: 8)
        let experts = GroupPlacement.strided(count: 64 / ep, stride: ep, gpusPerNode: 8)
        let expected = [Collective.reduceScatter, .allGather].map {
            collectives.time($0, bytes: 2 * held.dense, group: dense).seconds
                + collectives.time($0, bytes: 2 * held.experts, group: experts).seconds
        }.reduce(0, +)
        #expect(abs(time.exposed - expected) <= 1e-12 * expected)
        #expect(held.experts == Self.model.parameters.routedExperts / Double(ep))
    }

    /// EP over all 64 GPUs leaves nothing to reduce for the experts; EP 8 puts one rank of each expert-DP group on
    /// each node, so those gradients cross one NIC per GPU and take longer than the same bytes over 64 ranks.
    @Test func expertParallelWithinANodeCrossesOneNICPerGPU() throws {
        let collectives = CollectiveModel(cluster: Self.estimator.cluster)
        let bytes = 1e9
        let acrossNodes = collectives.time(
            .reduceScatter, bytes: bytes,
            group: .strided(count: 8, stride: 8, gpusPerNode: 8)
        ).seconds
        let whole = collectives.time(
            .reduceScatter, bytes: bytes, group: .strided(count: 64, stride: 1, gpusPerNode: 8)
        ).seconds
        #expect(acrossNodes > 4 * whole)
        let full = Self.estimator.dataParallelTime(Self.strategy(ep: 64), microBatchCompute: 1, microBatches: 1)
        let inNode = Self.estimator.dataParallelTime(Self.strategy(ep: 8), microBatchCompute: 1, microBatches: 1)
        #expect(inNode.exposed > full.exposed)
        // The optimizer steps each expert shard over expert-DP ranks only.
        let held = Self.model.rankParameters(
            strategy: Self.strategy(ep: 8), rank: Self.strategy(ep: 8).pipelineParallel - 1)
        let shard = held.dense / 64 + held.experts / 8
        #expect(abs(inNode.optimizer - shard * 34 / Self.estimator.cluster.gpu.memoryBandwidth) <= 1e-12)
    }
}
