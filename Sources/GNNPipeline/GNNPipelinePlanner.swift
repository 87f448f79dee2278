import CostModel
import GraphPartitioning

public struct GNNPipelineOptions: Sendable, Equatable {
    /// Total chunks C (a multiple of the ways); searched when nil.
    public var chunks: Int?
    /// Graph-parallel ways D; searched over the divisors of the GPU count when nil.
    public var ways: Int?

    public init(chunks: Int? = nil, ways: Int? = nil) {
        self.chunks = chunks
        self.ways = ways
    }
}

/// Chooses D graph-parallel ways × S pipeline stages, each stage's layers and the chunk count for full-graph GNN
/// training (GNNPipe), and chunks the graph with METIS. Library entry point: no file I/O.
public struct GNNPipelinePlanner: Sendable {
    public let model: GNNModel
    public let cluster: Cluster
    public let options: GNNPipelineOptions
    /// Above this many undirected edges METIS minimises edge cut instead of communication volume: its volume
    /// refinement is 10-30× slower on power-law graphs (docs/gnn-pipeline.md). Mirrors are counted exactly either way.
    public static let volumeObjectiveEdgeLimit = 500_000

    public init(model: GNNModel, cluster: Cluster, options: GNNPipelineOptions = .init()) throws(GNNPipelineError) {
        do { try model.validate(source: "model") } catch {
            throw GNNPipelineError(field: "model.\(error.field)", value: error.value, reason: error.reason)
        }
        let gpus = cluster.gpuCount
        if let ways = options.ways {
            guard ways >= 1, gpus % ways == 0 else {
                throw GNNPipelineError(field: "ways", value: "\(ways)", reason: "must divide the \(gpus) GPUs")
            }
            guard gpus / ways <= model.layers else {
                throw GNNPipelineError(
                    field: "ways", value: "\(ways)",
                    reason: "\(gpus / ways) stages exceed the model's \(model.layers) layers")
            }
        }
        if let chunks = options.chunks {
            guard chunks >= 1 else {
                throw GNNPipelineError(field: "chunks", value: "\(chunks)", reason: "must be at least 1")
            }
            if let ways = options.ways, chunks % ways != 0 {
                throw GNNPipelineError(
                    field: "chunks", value: "\(chunks)", reason: "must be a multiple of --ways \(ways)")
            }
        }
        self.model = model
        self.cluster = cluster
        self.options = options
    }

    /// Plans for a loaded graph: one METIS partition into N parts gives the graph-parallel mirrors; grouping its parts
    /// into D blocks gives each hybrid's mirrors and ways; the chunks subdivide the ways.
    public func plan(graph: Graph) throws(GNNPipelineError) -> GNNPipelineResult {
        let start = ContinuousClock.now
        let counted = try mirrorCounts(graph: graph)
        var result = try search(
            vertices: graph.vertexCount, edges: graph.edgeCount, mirrors: counted.mirrors,
            mirrorsSource: counted.source)
        result.chunkOf = Chunking.chunks(
            partition: counted.partition, ways: result.layout.ways,
            chunksPerWay: result.layout.chunksPerWay)
        result.planningSeconds = seconds(since: start)
        return result
    }

    /// M for each D dividing the GPU count, from one METIS partition into N parts grouped into D blocks.
    func mirrorCounts(graph: Graph) throws(GNNPipelineError) -> (
        mirrors: [Int: Int], source: String, partition: Partition
    ) {
        let gpus = cluster.gpuCount
        guard gpus <= graph.vertexCount else {
            throw GNNPipelineError(
                field: "graph", value: "\(graph.vertexCount) vertices", reason: "fewer vertices than the \(gpus) GPUs")
        }
        let objective: MetisPartitioner.Objective =
            graph.edgeCount <= Self.volumeObjectiveEdgeLimit ? .communicationVolume : .edgeCut
        let partition: Partition
        do { partition = try MetisPartitioner.partition(graph, parts: gpus, objective: objective) } catch {
            throw GNNPipelineError(field: error.location, value: "", reason: error.reason)
        }
        var mirrors: [Int: Int] = [:]
        for ways in divisors(gpus) {
            mirrors[ways] =
                ways == 1
                ? 0 : graph.mirrorCount(parts: partition.parts.map { $0 * Int32(ways) / Int32(gpus) }, partCount: ways)
        }
        let source =
            objective == .communicationVolume
            ? "metis-volume"
            : partition.precoarsened ? "metis-cut-precoarsened" : "metis-cut"
        return (mirrors, source, partition)
    }

    /// Plans from sizes and mirror counts alone; no chunk assignment (the runtime chunks the graph itself).
    public func plan(stats: GraphStats) throws(GNNPipelineError) -> GNNPipelineResult {
        let start = ContinuousClock.now
        let counted = try mirrorCounts(stats: stats)
        var result = try search(
            vertices: stats.vertices, edges: stats.edges, mirrors: counted.mirrors, mirrorsSource: counted.source)
        result.estimatedMirrors = counted.estimated
        result.planningSeconds = seconds(since: start)
        return result
    }

