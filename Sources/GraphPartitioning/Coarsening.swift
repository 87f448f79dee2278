/// A graph with vertex and edge weights, in the CSR form METIS takes: the contraction of a `Graph` by a clustering.
struct WeightedGraph: Sendable {
    var offsets: [Int32]
    var neighbors: [Int32]
    var edgeWeights: [Int32]
    var vertexWeights: [Int32]

    var vertexCount: Int { offsets.count - 1 }
}

/// Size-constrained label propagation (Meyerhenke, Sanders, Schulz, "Partitioning complex networks via
/// size-constrained clustering", SEA 2014): a pre-coarsening that shrinks power-law graphs, where METIS' matching-based
/// coarsening stalls on hubs, before METIS sees them.
enum Coarsening {
    /// Each vertex, in id order, joins the neighbouring cluster it has most edges into, if that cluster stays within
    /// `maximumClusterSize` vertices; ties keep the current cluster, then take the smaller cluster id. Id order and
    /// these tie rules make the clusters the same on every machine.
    static func clusters(of graph: Graph, maximumClusterSize: Int, rounds: Int) -> (clusterOf: [Int32], count: Int) {
        let vertexCount = graph.vertexCount
        var label = (0..<vertexCount).map { Int32($0) }
        var size = [Int](repeating: 1, count: vertexCount)
        LabelPropagation.run(
            graph, labels: &label, sizes: &size, maximumSize: maximumClusterSize, rounds: rounds,
            stopBelowMoves: vertexCount / 100)
        // Dense cluster ids in order of first appearance.
        var dense = [Int32](repeating: -1, count: vertexCount)
        var count: Int32 = 0
        for v in 0..<vertexCount where dense[Int(label[v])] < 0 {
            dense[Int(label[v])] = count
            count += 1
        }
        return (label.map { dense[Int($0)] }, Int(count))
    }

    /// The quotient graph: one vertex per cluster weighing its size, one edge per pair of adjacent clusters weighing
    /// the edges between them.
    static func contract(_ graph: Graph, clusterOf: [Int32], clusterCount: Int) -> WeightedGraph {
        var start = [Int](repeating: 0, count: clusterCount + 1)
        for cluster in clusterOf { start[Int(cluster) + 1] += 1 }
        for c in 0..<clusterCount { start[c + 1] += start[c] }
        var fill = start
        var members = [Int32](repeating: 0, count: graph.vertexCount)
        for v in 0..<graph.vertexCount {
            let c = Int(clusterOf[v])
            members[fill[c]] = Int32(v)
            fill[c] += 1
        }
        var offsets = [Int32](repeating: 0, count: clusterCount + 1)
        var neighbors: [Int32] = []
        var edgeWeights: [Int32] = []
        var vertexWeights = [Int32](repeating: 0, count: clusterCount)
        var weightTo = [Int32](repeating: 0, count: clusterCount)
        var touched: [Int32] = []
        graph.offsets.withUnsafeBufferPointer { fineOffsets in
            graph.neighbors.withUnsafeBufferPointer { fineNeighbors in
                for c in 0..<clusterCount {
                    vertexWeights[c] = Int32(start[c + 1] - start[c])
                    for member in members[start[c]..<start[c + 1]] {
                        for index in Int(fineOffsets[Int(member)])..<Int(fineOffsets[Int(member) + 1]) {
                            let other = clusterOf[Int(fineNeighbors[index])]
                            guard Int(other) != c else { continue }
                            if weightTo[Int(other)] == 0 { touched.append(other) }
                            weightTo[Int(other)] += 1
                        }
                    }
                    for other in touched {
                        neighbors.append(other)
                        edgeWeights.append(weightTo[Int(other)])
                        weightTo[Int(other)] = 0
                    }
                    touched.removeAll(keepingCapacity: true)
                    offsets[c + 1] = Int32(neighbors.count)
                }
            }
        }
        return WeightedGraph(
            offsets: offsets, neighbors: neighbors, edgeWeights: edgeWeights, vertexWeights: vertexWeights)
    }
}
