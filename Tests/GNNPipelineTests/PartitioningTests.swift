import Foundation
import GraphPartitioning
import SolverFixtures
import Testing

@Suite struct PartitioningTests {
    /// METIS' reported communication volume is the mirror count we compute from its partition.
    @Test(arguments: [2, 4, 8, 16])
    func mirrorCountEqualsMetisVolume(parts: Int) throws {
        for seed in [1, 2] as [UInt64] {
            let graph = try GraphGenerator.communityPowerLaw(
                vertices: 3000, edgesPerVertex: 4, communitySize: 200, mixing: 0.2, seed: seed)
            let partition = try MetisPartitioner.partition(graph, parts: parts, objective: .communicationVolume)
            #expect(partition.objective == graph.mirrorCount(parts: partition.parts, partCount: parts))
            #expect(partition.objective > 0)
            #expect(Set(partition.parts).count == parts)
        }
    }

    @Test func onePartNeverCallsMetis() throws {
        let graph = try GraphGenerator.barabasiAlbert(vertices: 100, edgesPerVertex: 2, seed: 3)
        let partition = try MetisPartitioner.partition(graph, parts: 1)
        #expect(partition.parts.allSatisfy { $0 == 0 } && partition.objective == 0)
        #expect(throws: GraphError.self) { try MetisPartitioner.partition(graph, parts: 101) }
    }

    @Test func mirrorsOnAHandCheckedGraph() throws {
        // A path 0-1-2-3 cut in the middle: vertex 1 is needed by part 1, vertex 2 by part 0.
        let graph = try Graph.build(vertices: 4, edges: [(0, 1), (1, 2), (2, 3), (1, 1), (2, 1)])
        #expect(graph.edgeCount == 3 && graph.droppedSelfLoops == 1 && graph.droppedDuplicates == 1)
        #expect(graph.mirrorCount(parts: [0, 0, 1, 1], partCount: 2) == 2)
        #expect(graph.mirrorCount(parts: [0, 1, 0, 1], partCount: 2) == 4)
        #expect(throws: GraphError(location: "edges[1]", reason: "(1, 4) names a vertex outside 0..<4")) {
            try Graph.build(vertices: 4, edges: [(0, 1), (1, 4)])
        }
    }

    @Test func edgeListAndMetisFormats() throws {
        let edgeList = try GraphFile.parse(
            Data("# a triangle and a tail\n0 1\n1 2\n2 0\n2 3\n3 3\n".utf8), format: .edgeList, source: "g.txt")
        #expect(edgeList.graph.vertexCount == 4 && edgeList.graph.edgeCount == 4)
        #expect(edgeList.warnings == ["g.txt: dropped 1 self-loops"])
        let metis = try GraphFile.parse(
            Data("% triangle + tail\n4 4\n2 3\n1 3\n1 2 4\n3\n".utf8), format: .metis, source: "g.graph")
        #expect(metis.graph.offsets == edgeList.graph.offsets && metis.graph.neighbors == edgeList.graph.neighbors)
        #expect(metis.warnings.isEmpty)
        // Saved on Windows: CRLF line ends and a byte-order mark read the same.
        let windows = Data([0xEF, 0xBB, 0xBF]) + Data("0 1\r\n1 2\r\n2 0\r\n2 3\r\n".utf8)
        let fromWindows = try GraphFile.parse(windows, format: .edgeList, source: "w.txt")
        #expect(
            fromWindows.graph.offsets == edgeList.graph.offsets
                && fromWindows.graph.neighbors == edgeList.graph.neighbors)
        let metisWindows = Data([0xEF, 0xBB, 0xBF]) + Data("4 4\r\n2 3\r\n1 3\r\n1 2 4\r\n3\r\n".utf8)
        #expect(
            try GraphFile.parse(metisWindows, format: .metis, source: "w.graph").graph.neighbors
                == edgeList.graph.neighbors)
    }

    @Test func badGraphFilesNameTheLine() {
        func failure(_ text: String, _ format: GraphFile.Format) -> String {
            do {
                _ = try GraphFile.parse(Data(text.utf8), format: format, source: "g")
                return ""
            } catch { return error.description }
        }
        #expect(failure("0 1\n1 x\n", .edgeList) == "g line 2: \"1 x\" is not a pair of vertex ids")
        #expect(failure("0 1\n-4 2\n", .edgeList).hasPrefix("g line 2: vertex id -4 out of range"))
        #expect(failure("0 1 2\n", .edgeList).hasPrefix("g line 1:"))
        #expect(failure("# nothing\n", .edgeList) == "g: no edges (an empty graph)")
        #expect(failure("3 2\n2\n1 4\n\n", .metis) == "g line 3: vertex id 4 out of range 1...3")
        #expect(failure("0 0\n", .metis) == "g line 1: 0 vertices: an empty graph")
        #expect(failure("3 2\n2 3\n1", .metis).contains("3 vertices but 2 adjacency lines"))
        #expect(failure("3 2\n2\n1\n", .metis) == "g line 1: the header declares 2 edges but the lists hold 1")
    }
}
