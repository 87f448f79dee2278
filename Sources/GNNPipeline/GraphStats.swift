import CostModel
import Foundation
import InputFiles

/// A graph too large to load, described by its size and the mirror counts of k-way partitions:
/// JSON `{"vertices": V, "edges": E, "mirrors": {"k": M_k, ...}}`, E undirected.
public struct GraphStats: Sendable, Equatable {
    public var vertices: Int
    public var edges: Int
    public var mirrors: [Int: Int]

    public init(vertices: Int, edges: Int, mirrors: [Int: Int]) {
        self.vertices = vertices
        self.edges = edges
        self.mirrors = mirrors
    }

    public static func parse(_ data: Data, source: String) throws(GNNPipelineError) -> GraphStats {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw GNNPipelineError(
                field: source, value: "", reason: "expected a JSON object {vertices, edges, mirrors}")
        }
        if let unknown = object.keys.sorted().first(where: { !["vertices", "edges", "mirrors"].contains($0) }) {
            throw GNNPipelineError(
                field: "\(source): \(unknown)", value: "", reason: "unknown key (expected vertices, edges, mirrors)")
        }
        func whole(_ value: Any?, _ field: String) throws(GNNPipelineError) -> Int {
            guard let number = value as? NSNumber, !number.isBoolean,
                number.doubleValue == number.doubleValue.rounded(),
                number.doubleValue >= 0, number.doubleValue < 9e15
            else {
                throw GNNPipelineError(
                    field: "\(source): \(field)", value: value.map { "\($0)" } ?? "missing",
                    reason: "must be a whole number ≥ 0")
            }
            return number.intValue
        }
        let vertices = try whole(object["vertices"], "vertices")
        let edges = try whole(object["edges"], "edges")
        guard vertices > 0 else {
            throw GNNPipelineError(field: "\(source): vertices", value: "0", reason: "an empty graph")
        }
        var mirrors: [Int: Int] = [:]
        if let raw = object["mirrors"] {
            guard let table = raw as? [String: Any] else {
                throw GNNPipelineError(
                    field: "\(source): mirrors", value: "\(raw)", reason: "must map part counts to mirror counts")
            }
            for key in table.keys.sorted() {
                guard let k = Int(key), k >= 1 else {
                    throw GNNPipelineError(
                        field: "\(source): mirrors", value: key, reason: "keys must be part counts ≥ 1")
                }
                mirrors[k] = try whole(table[key], "mirrors.\(key)")
            }
        }
        return GraphStats(vertices: vertices, edges: edges, mirrors: mirrors)
    }

    /// M_k from the table, or an estimate flagged as such: a random k-way partition gives each vertex of degree d̄
    /// (k−1)(1 − (1 − 1/k)^d̄) remote parts; that is scaled by how much better than random the nearest measured k
    /// was (1 when none is given, the pessimistic random partition).
    public func mirrors(parts k: Int) -> (count: Int, estimated: Bool) {
        if k <= 1 { return (0, false) }
        if let known = mirrors[k] { return (known, false) }
        let degree = 2 * Double(edges) / Double(vertices)
        func random(_ k: Int) -> Double {
            Double(vertices) * Double(k - 1) * (1 - PortableMath.pow(1 - 1 / Double(k), degree))
        }
        let nearest = mirrors.keys.sorted().filter { $0 > 1 }.min {
            abs(PortableMath.log(Double($0) / Double(k))) < abs(PortableMath.log(Double($1) / Double(k)))
        }
        let factor = nearest.map { Double(mirrors[$0] ?? 0) / max(random($0), 1) } ?? 1
        return (Int((factor * random(k)).rounded()), true)
    }
}

/// A bad input to the GNN pipeline planner.
public typealias GNNPipelineError = PlannerInputError
