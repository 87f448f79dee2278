/// MoE dispatch and combine as Megatron-Core's dispatchers and DeepEP run them (docs/cost-model.md §Expert
/// parallelism): a token goes once to each node that holds one of its experts and is forwarded over NVLink there;
/// a stated all-to-all dispatcher sends every routed copy to its expert's GPU instead.
extension IterationEstimator {
    /// Expected number of distinct nodes a token's top-k experts fall on, when the EP group's experts are spread
    /// evenly over `nodes` nodes and routing is uniform: nodes · (1 − C(E − E/nodes, k) / C(E, k)); at most the
    /// model's node limit (DeepSeek-V3's `topk_group`, its groups being whole nodes or finer).
    static func distinctNodes(experts: Int, topK: Int, nodes: Int, nodeLimit: Int?) -> Double {
        guard nodes > 1 else { return 1 }
        let perNode = Double(experts) / Double(nodes)
        // C(E − e, k) / C(E, k) = Π_{i<k} (E − e − i) / (E − i)
        var missing = 1.0
        for i in 0..<min(topK, experts) {
            let numerator = Double(experts) - perNode - Double(i)
            missing *= max(0, numerator) / (Double(experts) - Double(i))
        }
        let expected = Double(nodes) * (1 - missing)
        return nodeLimit.map { min(expected, Double($0)) } ?? expected
    }

    /// Seconds of one dispatch (or combine) all-to-all of one MoE layer for one micro-batch on one GPU.
    func expertExchangeTime(_ strategy: ParallelStrategy, tokensPerRank: Double) -> Double {
        guard let moe = model.moe, strategy.expertParallel > 1 else { return 0 }
        let gpn = cluster.gpusPerNode
        let ep = strategy.expertParallel
        let etp = strategy.expertTensorDegree
        // The EP group's ranks sit etp apart inside the stage's consecutive expert-TP × EP block.
        let span = ep * etp
        let nodes = span <= gpn ? 1 : (span + gpn - 1) / gpn
        let ranksPerNode = Double(ep) / Double(nodes)
        let bytesPerCopy = 2 * model.h
        let ownNode = 1 / Double(nodes)
        // NVLink: copies for experts on this node's other GPUs, plus the copies that arrive from other nodes and are
        // forwarded to their GPU here (as many as leave, by symmetry).
        let nodeLimit: Int? = moe.groupsPerToken > 0 && moe.groups >= nodes ? moe.groupsPerToken : nil
        let distinct = Self.distinctNodes(experts: moe.experts, topK: moe.topK, nodes: nodes, nodeLimit: nodeLimit)
        // NCCL all-to-all (Megatron-Core's `alltoall` dispatcher) has no per-node deduplication: each remote copy
        // crosses the network to its expert's GPU and nothing is forwarded within the node.
        let perCopy = strategy.moeDispatcher == .alltoall
        let remoteNodesPerToken = perCopy ? Double(moe.topK) * (1 - ownNode) : distinct * (1 - ownNode)
        let intraCopies =
            Double(moe.topK) * ownNode * (ranksPerNode - 1) / ranksPerNode
            + (nodes > 1 && !perCopy ? Double(moe.topK) * (1 - ownNode) : 0)
        let intra =
            (ranksPerNode - 1) * cluster.intraNodeLatency
            + tokensPerRank * intraCopies * bytesPerCopy / cluster.effectiveIntraNodeBandwidth
        let inter =
            nodes > 1
            ? Double(nodes - 1) * cluster.interNodeLatency
                + tokensPerRank * remoteNodesPerToken * bytesPerCopy / cluster.effectiveInterNodeBandwidth
            : 0
        if let measured = collectives.measured?.busBandwidth(.allToAll, ranks: ep) {
            let latency = nodes > 1 ? cluster.interNodeLatency : cluster.intraNodeLatency
            return latency + tokensPerRank * (intraCopies + remoteNodesPerToken) * bytesPerCopy / measured
        }
        return max(intra, inter)
    }
}