    /// M for each D dividing the GPU count as the stats give it, and the D whose M was estimated.
    func mirrorCounts(stats: GraphStats) throws(GNNPipelineError) -> (
        mirrors: [Int: Int], source: String, estimated: [Int]
    ) {
        let gpus = cluster.gpuCount
        guard gpus <= stats.vertices else {
            throw GNNPipelineError(
                field: "vertices", value: "\(stats.vertices)", reason: "fewer vertices than the \(gpus) GPUs")
        }
        var mirrors: [Int: Int] = [:]
        var estimated: [Int] = []
        for ways in divisors(gpus) {
            let value = stats.mirrors(parts: ways)
            mirrors[ways] = value.count
            if value.estimated { estimated.append(ways) }
        }
        let source =
            estimated.isEmpty
            ? "graph-stats" : "graph-stats (estimated for k = \(estimated.map(String.init).joined(separator: ", ")))"
        return (mirrors, source, estimated)
    }

    private func search(vertices: Int, edges: Int, mirrors: [Int: Int], mirrorsSource: String) throws(GNNPipelineError)
        -> GNNPipelineResult
    {
        let gpus = cluster.gpuCount
        let cost = GNNPipelineCost(model: model, cluster: cluster, vertices: vertices, edges: edges)
        let search = LayoutSearch(cost: cost, gpus: gpus)
        var candidates: [(layout: GNNPipelineCost.Layout, estimate: GNNPipelineCost.Estimate)] = []
        for ways in divisors(gpus) where options.ways == nil || options.ways == ways {
            if let chunks = options.chunks, chunks % ways != 0 { continue }
            if let best = search.best(
                ways: ways, mirrors: mirrors[ways] ?? 0, chunksPerWay: options.chunks.map { $0 / ways })
            {
                candidates.append(best)
            }
        }
        let baselines = baselineLayouts(search: search, mirrors: mirrors)
        if options.ways == nil && options.chunks == nil {
            candidates += baselines.filter { $0.name != "pipeline" }.map { ($0.layout, $0.estimate) }
        }
        guard let chosen = candidates.min(by: { $0.estimate.epochSeconds < $1.estimate.epochSeconds }) else {
            throw GNNPipelineError(
                field: "chunks", value: options.chunks.map(String.init) ?? "",
                reason: "no layout fits these GPUs, ways and chunks")
        }
        return GNNPipelineResult(
            layout: chosen.layout, estimate: chosen.estimate, lowerBoundSeconds: cost.lowerBoundSeconds,
            baselines: baselines.map { ($0.name, $0.estimate) }, mirrorsSource: mirrorsSource,
            vertices: vertices, edges: edges, mirrorsByWays: mirrors)
    }

    /// The baselines, scored whatever the options: pure graph parallelism, pure pipeline, and GNNPipe's fixed rule.
    func baselineLayouts(search: LayoutSearch, mirrors: [Int: Int])
        -> [(name: String, layout: GNNPipelineCost.Layout, estimate: GNNPipelineCost.Estimate)]
    {
        let gpus = cluster.gpuCount
        var baselines: [(name: String, layout: GNNPipelineCost.Layout, estimate: GNNPipelineCost.Estimate)] = []
        if let graphParallel = search.best(ways: gpus, mirrors: mirrors[gpus] ?? 0, chunksPerWay: 1) {
            baselines.append(("graph-parallel", graphParallel.layout, graphParallel.estimate))
        }
        if let pipeline = search.best(ways: 1, mirrors: 0, chunksPerWay: nil) {
            baselines.append(("pipeline", pipeline.layout, pipeline.estimate))
        }
        if gpus <= model.layers, 4 * gpus <= search.cost.vertices {
            // GNNPipe's fixed rule: pure pipeline, C = 4N chunks, unit-cost layer split.
            let fixed = GNNPipelineCost.Layout(
                ways: 1, stageLayers: LayoutSearch.equalSplit(layers: model.layers, stages: gpus),
                chunksPerWay: 4 * gpus, mirrors: 0)
            baselines.append(("gnnpipe-fixed", fixed, search.cost.estimate(fixed)))
        }
        return baselines
    }

    func divisors(_ n: Int) -> [Int] { (1...n).filter { n % $0 == 0 } }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }
}

/// Chunks from the N-way METIS partition: way w takes the parts [w·N/D, (w+1)·N/D); its vertices, ordered by part
/// then id, are cut into C_w consecutive pieces of equal size (heuristic: chunk quality changes staleness and
/// imbalance, not the volumes).
enum Chunking {
    static func chunks(partition: Partition, ways: Int, chunksPerWay: Int) -> [Int] {
        let gpus = partition.partCount
        var members = [[Int]](repeating: [], count: ways)
        let order = partition.parts.indices.sorted { (partition.parts[$0], $0) < (partition.parts[$1], $1) }
        for v in order { members[Int(partition.parts[v]) * ways / gpus].append(v) }
        var chunkOf = [Int](repeating: 0, count: partition.parts.count)
        for (way, vertices) in members.enumerated() {
            for (index, v) in vertices.enumerated() {
                chunkOf[v] = way * chunksPerWay + index * chunksPerWay / max(vertices.count, 1)
            }
        }
        return chunkOf
    }
}
