import GraphPartitioning

/// Seeded power-law graphs for GNN planning tests and benchmarks.
public enum GraphGenerator {
    /// Barabási–Albert preferential attachment: each new vertex links to `edgesPerVertex` earlier vertices chosen in
    /// proportion to their degree, so degrees follow a power law (exponent 3) and the graph is connected.
    public static func barabasiAlbert(vertices: Int, edgesPerVertex: Int, seed: UInt64) throws -> Graph {
        var random = SeededGenerator(seed: seed)
        let m = max(1, edgesPerVertex)
        var endpoints: [Int32] = []
        endpoints.reserveCapacity(2 * vertices * m)
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(vertices * m)
        // A small clique to start from.
        let seedVertices = min(vertices, m + 1)
        for u in 0..<seedVertices {
            for v in (u + 1)..<seedVertices {
                edges.append((Int32(u), Int32(v)))
                endpoints.append(Int32(u))
                endpoints.append(Int32(v))
            }
        }
        for v in seedVertices..<max(vertices, seedVertices) {
            for _ in 0..<m {
                let u = endpoints[Int(random.next() % UInt64(endpoints.count))]
                edges.append((u, Int32(v)))
                endpoints.append(u)
                endpoints.append(Int32(v))
            }
        }
        return try Graph.build(vertices: vertices, edges: edges)
    }

    /// Preferential attachment inside communities of `communitySize` consecutive vertices, with a fraction `mixing` of
    /// each vertex's edges attached preferentially across the whole graph: power-law degrees like Barabási–Albert,
    /// plus the community structure real graphs (social, citation, product) have and METIS exploits.
    public static func communityPowerLaw(
        vertices: Int, edgesPerVertex: Int, communitySize: Int, mixing: Double,
        seed: UInt64
    ) throws -> Graph {
        var random = SeededGenerator(seed: seed)
        let m = max(1, edgesPerVertex)
        var global: [Int32] = []
        global.reserveCapacity(2 * vertices * m)
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(vertices * m)
        var local: [Int32] = []
        let threshold = UInt64(mixing * Double(UInt64.max >> 11)) << 11
        for start in stride(from: 0, to: vertices, by: communitySize) {
            let end = min(vertices, start + communitySize)
            local.removeAll(keepingCapacity: true)
            for v in start..<end {
                let vertex = Int32(v)
                if local.isEmpty {
                    local.append(vertex)
                    if !global.isEmpty {
                        let u = global[Int(random.next() % UInt64(global.count))]
                        edges.append((u, vertex))
                        global.append(u)
                        global.append(vertex)
                    }
                    continue
                }
                for _ in 0..<m {
                    let across = random.next() < threshold && !global.isEmpty
                    let u =
                        across
                        ? global[Int(random.next() % UInt64(global.count))]
                        : local[Int(random.next() % UInt64(local.count))]
                    edges.append((u, vertex))
                    global.append(u)
                    global.append(vertex)
                    if !across { local.append(u) }
                    local.append(vertex)
                }
            }
        }
        return try Graph.build(vertices: vertices, edges: edges)
    }
}
