/// Label-propagation refinement of a projected partition (the local search of the same SCLaP paper): recovers what a
/// coarse clustering that split communities lost.
enum Refinement {
    static func refine(_ graph: Graph, parts: inout [Int32], partCount: Int, maximumPartSize: Int, rounds: Int) {
        var size = [Int](repeating: 0, count: partCount)
        for part in parts { size[Int(part)] += 1 }
        LabelPropagation.run(
            graph, labels: &parts, sizes: &size, maximumSize: maximumPartSize, rounds: rounds, stopBelowMoves: 1)
    }
}

/// The move rule both share: each vertex, in id order, takes the neighbouring label it has most edges into when that
/// beats the edges into its own label and the label holds fewer than `maximumSize` vertices; ties keep the current
/// label, then take the smaller id. Id order and these rules give the same labels on every machine.
enum LabelPropagation {
    static func run(
        _ graph: Graph, labels: inout [Int32], sizes: inout [Int], maximumSize: Int, rounds: Int, stopBelowMoves: Int
    ) {
        var connection = [Int32](repeating: 0, count: sizes.count)
        var touched: [Int32] = []
        graph.offsets.withUnsafeBufferPointer { offsets in
            graph.neighbors.withUnsafeBufferPointer { neighbors in
                for _ in 0..<rounds {
                    var moved = 0
                    for v in 0..<graph.vertexCount {
                        let own = labels[v]
                        for index in Int(offsets[v])..<Int(offsets[v + 1]) {
                            let label = labels[Int(neighbors[index])]
                            if connection[Int(label)] == 0 { touched.append(label) }
                            connection[Int(label)] += 1
                        }
                        var best = own
                        var bestConnection = connection[Int(own)]
                        for label in touched {
                            let weight = connection[Int(label)]
                            connection[Int(label)] = 0
                            guard label != own, sizes[Int(label)] < maximumSize else { continue }
                            if weight > bestConnection || (weight == bestConnection && best != own && label < best) {
                                best = label
                                bestConnection = weight
                            }
                        }
                        connection[Int(own)] = 0
                        touched.removeAll(keepingCapacity: true)
                        if best != own {
                            sizes[Int(own)] -= 1
                            sizes[Int(best)] += 1
                            labels[v] = best
                            moved += 1
                        }
                    }
                    if moved < stopBelowMoves { break }
                }
            }
        }
    }
}
