import HeapModule

/// DeepSeek's EPLB (github.com/deepseek-ai/EPLB, `eplb.py` at d52c72d), rewritten from the description in
/// shared/references/moe.md §1 to serve as a baseline. It keeps EPLB's float32 arithmetic and its tie rules (stable
/// sort by descending weight, the lowest pack index among equal packs, the first maximum in replication) so it
/// reproduces the README example exactly. Like EPLB it may put two replicas of one expert on one GPU.
public enum EPLB {
    /// One layer's result: `physicalToLogical[p]` is the expert in physical slot p (slot p is on GPU p / slotsPerGPU),
    /// `replicaCounts[e]` the number of slots expert e got.
    public struct Layer: Sendable, Equatable {
        public var physicalToLogical: [Int]
        public var replicaCounts: [Int]
    }

    /// EPLB's hierarchical policy: expert groups to nodes, replicas within each node, replicas to GPUs. The global
    /// policy is this with one group and one node.
    /// Preconditions (checked by the caller): experts % groups == 0, groups % nodes == 0, gpus % nodes == 0,
    /// slots % gpus == 0, slots ≥ experts.
    public static func hierarchical(weights: [Double], slots: Int, groups: Int, nodes: Int, gpus: Int) -> Layer {
        let weight = weights.map(Float.init)
        let experts = weight.count
        let groupSize = experts / groups
        let groupsPerNode = groups / nodes
        let expertsPerNode = experts / nodes
        let slotsPerNode = slots / nodes
        let slotsPerGPU = slots / gpus

        // Step 1: whole groups onto nodes.
        var groupLoad = [Float](repeating: 0, count: groups)
        for e in 0..<experts { groupLoad[e / groupSize] += weight[e] }
        let (groupNode, groupRank) = balancedPacking(groupLoad, packs: nodes)
        var logicalToMiddle = [Int](repeating: 0, count: experts)
        for e in 0..<experts {
            let g = e / groupSize
            logicalToMiddle[e] = (groupNode[g] * groupsPerNode + groupRank[g]) * groupSize + e % groupSize
        }
        var middleToLogical = [Int](repeating: 0, count: experts)
        for e in 0..<experts { middleToLogical[logicalToMiddle[e]] = e }

        var physicalToLogical = [Int](repeating: 0, count: slots)
        var replicaCounts = [Int](repeating: 0, count: experts)
        for node in 0..<nodes {
            // Step 2: replicate within the node (every node gets the same number of spare slots).
            let nodeWeights = (0..<expertsPerNode).map { weight[middleToLogical[node * expertsPerNode + $0]] }
            let (physicalToMiddle, counts) = replicate(nodeWeights, slots: slotsPerNode)
            // Step 3: the node's replicas onto its GPUs, each carrying an equal share of its expert.
            let replicaLoad = physicalToMiddle.map { nodeWeights[$0] / Float(counts[$0]) }
            let (gpuInNode, rankInGPU) = balancedPacking(replicaLoad, packs: gpus / nodes)
            for phy in 0..<slotsPerNode {
                let packed = gpuInNode[phy] * slotsPerGPU + rankInGPU[phy]
                physicalToLogical[node * slotsPerNode + packed] =
                    middleToLogical[node * expertsPerNode + physicalToMiddle[phy]]
            }
            for local in 0..<expertsPerNode {
                replicaCounts[middleToLogical[node * expertsPerNode + local]] = counts[local]
            }
        }
        return Layer(physicalToLogical: physicalToLogical, replicaCounts: replicaCounts)
    }

    public static func global(weights: [Double], slots: Int, gpus: Int) -> Layer {
        hierarchical(weights: weights, slots: slots, groups: 1, nodes: 1, gpus: gpus)
    }

    /// LPT into `packs` packs of exactly n / packs items: heaviest item first (stable), into the lightest pack that is
    /// not full (lowest index on ties). One item per pack is the identity, as in EPLB.
    static func balancedPacking(_ weight: [Float], packs: Int) -> (pack: [Int], rank: [Int]) {
        let n = weight.count
        let capacity = n / packs
        if capacity == 1 { return (Array(0..<n), [Int](repeating: 0, count: n)) }
        let order = (0..<n).sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }
        // The lightest pack that is not full, lowest index on ties, is the minimum of (weight, index).
        var open = Heap((0..<packs).map { PackEntry(weight: 0, index: $0) })
        var packCount = [Int](repeating: 0, count: packs)
        var pack = [Int](repeating: 0, count: n)
        var rank = [Int](repeating: 0, count: n)
        for item in order {
            guard var lightest = open.popMin() else { break }
            let best = lightest.index
            pack[item] = best
            rank[item] = packCount[best]
            packCount[best] += 1
            lightest.weight += weight[item]
            if packCount[best] < capacity { open.insert(lightest) }
        }
        return (pack, rank)
    }

    private struct PackEntry: Comparable {
        var weight: Float
        let index: Int
        static func < (a: Self, b: Self) -> Bool { a.weight != b.weight ? a.weight < b.weight : a.index < b.index }
    }

    /// D'Hondt apportionment: each spare slot goes to the expert with the largest load per replica (first on ties).
    static func replicate(_ weight: [Float], slots: Int) -> (physicalToLogical: [Int], counts: [Int]) {
        let (order, counts) = Apportionment.allocate(weight, extra: slots - weight.count)
        return (Array(weight.indices) + order, counts)
    }

}
