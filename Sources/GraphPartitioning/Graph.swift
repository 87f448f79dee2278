/// An undirected graph in compressed sparse rows, the form METIS takes: each edge appears in both endpoints' lists,
/// no self-loops, no duplicates, neighbours sorted. Indices are 32-bit, as in Debian's METIS (`IDXTYPEWIDTH 32`).
public struct Graph: Sendable, Equatable {
    /// `offsets[v] ..< offsets[v + 1]` indexes v's neighbours in `neighbors`.
    public let offsets: [Int32]
    public let neighbors: [Int32]
    /// Self-loops and repeated edges removed while building (GNN datasets often carry self-loops).
    public let droppedSelfLoops: Int
    public let droppedDuplicates: Int

    public var vertexCount: Int { offsets.count - 1 }
    /// Undirected edges.
    public var edgeCount: Int { neighbors.count / 2 }

    public func degree(_ v: Int) -> Int { Int(offsets[v + 1] - offsets[v]) }

    /// The largest neighbour-list length METIS' 32-bit indices allow.
    public static let maximumEntries = Int(Int32.max)

    /// Vertices allowed per listed edge (beyond `vertexAllowance`): real graphs have a few isolated vertices, not
    /// billions.
    public static let isolatedVerticesPerEdge = 16
    public static let vertexAllowance = 1 << 24

    public static func maximumVertices(edges: Int) -> Int {
        edges >= (Int(Int32.max) / isolatedVerticesPerEdge)
            ? Int(Int32.max) : edges * isolatedVerticesPerEdge + vertexAllowance
    }

    /// Symmetrises `edges` (pairs of vertex ids in 0 ..< vertices), drops self-loops and duplicates.
    public static func build(vertices: Int, edges: [(Int32, Int32)]) throws(GraphError) -> Graph {
        guard vertices > 0 else { throw GraphError(location: "graph", reason: "has no vertices") }
        guard vertices < Int(Int32.max) else {
            throw GraphError(location: "graph", reason: "\(vertices) vertices exceed METIS' 32-bit index range")
        }
        // One stray large id must not size the graph: an edge list `0 2147483645` would allocate 16 GB.
        guard vertices <= maximumVertices(edges: edges.count) else {
            throw GraphError(
                location: "graph",
                reason: "\(vertices) vertices for \(edges.count) edges: more than "
                    + "\(isolatedVerticesPerEdge) vertices per edge (ids must be numbered densely from 0)")
        }
        var degree = [Int](repeating: 0, count: vertices + 1)
        var selfLoops = 0
        for (index, (u, v)) in edges.enumerated() where u < 0 || v < 0 || Int(u) >= vertices || Int(v) >= vertices {
            throw GraphError(location: "edges[\(index)]", reason: "(\(u), \(v)) names a vertex outside 0..<\(vertices)")
        }
        for (u, v) in edges {
            if u == v {
                selfLoops += 1
                continue
            }
            degree[Int(u)] += 1
            degree[Int(v)] += 1
        }
        let entries = degree.reduce(0, +)
        guard entries <= maximumEntries else {
            throw GraphError(
                location: "graph",
                reason: "\(entries) adjacency entries exceed METIS' 32-bit index range (\(maximumEntries))")
        }
        var start = [Int](repeating: 0, count: vertices + 1)
        for v in 0..<vertices { start[v + 1] = start[v] + degree[v] }
        var fill = start
        var raw = [Int32](repeating: 0, count: entries)
        for (u, v) in edges where u != v {
            raw[fill[Int(u)]] = v
            fill[Int(u)] += 1
            raw[fill[Int(v)]] = u
            fill[Int(v)] += 1
        }
        // Sort each list and drop repeats, compacting in place.
        var offsets = [Int32](repeating: 0, count: vertices + 1)
        var write = 0
        raw.withUnsafeMutableBufferPointer { buffer in
            for v in 0..<vertices {
                let range = start[v]..<start[v + 1]
                buffer[range].sort()
                var previous: Int32 = -1
                for index in range where buffer[index] != previous {
                    previous = buffer[index]
                    buffer[write] = previous
                    write += 1
                }
                offsets[v + 1] = Int32(write)
            }
        }
        raw.removeLast(entries - write)
        return Graph(
            offsets: offsets, neighbors: raw, droppedSelfLoops: selfLoops, droppedDuplicates: (entries - write) / 2)
    }

    /// M(P) = Σ_v |{part[u] : u ∈ N(v)} \ {part[v]}|: the (vertex, remote part) pairs whose embedding crosses parts
    /// in one aggregation (shared/references/gnnpipe.md §1.1). For an undirected graph forward and backward are equal.
    public func mirrorCount(parts: [Int32], partCount: Int) -> Int {
        var lastSeen = [Int32](repeating: -1, count: max(partCount, 1))
        var mirrors = 0
        for v in 0..<vertexCount {
            let own = parts[v]
            for index in Int(offsets[v])..<Int(offsets[v + 1]) {
                let other = parts[Int(neighbors[index])]
                if other != own && lastSeen[Int(other)] != Int32(v) {
                    lastSeen[Int(other)] = Int32(v)
                    mirrors += 1
                }
            }
        }
        return mirrors
    }
}

extension Graph {
    /// Undirected edges whose ends lie in different parts.
    public func edgeCut(parts: [Int32]) -> Int {
        var crossing = 0
        for v in 0..<vertexCount {
            for index in Int(offsets[v])..<Int(offsets[v + 1]) where parts[Int(neighbors[index])] != parts[v] {
                crossing += 1
            }
        }
        return crossing / 2
    }
}

/// A graph that cannot be read or partitioned: where (a line, a field) and why.
public struct GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    public let location: String
    public let reason: String

    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}
