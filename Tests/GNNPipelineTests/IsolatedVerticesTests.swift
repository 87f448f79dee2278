import SolverFixtures
import Testing

@testable import GraphPartitioning

/// Isolated vertices are set aside from METIS and fill the smallest parts afterwards.
@Suite struct IsolatedVerticesTests {
    /// A community graph with isolated vertices interleaved (every third id has no edge): the vertices with edges get
    /// exactly the parts METIS gives the graph without the isolated ones, the objective is the same and is the true
    /// mirror count or cut of the whole graph, and parts end no more uneven than that partition needs.
    @Test(arguments: [4, 16])
    func isolatedVerticesFillTheSmallestParts(parts: Int) throws {
        let core = try GraphGenerator.communityPowerLaw(
            vertices: 2000, edgesPerVertex: 4, communitySize: 200, mixing: 0.2, seed: 3)
        // Core vertex c becomes id c + c / 2, so ids 2, 5, 8, ... have no edge.
        let id = { (c: Int32) -> Int32 in c + c / 2 }
        var edges: [(Int32, Int32)] = []
        for v in 0..<core.vertexCount {
            for index in Int(core.offsets[v])..<Int(core.offsets[v + 1]) where Int(core.neighbors[index]) > v {
                edges.append((id(Int32(v)), id(core.neighbors[index])))
            }
        }
        let graph = try Graph.build(vertices: 3000, edges: edges)
        #expect((0..<3000).filter { graph.degree($0) == 0 }.count == 1000)
        for objective in [MetisPartitioner.Objective.communicationVolume, .edgeCut] {
            let whole = try MetisPartitioner.partition(graph, parts: parts, objective: objective)
            let alone = try MetisPartitioner.partition(core, parts: parts, objective: objective)
            #expect((0..<2000).map { whole.parts[Int(id(Int32($0)))] } == alone.parts)
            #expect(whole.objective == alone.objective)
            let measured =
                objective == .communicationVolume
                ? graph.mirrorCount(parts: whole.parts, partCount: parts) : graph.edgeCut(parts: whole.parts)
            #expect(whole.objective == measured)
            var sizes = [Int](repeating: 0, count: parts)
            for part in whole.parts { sizes[Int(part)] += 1 }
            let coreLargest =
                alone.parts.reduce(into: [Int](repeating: 0, count: parts)) { $0[Int($1)] += 1 }.max() ?? 0
            #expect(sizes.max() == max(coreLargest, (3000 + parts - 1) / parts))
            #expect(try MetisPartitioner.partition(graph, parts: parts, objective: objective) == whole)
        }
    }

    /// Two edges among 200,000 ids (before: METIS grew each bisection over every isolated vertex, 95 s at 6M ids);
    /// fewer vertices with edges than parts: one each, the rest spread evenly.
    @Test func aFewEdgesAmongManyIds() throws {
        let graph = try Graph.build(vertices: 200_000, edges: [(0, 199_999), (1, 2)])
        let partition = try MetisPartitioner.partition(graph, parts: 8)
        var sizes = [Int](repeating: 0, count: 8)
        for part in partition.parts { sizes[Int(part)] += 1 }
        #expect(sizes.allSatisfy { $0 == 25_000 })
        #expect(partition.objective == graph.mirrorCount(parts: partition.parts, partCount: 8))
        #expect(Set([0, 199_999, 1, 2].map { partition.parts[$0] }).count == 4)
    }

    /// Water-filling reaches the least possible largest part: max(largest part now, ⌈all vertices ÷ parts⌉).
    @Test func fillQuotaMinimisesTheLargestPart() {
        var random = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            let sizes = (0..<Int(random.next() % 4 + 1)).map { _ in Int(random.next() % 6) }
            let count = Int(random.next() % 9)
            let quota = MetisPartitioner.fillQuota(sizes: sizes, adding: count)
            #expect(quota.reduce(0, +) == count && quota.allSatisfy { $0 >= 0 })
            let best = (sizes.reduce(0, +) + count + sizes.count - 1) / sizes.count
            #expect(zip(sizes, quota).map { $0 + $1 }.max() == max(best, sizes.max() ?? 0))
        }
    }
}
