/// An all-reduce of a few hundred bytes (FP8 amaxes) takes its latency alone, and NCCL runs it on its low-latency
/// LL protocol, whose per-hop latencies are far below the α that `time` prices bandwidth-bound collectives with.
/// Priced with NCCL's own tuning model (src/graph/tuning.cc, NCCL 2.18-2.2x: base and per-hop latencies of the LL
/// protocol, tree and ring, NVLink inside a node and the network across), the cheaper algorithm taken as NCCL's tuner
/// takes it (docs/cost-model.md §Collectives).
extension CollectiveModel {
    /// NCCL's LL-protocol latencies in seconds: each algorithm's base, a hop over NVLink, a hop over the network (tree
    /// and ring), and the host's cost of posting a network step.
    enum LowLatencyProtocol {
        static let treeBase = 6.8e-6
        static let ringBase = 6.6e-6
        static let nvlinkHop = 0.6e-6
        static let treeNetworkHop = 5.0e-6
        static let ringNetworkHop = 2.7e-6
        static let networkPost = 1.0e-6
    }

    /// Seconds of an all-reduce of a few bytes over `group`: NCCL's double binary tree (a chain inside each node, a
    /// tree of log2 nodes across) or its ring, whichever its model prices lower.
    public func latencyBoundAllReduce(group: GroupPlacement) -> Double {
        guard group.ranks > 1 else { return 0 }
        typealias LL = LowLatencyProtocol
        let ranks = Double(group.ranks)
        let perNode = Double(group.ranksPerNode)
        let nodes = group.nodes
        // NCCL takes log2 of the node count rounded down (log2i).
        let treeLevels = Double(Int.bitWidth - 1 - max(nodes, 1).leadingZeroBitCount)
        let tree = LL.treeBase + 2 * ((perNode - 1) * LL.nvlinkHop + treeLevels * LL.treeNetworkHop)
        let steps = 2 * (ranks - 1)
        guard nodes > 1 else { return min(tree, LL.ringBase + steps * LL.nvlinkHop) }
        let networkSteps = 2 * Double(nodes - 1)
        // With one rank per node every step crosses the network, at the tree's hop latency (as NCCL prices it).
        let networkHop = perNode == 1 ? LL.treeNetworkHop : LL.ringNetworkHop
        let ring =
            LL.ringBase + (steps - networkSteps) * max(LL.nvlinkHop, LL.networkPost) + networkSteps * networkHop
        return min(tree, ring)
    }
}
