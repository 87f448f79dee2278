import CostModel
import Foundation
import GNNPipeline
import GraphPartitioning

/// `plan gnn-pipeline`'s options, and the planner built from them.
public struct GNNPipelineRequest: Sendable {
    public var model: InputSource
    public var cluster: InputSource
    public var chunks: Int?
    public var ways: Int?

    public init(model: InputSource, cluster: InputSource, chunks: Int? = nil, ways: Int? = nil) {
        self.model = model
        self.cluster = cluster
        self.chunks = chunks
        self.ways = ways
    }

    public func makePlanner() throws(FrontendError) -> GNNPipelinePlanner {
        let gnn = try costModelCall { () throws(CostModelError) in try GNNModel.load(data: try model.data(), source: model.label) }
        let resolvedCluster = try CostInputs.cluster(cluster)
        do {
            return try GNNPipelinePlanner(model: gnn, cluster: resolvedCluster, options: .init(chunks: chunks, ways: ways))
        } catch {
            throw .badInput(message: error)
        }
    }

    public static func plan(_ planner: GNNPipelinePlanner, graph: Graph) throws(FrontendError) -> GNNPipelineResult {
        do {
            return try planner.plan(graph: graph)
        } catch {
            throw .badInput(message: error)
        }
    }

    public static func plan(_ planner: GNNPipelinePlanner, stats: GraphStats) throws(FrontendError) -> GNNPipelineResult {
        do {
            return try planner.plan(stats: stats)
        } catch {
            throw .badInput(message: error)
        }
    }

    public static func stats(_ data: Data, source: String) throws(FrontendError) -> GraphStats {
        do {
            return try GraphStats.parse(data, source: source)
        } catch {
            throw .badInput(message: error)
        }
    }

    /// A graph from `count` (u, v) pairs laid out flat, as an edge-list file gives them: ids from 0, the vertex count
    /// the largest id + 1 unless `vertices` is given, symmetrised, self-loops and repeats dropped.
    public static func graph(pairs: UnsafeBufferPointer<Int64>, vertices: Int?) throws(FrontendError) -> Graph {
        let count = pairs.count / 2
        guard pairs.count % 2 == 0, count > 0 else { throw .badInput("edges", "no edges (an empty graph)") }
        let idLimit = Int64(Int32.max) - 1
        var largest: Int64 = -1
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(count)
        for index in 0..<count {
            let u = pairs[2 * index], v = pairs[2 * index + 1]
            for id in [u, v] where id < 0 || id >= idLimit {
                throw .badInput("edges[\(index)]", value: "\(id)", "vertex id out of range 0..<\(idLimit)")
            }
            largest = max(largest, u, v)
            edges.append((Int32(u), Int32(v)))
        }
        let total = vertices ?? Int(largest + 1)
        guard total > largest, total < Int(Int32.max) else {
            throw .badInput("vertices", value: "\(total)", "must exceed every vertex id (largest \(largest)) and be below \(Int32.max)")
        }
        do {
            return try Graph.build(vertices: total, edges: edges)
        } catch {
            throw .badInput(message: error)
        }
    }
}
