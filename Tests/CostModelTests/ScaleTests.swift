import Testing

@testable import CostModel

/// What grows as a fixed batch is spread over more GPUs (docs/cost-model.md §Scale): the bubble's share, as each
/// pipeline runs fewer micro-batches, and the exposed DP reduction, as its window (the last micro-batch's backward)
/// shrinks. The published strong-scaling series fall too (MegaScale's baseline 53.0 → 44.7 % MFU).
@Suite struct ScaleTests {
    @Test func overheadsGrowAsAFixedBatchSpreads() throws {
        let model = TransformerModel(
            name: "gpt-177b", layers: 96, hiddenSize: 12_288, heads: 96, ffnHiddenSize: 49_152,
            vocabSize: 131_072)
        var previous: IterationEstimate?
        for dp in [2, 8, 32, 96] {
            let cluster = Cluster(gpu: try #require(GPUSpec.preset(named: "h100-sxm")), nodes: dp * 6, gpusPerNode: 8)
            let strategy = ParallelStrategy(
                tensorParallel: 8, pipelineParallel: 6, dataParallel: dp, globalBatch: 1152,
                sequenceLength: 4096, sequenceParallel: true, interleave: 2, overlapTensorParallel: true)
            let estimate = try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
            if let previous {
                #expect(estimate.mfu < previous.mfu)
                #expect(estimate.breakdown.dataParallel > previous.breakdown.dataParallel)
                #expect(
                    estimate.breakdown.pipelineBubble / estimate.iterationSeconds
                        > previous.breakdown.pipelineBubble / previous.iterationSeconds)
            }
            previous = estimate
        }
    }
}
