import SolverFixtures
import Testing

@testable import GraphPartitioning

@Suite struct CoarseningTests {
    private func cut(_ graph: Graph, _ parts: [Int32]) -> Int {
        var crossing = 0
        for v in 0..<graph.vertexCount {
            for index in Int(graph.offsets[v])..<Int(graph.offsets[v + 1])
            where parts[Int(graph.neighbors[index])] != parts[v] {
                crossing += 1
            }
        }
        return crossing / 2
    }

    @Test func clustersRespectTheCapAndContractionKeepsEveryEdge() throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 6000, edgesPerVertex: 6, communitySize: 300, mixing: 0.1, seed: 4)
        let (clusterOf, count) = Coarsening.clusters(of: graph, maximumClusterSize: 400, rounds: 3)
        #expect(clusterOf.count == graph.vertexCount)
        #expect(Set(clusterOf) == Set((0..<count).map(Int32.init)))
        let coarse = Coarsening.contract(graph, clusterOf: clusterOf, clusterCount: count)
        #expect(coarse.vertexCount == count)
        #expect(coarse.vertexWeights.allSatisfy { $0 >= 1 && $0 <= 400 })
        #expect(coarse.vertexWeights.reduce(0, +) == Int32(graph.vertexCount))
        // Edges between clusters appear once per direction with their multiplicity; the rest are inside clusters.
        let between = Int(coarse.edgeWeights.reduce(0, +)) / 2
        #expect(between == cut(graph, clusterOf))
        #expect(between < graph.edgeCount / 2, "label propagation should keep most community edges inside clusters")
        for c in 0..<count {
            let range = Int(coarse.offsets[c])..<Int(coarse.offsets[c + 1])
            #expect(Set(coarse.neighbors[range]).count == range.count && !coarse.neighbors[range].contains(Int32(c)))
        }
    }

    /// The pre-coarsened path: balanced parts, the objective is the fine graph's cut, the same parts on every call,
    /// and a cut close to METIS run on the whole graph.
    @Test(arguments: [4, 8, 16])
    func precoarsenedPartitionIsBalancedAndExact(parts: Int) throws {
        let graph = try GraphGenerator.communityPowerLaw(
            vertices: 20_000, edgesPerVertex: 8, communitySize: 500, mixing: 0.1, seed: 9)
        let partition = try #require(try MetisPartitioner.partitionCoarsened(graph, parts: parts, seed: 1))
        #expect(partition.objective == cut(graph, partition.parts))
        var sizes = [Int](repeating: 0, count: parts)
        for part in partition.parts { sizes[Int(part)] += 1 }
        #expect(sizes.allSatisfy { $0 > 0 })
        #expect(Double(sizes.max() ?? 0) <= 1.04 * Double(graph.vertexCount) / Double(parts))
        #expect(try MetisPartitioner.partitionCoarsened(graph, parts: parts, seed: 1) == partition)
        let direct = try MetisPartitioner.partition(graph, parts: parts, objective: .edgeCut)
        #expect(
            Double(partition.objective) <= 1.2 * Double(direct.objective),
            "pre-coarsened cut \(partition.objective) vs METIS alone \(direct.objective)")
    }
}
