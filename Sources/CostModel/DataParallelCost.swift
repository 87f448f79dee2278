/// Gradient reduction, parameter gathering and the optimizer step
/// of one iteration (docs/cost-model.md §Iteration time, DP).
extension IterationEstimator {
    struct DataParallelTime {
        /// Collectives left on the critical path after overlap with compute.
        var exposed: Double
        var optimizer: Double
    }

    /// Dense gradients are reduced over the DP × CP ranks of a stage (stride TP); routed experts' over expert-DP,
    /// the same ranks refolded as expert-TP × EP × expert-DP (stride expert-TP × EP, as Megatron-Core orders them),
    /// which spans one GPU per node once EP fills a node. Both run on the same NICs, so their times add. The pipeline
    /// rank holding the most parameters sets the time.
    func dataParallelTime(_ strategy: ParallelStrategy, microBatchCompute: Double, microBatches m: Double)
        -> DataParallelTime
    {
        let held = model.largestRankParameters(strategy: strategy)
        let t = strategy.tensorParallel
        let gpn = cluster.gpusPerNode
        let dpRanks = strategy.dataParallel * strategy.contextParallel
        let expertGrid = strategy.expertTensorDegree * strategy.expertParallel
        let expertDPRanks = max(1, t * dpRanks / expertGrid)
        let denseGroup = GroupPlacement.strided(count: dpRanks, stride: t, gpusPerNode: gpn)
        let expertGroup = GroupPlacement.strided(count: expertDPRanks, stride: expertGrid, gpusPerNode: gpn)
        let sharded = strategy.zeroStage >= 1
        let optimizerShare = sharded ? held.dense / Double(dpRanks) + held.experts / Double(expertDPRanks) : held.total
        // Adam reads and writes its state (12 bytes per local parameter shard in FP32) and reads the gradient and
        // writes the BF16 copy: about 34 bytes, less with lower-precision state.
        let optimizer = optimizerShare * (2 * strategy.optimizerStateBytes + 10) / cluster.gpu.memoryBandwidth
        guard dpRanks > 1 || expertDPRanks > 1 else { return DataParallelTime(exposed: 0, optimizer: optimizer) }

        func both(_ collective: Collective, bytesPerParameter: Double) -> Double {
            collectives.time(collective, bytes: bytesPerParameter * held.dense, group: denseGroup).seconds
                + collectives.time(collective, bytes: bytesPerParameter * held.experts, group: expertGroup).seconds
        }
        // Overlapped, gradient reduction hides behind the last micro-batch's backward (2/3 of its compute)
        // and the parameter all-gather behind the first one's forward (1/3).
        let backwardWindow = strategy.overlapGradientReduce ? microBatchCompute * 2 / 3 : 0
        let forwardWindow = strategy.overlapGradientReduce ? microBatchCompute / 3 : 0
        func exposed(_ communication: Double, behind window: Double) -> Double {
            max(0, communication - window) + Self.overlapSlowdown * min(communication, window)
        }
        let gradientBytes = strategy.gradientReduceFP32 ? 4.0 : 2.0
        var total: Double
        if strategy.zeroStage == 0 {
            total = exposed(both(.allReduce, bytesPerParameter: gradientBytes), behind: backwardWindow)
        } else {
            let gather = both(.allGather, bytesPerParameter: 2)
            total =
                exposed(both(.reduceScatter, bytesPerParameter: gradientBytes), behind: backwardWindow)
                + exposed(gather, behind: forwardWindow)
            if strategy.zeroStage == 3 {
                // Parameters gathered again for every micro-batch's forward and backward, overlapped with compute.
                total += m * exposed(2 * gather, behind: microBatchCompute)
            }
        }
        return DataParallelTime(exposed: total, optimizer: optimizer)
    }
}
