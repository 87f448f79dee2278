/// Activations and gradients sent between pipeline stages (docs/cost-model.md §Iteration time, PP).
extension IterationEstimator {
    /// Per micro-batch on the busiest stage. Each chunk (virtual stage) receives its input and sends its output in
    /// forward, and the same for gradients in backward: 2·v transfers, so interleaving multiplies the traffic by v
    /// (Narayanan et al., SC'21 §2.2). With sequence parallelism (or Megatron-LM's scatter/gather) each TP rank sends
    /// 1/t of the activation. Overlapped (interleaved schedule only), a chunk's two transfers run while the next chunk
    /// computes, and what exceeds that compute stays exposed. The bubble's micro-batches are priced alike, though
    /// Megatron-Core waits for warm-up's and flush's transfers (2·(p − 1) a step; waiting for them moved the
    /// validation runs by up to 0.2 %), so the estimate stays the schedule `EstimateTimeline` simulates.
    func pipelineTransferTime(_ strategy: ParallelStrategy, microBatchCompute: Double) -> Double {
        let t = strategy.tensorParallel
        let c = strategy.contextParallel
        let v = Double(strategy.interleave)
        let gpn = cluster.gpusPerNode
        let scattered = !strategy.sequenceParallel && strategy.pipelineScatterGather && t > 1
        let split = strategy.sequenceParallel || scattered
        let activation = 2 * Double(strategy.microBatch * strategy.sequenceLength / c) * model.h
        let bytes = activation / Double(split ? t : 1)
        let neighbours = GroupPlacement.strided(
            count: 2, stride: t * c * strategy.dataParallel, gpusPerNode: gpn)
        var transfer = collectives.time(.pointToPoint, bytes: bytes, group: neighbours).seconds
        if scattered {
            let tpGroup = GroupPlacement.contiguous(count: t, gpusPerNode: gpn)
            transfer += collectives.time(.allGather, bytes: activation, group: tpGroup).seconds
        }
        guard strategy.interleave > 1, strategy.overlapPipelineTransfers else { return 2 * v * transfer }
        let pair = 2 * transfer
        let chunk = microBatchCompute / v
        return v * (max(0, pair - chunk) + Self.overlapSlowdown * min(pair, chunk))
    }
}
