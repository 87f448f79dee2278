import Foundation

/// The collectives a training step uses.
public enum Collective: String, Sendable, CaseIterable, Codable {
    case allReduce = "all-reduce"
    case allGather = "all-gather"
    case reduceScatter = "reduce-scatter"
    case allToAll = "all-to-all"
    case broadcast
    case pointToPoint = "point-to-point"

    /// nccl-tests' bus-bandwidth factor: time = bytes · factor / busBandwidth for an n-rank collective.
    public func busFactor(ranks n: Int) -> Double {
        let ranks = Double(max(n, 1))
        switch self {
        case .allReduce: return 2 * (ranks - 1) / ranks
        case .allGather, .reduceScatter, .allToAll: return (ranks - 1) / ranks
        case .broadcast, .pointToPoint: return 1
        }
    }
}

/// Where a group's ranks sit: how many nodes it spans and how many of its ranks share a node.
public struct GroupPlacement: Sendable, Equatable {
    public var ranks: Int
    public var nodes: Int
    /// Ranks of the group on each node it touches (the group is spread evenly).
    public var ranksPerNode: Int

    public init(ranks: Int, nodes: Int) {
        self.ranks = max(ranks, 1)
        self.nodes = max(1, min(nodes, self.ranks))
        self.ranksPerNode = max(1, self.ranks / self.nodes)
    }

    /// `count` ranks at stride `stride` starting at a node boundary (a Megatron DP or PP group has stride TP·... ).
    public static func strided(count: Int, stride: Int, gpusPerNode: Int) -> GroupPlacement {
        let span = (count - 1) * stride + 1
        let perNode = stride >= gpusPerNode ? 1 : max(1, gpusPerNode / stride)
        let nodes = stride >= gpusPerNode ? count : max(1, (span + gpusPerNode - 1) / gpusPerNode)
        return GroupPlacement(ranks: count, nodes: min(nodes, max(1, (count + perNode - 1) / perNode)))
    }

    /// `count` consecutive ranks from a node boundary.
    public static func contiguous(count: Int, gpusPerNode: Int) -> GroupPlacement {
        GroupPlacement(ranks: count, nodes: (count + gpusPerNode - 1) / gpusPerNode)
    }
}

/// How a collective's time was reached.
public enum CollectiveAlgorithm: String, Sendable, Codable {
    case ring
    case tree
    case hierarchical
    case pairwise
    case direct
    case measured
}

public struct CollectiveTime: Sendable, Equatable {
    public var seconds: Double
    public var algorithm: CollectiveAlgorithm
}

/// α-β costs of collectives on a cluster, choosing the cheapest algorithm as NCCL's tuner would.
/// Formulas: docs/cost-model.md §Collectives (Thakur et al. 2005; nccl-tests PERFORMANCE.md).
public struct CollectiveModel: Sendable {
    public let cluster: Cluster
    /// Measured bus bandwidths (nccl-tests) that replace the α-β estimate where present.
    public let measured: MeasuredBandwidths?

    public init(cluster: Cluster, measured: MeasuredBandwidths? = nil) {
        self.cluster = cluster
        self.measured = measured
    }

    /// `bytes`: the full buffer per rank (all-gather: the gathered size; all-to-all: the whole send buffer).
    public func time(_ collective: Collective, bytes: Double, group: GroupPlacement) -> CollectiveTime {
        let n = group.ranks
        guard n > 1 || collective == .pointToPoint, bytes > 0 else {
            return CollectiveTime(seconds: 0, algorithm: .direct)
        }
        if let busBandwidth = measured?.busBandwidth(collective, ranks: n) {
            let latency = group.nodes > 1 ? cluster.interNodeLatency : cluster.intraNodeLatency
            return CollectiveTime(
                seconds: latency + bytes * collective.busFactor(ranks: n) / busBandwidth, algorithm: .measured)
        }
        let candidates = algorithms(collective, bytes: bytes, group: group)
        return candidates.min { $0.seconds < $1.seconds } ?? CollectiveTime(seconds: 0, algorithm: .direct)
    }

    private func algorithms(_ collective: Collective, bytes s: Double, group: GroupPlacement) -> [CollectiveTime] {
        let n = Double(group.ranks)
        let m = Double(group.nodes)
        let g = Double(group.ranksPerNode)
        let bIn = cluster.effectiveIntraNodeBandwidth
        let bOut = cluster.effectiveInterNodeBandwidth
        let aIn = cluster.intraNodeLatency
        let aOut = cluster.interNodeLatency
        let multiNode = group.nodes > 1
        // A flat ring crossing nodes runs one channel per NIC of the node's ranks, so its
        // bottleneck is min(NVLink, g NICs); its per-step latency is the slower hop's.
        let ringBandwidth = multiNode ? min(bIn, g * bOut) : bIn
        let ringLatency = multiNode ? aOut : aIn
        let log2n = PortableMath.log2(max(n, 1))
        let log2m = PortableMath.log2(max(m, 1))
        switch collective {
        case .allReduce:
            var options = [
                CollectiveTime(
                    seconds: 2 * (n - 1) * ringLatency + 2 * (n - 1) / n * s / ringBandwidth, algorithm: .ring),
                // Double binary tree across nodes, chain inside: latency grows with log m.
                CollectiveTime(
                    seconds: 2 * (log2m * aOut + (g - 1) * aIn) + 2 * (n - 1) / n * s / ringBandwidth,
                    algorithm: .tree),
            ]
            if multiNode && g > 1 {
                options.append(
                    CollectiveTime(
                        seconds: 2 * (g - 1) * aIn + 2 * (g - 1) / g * s / bIn + 2 * (m - 1) * aOut + 2 * (m - 1) / m
                            * (s / g) / bOut,
                        algorithm: .hierarchical))
            }
            return options
        case .allGather, .reduceScatter:
            var options = [
                CollectiveTime(seconds: (n - 1) * ringLatency + (n - 1) / n * s / ringBandwidth, algorithm: .ring)
            ]
            if multiNode && g > 1 {
                options.append(
                    CollectiveTime(
                        seconds: (g - 1) * aIn + (g - 1) / g * s / bIn + (m - 1) * aOut + (m - 1) / m * (s / g) / bOut,
                        algorithm: .hierarchical))
            }
            return options
        case .allToAll:
            // Of a rank's buffer, (g−1)/n stays on NVLink and (n−g)/n leaves over its NIC; NCCL's pairwise
            // exchange drives both at once, so the slower side decides.
            let intra = (g - 1) * aIn + (g - 1) / n * s / bIn
            let inter = multiNode ? (n - g) * aOut + (n - g) / n * s / bOut : 0
            return [CollectiveTime(seconds: max(intra, inter), algorithm: .pairwise)]
        case .broadcast:
            return [
                CollectiveTime(seconds: (n - 1) * ringLatency + s / ringBandwidth, algorithm: .ring),
                CollectiveTime(seconds: log2n * (ringLatency + s / ringBandwidth), algorithm: .tree),
            ]
        case .pointToPoint:
            return [CollectiveTime(seconds: multiNode ? aOut + s / bOut : aIn + s / bIn, algorithm: .direct)]
        }
    }
}
