import CostModel
import ExecutionPlan
import Foundation
import GNNPipeline
import GraphPartitioning
import InputFiles

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
        let gnn = try costModelCall { () throws(CostModelError) in
            try GNNModel.load(data: try model.data(), source: model.label)
        }
        let resolvedCluster = try CostInputs.cluster(cluster)
        do {
            return try GNNPipelinePlanner(
                model: gnn, cluster: resolvedCluster, options: .init(chunks: chunks, ways: ways))
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

    public static func plan(_ planner: GNNPipelinePlanner, stats: GraphStats) throws(FrontendError) -> GNNPipelineResult
    {
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
            let u = pairs[2 * index]
            let v = pairs[2 * index + 1]
            for id in [u, v] where id < 0 || id >= idLimit {
                throw .badInput("edges[\(index)]", value: "\(id)", "vertex id out of range 0..<\(idLimit)")
            }
            largest = max(largest, u, v)
            edges.append((Int32(u), Int32(v)))
        }
        let total = vertices ?? Int(largest + 1)
        guard total > largest, total < Int(Int32.max) else {
            throw .badInput(
                "vertices", value: "\(total)",
                "must exceed every vertex id (largest \(largest)) and be below \(Int32.max)")
        }
        do {
            return try Graph.build(vertices: total, edges: edges)
        } catch {
            throw .badInput(message: error)
        }
    }
}

/// A GNN plan file's report and timeline: the plan's own layout priced again from the inputs it was made with.
extension GNNPipelineRequest {
    /// The graph a plan was made for: loaded whole, or its statistics.
    public enum GraphInput: Sendable {
        case graph(Graph)
        case stats(GraphStats)
    }

    public func evaluate(
        plan data: Data, planSource: String,
        graph: GraphInput
    ) throws(FrontendError) -> (planner: GNNPipelinePlanner, result: GNNPipelineResult) {
        let plan: Plan<GNNPipelinePlan> = try TimelineRequest.decoded(data, source: planSource)
        let planner = try makePlanner()
        do {
            switch graph {
            case .graph(let graph): return (planner, try planner.evaluate(plan, graph: graph))
            case .stats(let stats): return (planner, try planner.evaluate(plan, stats: stats))
            }
        } catch {
            throw .badInput(message: error)
        }
    }

    /// An edge list's text as `plan gnn-pipeline --graph` reads it, with `vertices` when the graph has more than its
    /// largest id + 1 (as the planner's `num_vertices`).
    public static func graph(edgeList data: Data, source: String, vertices: Int?) throws(FrontendError) -> Graph {
        let graph: Graph
        do {
            graph = try GraphFile.parse(data, format: .edgeList, source: source).graph
        } catch {
            throw .badInput(message: error.description)
        }
        guard let vertices, vertices != graph.vertexCount else { return graph }
        guard vertices > graph.vertexCount, vertices < Int(Int32.max) else {
            throw .badInput(
                "vertices", value: "\(vertices)",
                "must exceed every vertex id (largest \(graph.vertexCount - 1)) "
                    + "and be below \(Int32.max)")
        }
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(graph.edgeCount)
        for u in 0..<graph.vertexCount {
            for index in Int(graph.offsets[u])..<Int(graph.offsets[u + 1]) where Int(graph.neighbors[index]) > u {
                edges.append((Int32(u), graph.neighbors[index]))
            }
        }
        do {
            return try Graph.build(vertices: vertices, edges: edges)
        } catch {
            throw .badInput(message: error.description)
        }
    }
}
