import Foundation

/// Graph files: an edge list (one `u v` pair of 0-based vertex ids per line, `#` comments) or METIS' graph format
/// (header `n m`, then line i lists the 1-based neighbours of vertex i, `%` comments). Both are symmetrised;
/// self-loops are dropped with a warning.
public enum GraphFile {
    public enum Format: Sendable {
        case edgeList
        case metis

        /// `.graph` and `.metis` files are METIS format; anything else is an edge list.
        public static func of(path: String) -> Format {
            path.hasSuffix(".graph") || path.hasSuffix(".metis") ? .metis : .edgeList
        }
    }

    public struct Parsed: Sendable {
        public let graph: Graph
        public let warnings: [String]
    }

    public static func parse(_ data: Data, format: Format, source: String) throws(GraphError) -> Parsed {
        var warnings: [String] = []
        let graph: Graph
        switch format {
        case .edgeList:
            graph = try edgeList(data, source: source)
            if graph.droppedDuplicates > 0 {
                warnings.append("\(source): merged \(graph.droppedDuplicates) repeated edges")
            }
        case .metis:
            let (parsed, listed) = try metis(data, source: source)
            graph = parsed
            // A METIS file lists every edge on both sides; entries missing their mirror were added.
            let oneSided = 2 * graph.edgeCount - (listed - graph.droppedSelfLoops)
            if oneSided > 0 {
                warnings.append("\(source): \(oneSided) edges were listed on one side only; symmetrised")
            }
        }
        if graph.droppedSelfLoops > 0 {
            warnings.insert("\(source): dropped \(graph.droppedSelfLoops) self-loops", at: 0)
        }
        return Parsed(graph: graph, warnings: warnings)
    }

    /// Whole numbers on one line, or nil where a token is not one.
    private static func numbers(_ line: ArraySlice<UInt8>) -> [Int]? {
        var values: [Int] = []
        var current = 0
        var digits = 0
        var negative = false
        for byte in line + [32] {
            switch byte {
            case 48...57:
                guard current < Int.max / 20 else { return nil }
                current = current * 10 + Int(byte - 48)
                digits += 1
            case 45 where digits == 0 && !negative:
                negative = true
            case 32, 9, 13:
                if digits > 0 { values.append(negative ? -current : current) } else if negative { return nil }
                current = 0
                digits = 0
                negative = false
            default:
                return nil
            }
        }
        return values
    }

    /// Lines as bytes (graphs run to hundreds of megabytes); a CR before the LF is whitespace to `numbers`, and a
    /// leading UTF-8 byte-order mark (Windows editors write one) is dropped.
    private static func lines(_ data: Data) -> [ArraySlice<UInt8>] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes.split(separator: 10, omittingEmptySubsequences: false)
    }

    private static func edgeList(_ data: Data, source: String) throws(GraphError) -> Graph {
        var edges: [(Int32, Int32)] = []
        var largest = -1
        for (number, line) in lines(data).enumerated() {
            let trimmed = line.drop { $0 == 32 || $0 == 9 }
            if trimmed.isEmpty || trimmed.first == 35 || trimmed.allSatisfy({ $0 == 13 }) { continue }
            let location = "\(source) line \(number + 1)"
            guard let pair = numbers(trimmed), pair.count == 2 else {
                throw GraphError(
                    location: location,
                    reason: "\"\(String(decoding: trimmed.prefix(60), as: UTF8.self))\" is not a pair of vertex ids")
            }
            for id in pair where id < 0 || id >= Int(Int32.max) - 1 {
                throw GraphError(location: location, reason: "vertex id \(id) out of range 0..<\(Int32.max - 1)")
            }
            edges.append((Int32(pair[0]), Int32(pair[1])))
            largest = max(largest, pair[0], pair[1])
        }
        guard largest >= 0 else { throw GraphError(location: source, reason: "no edges (an empty graph)") }
        return try Graph.build(vertices: largest + 1, edges: edges)
    }

    /// The graph and how many adjacency entries the file listed.
    private static func metis(_ data: Data, source: String) throws(GraphError) -> (Graph, Int) {
        let all = lines(data).enumerated().filter { !$0.element.starts(with: [37]) }
        guard
            let (headerIndex, header) = all.first(where: { !$0.element.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 } }
            ),
            let fields = numbers(header), fields.count >= 2
        else {
            throw GraphError(location: "\(source) line 1", reason: "expected a METIS header \"vertices edges\"")
        }
        let vertices = fields[0]
        let declaredEdges = fields[1]
        guard vertices > 0 else {
            throw GraphError(
                location: "\(source) line \(headerIndex + 1)", reason: "\(vertices) vertices: an empty graph")
        }
        guard vertices < Int(Int32.max) else {
            throw GraphError(
                location: "\(source) line \(headerIndex + 1)",
                reason: "\(vertices) vertices exceed METIS' 32-bit index range")
        }
        guard fields.count == 2 || fields[2] == 0 else {
            throw GraphError(
                location: "\(source) line \(headerIndex + 1)",
                reason: "format \(fields[2]): weighted METIS graphs are not supported")
        }
        var edges: [(Int32, Int32)] = []
        var vertex = 0
        for (number, line) in all where number > headerIndex {
            guard vertex < vertices else {
                if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
                throw GraphError(
                    location: "\(source) line \(number + 1)",
                    reason: "more adjacency lines than the header's \(vertices) vertices")
            }
            guard let neighbours = numbers(line) else {
                throw GraphError(location: "\(source) line \(number + 1)", reason: "not a list of vertex ids")
            }
            for u in neighbours {
                guard u >= 1, u <= vertices else {
                    throw GraphError(
                        location: "\(source) line \(number + 1)", reason: "vertex id \(u) out of range 1...\(vertices)")
                }
                edges.append((Int32(vertex), Int32(u - 1)))
            }
            vertex += 1
        }
        guard vertex == vertices else {
            throw GraphError(
                location: source,
                reason: "the header declares \(vertices) vertices but \(vertex) adjacency lines follow")
        }
        let graph = try Graph.build(vertices: vertices, edges: edges)
        guard graph.edgeCount == declaredEdges else {
            throw GraphError(
                location: "\(source) line \(headerIndex + 1)",
                reason: "the header declares \(declaredEdges) edges but the lists hold \(graph.edgeCount)")
        }
        return (graph, edges.count)
    }
}
