import CostModel
import Testing

/// The README's cost-model snippet, run as written.
@Test func readmeCostModelSnippetRuns() throws {
    guard let model = TransformerModel.preset(named: "llama-3-70b") else {
        Issue.record("preset missing")
        return
    }
    let cluster = try Cluster.preset("hgx-h100:8")
    let layout = ParallelStrategy(
        tensorParallel: 4, pipelineParallel: 4, dataParallel: 2, contextParallel: 2,
        globalBatch: 128, sequenceLength: 8192, recompute: .selective, sequenceParallel: true,
        interleave: 5)
    let estimate = try IterationEstimator(model: model, cluster: cluster).estimate(layout)
    #expect(estimate.iterationSeconds > 0 && estimate.mfu > 0.2 && estimate.mfu < 0.7)
    // NeMo runs this layout (TP 4, PP 4, CP 2, VP 5, 8K) on 80 GB H100s: it must fit.
    #expect(estimate.fitsInMemory, "\(estimate.memory.peak / 1_073_741_824) GiB")
}
