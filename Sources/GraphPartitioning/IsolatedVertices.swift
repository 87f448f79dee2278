/// Vertices without edges matter to neither objective (no cut, no mirror) but cost METIS dearly: its coarsening has
/// nothing to match them with, so the coarsest graph keeps them all and every initial bisection grows over them. A
/// graph of 2 edges among 6M vertex ids took 95 s in METIS (10M: 220 s). They are set aside: METIS partitions the
/// vertices with edges, and the isolated ones then fill the smallest parts, which keeps every part as even as it was.
extension MetisPartitioner {
    /// Nil when every vertex has an edge.
    static func partitionSettingAsideIsolated(
        _ graph: Graph, parts: Int, objective: Objective,
        seed: Int32
    ) throws(GraphError) -> Partition? {
        guard (0..<graph.vertexCount).contains(where: { graph.degree($0) == 0 }) else { return nil }
        // The vertices with edges, renumbered in order, so each neighbour list stays sorted.
        var renumbered = [Int32](repeating: -1, count: graph.vertexCount)
        var kept: [Int] = []
        for v in 0..<graph.vertexCount where graph.degree(v) > 0 {
            renumbered[v] = Int32(kept.count)
            kept.append(v)
        }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(kept.count + 1)
        let neighbors = graph.neighbors.map { renumbered[Int($0)] }
        for v in kept { offsets.append((offsets.last ?? 0) + graph.offsets[v + 1] - graph.offsets[v]) }
        let connected = Graph(offsets: offsets, neighbors: neighbors, droppedSelfLoops: 0, droppedDuplicates: 0)

        var connectedParts: [Int32]
        var value: Int
        var precoarsened = false
        if kept.count >= parts {
            let partition = try partition(connected, parts: parts, objective: objective, seed: seed)
            (connectedParts, value, precoarsened) = (partition.parts, partition.objective, partition.precoarsened)
        } else {
            // Fewer connected vertices than parts: one each.
            connectedParts = (0..<kept.count).map(Int32.init)
            value =
                objective == .communicationVolume
                ? connected.mirrorCount(parts: connectedParts, partCount: parts)
                : connected.edgeCut(parts: connectedParts)
        }
        var sizes = [Int](repeating: 0, count: parts)
        for part in connectedParts { sizes[Int(part)] += 1 }
        var room = fillQuota(sizes: sizes, adding: graph.vertexCount - kept.count)
        var result = [Int32](repeating: 0, count: graph.vertexCount)
        for (index, v) in kept.enumerated() { result[v] = connectedParts[index] }
        var part = 0
        for v in 0..<graph.vertexCount where graph.degree(v) == 0 {
            while part < parts - 1 && room[part] == 0 { part += 1 }
            result[v] = Int32(part)
            room[part] -= 1
        }
        var partition = Partition(parts: result, partCount: parts, objective: value)
        partition.precoarsened = precoarsened
        return partition
    }

    /// How many of `count` extra vertices each part takes so that the largest final part is as small as it can be:
    /// water-filling from the smallest parts up; the remainder goes one each to the lowest-numbered raised parts.
    static func fillQuota(sizes: [Int], adding count: Int) -> [Int] {
        guard !sizes.isEmpty, count > 0 else { return [Int](repeating: 0, count: sizes.count) }
        let order = sizes.indices.sorted { (sizes[$0], $0) < (sizes[$1], $1) }
        var raised = 0
        var level = sizes[order[0]]
        var left = count
        while true {
            while raised < order.count && sizes[order[raised]] <= level { raised += 1 }
            guard raised < order.count else { break }
            let next = sizes[order[raised]]
            let needed = (next - level) * raised
            if needed > left { break }
            left -= needed
            level = next
        }
        level += left / raised
        var extra = left % raised
        var quota = [Int](repeating: 0, count: sizes.count)
        for part in order.prefix(raised).sorted() {
            quota[part] = level - sizes[part] + (extra > 0 ? 1 : 0)
            if extra > 0 { extra -= 1 }
        }
        return quota
    }
}
