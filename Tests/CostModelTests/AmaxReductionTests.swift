import CostModel
import Testing

/// Delayed FP8 scaling all-reduces each model chunk's amaxes over a stage's TP × CP × DP ranks after the chunk's
/// forward and backward (docs/cost-model.md §Scale): two latency-bound all-reduces per chunk and micro-batch.
@Suite struct AmaxReductionTests {
    static func estimate(recipe: FP8Recipe?, dataParallel: Int) throws -> IterationEstimate {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let gpus = 2 * 2 * dataParallel
        let strategy = ParallelStrategy(
            tensorParallel: 2, pipelineParallel: 2, dataParallel: dataParallel, microBatch: 1,
            globalBatch: 8 * dataParallel, sequenceLength: 4096, sequenceParallel: true, interleave: 2,
            fp8: recipe != nil, fp8Recipe: recipe ?? .delayed)
        return try IterationEstimator(model: model, cluster: try Cluster.preset("hgx-h100:\(max(1, gpus / 8))"))
            .estimate(strategy)
    }

    @Test(arguments: [2, 8, 32])
    func twoPerChunkAndMicroBatch(dataParallel: Int) throws {
        let estimate = try Self.estimate(recipe: .delayed, dataParallel: dataParallel)
        let b = estimate.breakdown
        let cluster = try Cluster.preset("hgx-h100:\(max(1, dataParallel / 2))")
        let group = GroupPlacement.contiguous(count: 2 * dataParallel, gpusPerNode: 8)
        let latency = CollectiveModel(cluster: cluster).latencyBoundAllReduce(group: group)
        // 8 micro-batches per pipeline, 2 chunks each, a forward and a backward reduction per chunk.
        #expect(abs(b.fp8AmaxReduction - 8 * 2 * 2 * latency) < 1e-15)
        #expect(b.fp8AmaxReduction > 0)
        let parts =
            b.compute + b.tensorParallel + b.contextParallel + b.expertParallel + b.pipelineTransfers
            + b.pipelineBubble + b.dataParallel + b.optimizer + b.cpuOffload + b.synchronisation + b.fp8AmaxReduction
        #expect(abs(parts - estimate.iterationSeconds) < 1e-9 * estimate.iterationSeconds)
    }

    @Test func otherRecipesAndBF16ReduceNoAmaxes() throws {
        for recipe in [FP8Recipe.current, .blockwise] {
            #expect(try Self.estimate(recipe: recipe, dataParallel: 8).breakdown.fp8AmaxReduction == 0)
        }
        #expect(try Self.estimate(recipe: nil, dataParallel: 8).breakdown.fp8AmaxReduction == 0)
    }

    /// The tree across nodes grows with log2 of the nodes the group spans, so the step's share grows with DP.
    @Test func growsWithTheDataParallelGroup() throws {
        let costs = try [2, 8, 32, 128].map {
            try Self.estimate(recipe: .delayed, dataParallel: $0).breakdown.fp8AmaxReduction
        }
        #expect(zip(costs.dropFirst(), costs).allSatisfy { $0 > $1 }, "\(costs)")
    }
}
