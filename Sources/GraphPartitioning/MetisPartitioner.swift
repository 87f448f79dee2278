import CMetis
import Synchronization

/// A k-way vertex partition and METIS' objective value for it.
public struct Partition: Sendable, Equatable {
    /// `parts[v]` in 0 ..< partCount.
    public let parts: [Int32]
    public let partCount: Int
    /// With `.communicationVolume` the total communication volume (the mirror count M); with `.edgeCut` the cut.
    /// 0 for k = 1.
    public let objective: Int
    /// Whether METIS saw the label-propagation quotient graph rather than the graph itself.
    public internal(set) var precoarsened = false
}

/// METIS 5.1 `METIS_PartGraphKway` through its C API (shared/references/gnnpipe.md §6).
public enum MetisPartitioner {
    /// METIS keeps its random generator in process-wide state (GKlib), so two concurrent calls disturb each other's
    /// seeds and the parts stop being reproducible: calls are serialised.
    private static let serialised = Mutex(())

    public enum Objective: Sendable {
        /// Minimise total communication volume: with unit vertex sizes METIS reports the mirror count M.
        case communicationVolume
        case edgeCut
    }

    /// k-way partition with a fixed seed, so every machine gets the same parts. k = 1 never reaches METIS
    /// (5.1.0 divides by zero there).
    public static func partition(
        _ graph: Graph, parts: Int, objective: Objective = .communicationVolume,
        seed: Int32 = 1
    ) throws(GraphError) -> Partition {
        guard parts >= 1 else { throw GraphError(location: "parts", reason: "\(parts): need at least one part") }
        guard parts <= graph.vertexCount else {
            throw GraphError(location: "parts", reason: "\(parts) parts for \(graph.vertexCount) vertices")
        }
        if parts == 1 || graph.edgeCount == 0 {
            // One part, or no edges: nothing for METIS to cut. Vertices in contiguous blocks keep parts balanced.
            let count = graph.vertexCount
            return Partition(parts: (0..<count).map { Int32($0 * parts / count) }, partCount: parts, objective: 0)
        }
        if let partition = try partitionSettingAsideIsolated(graph, parts: parts, objective: objective, seed: seed) {
            return partition
        }
        if objective == .edgeCut && graph.neighbors.count > precoarseningEntryLimit,
            let coarsened = try partitionCoarsened(graph, parts: parts, seed: seed)
        {
            return coarsened
        }
        let (result, value) = try callMetis(
            offsets: graph.offsets, neighbors: graph.neighbors, vertexWeights: nil,
            edgeWeights: nil, parts: parts, objective: objective, seed: seed)
        return Partition(parts: result, partCount: parts, objective: value)
    }

    /// Above this many adjacency entries (2M undirected edges), edge-cut partitions first shrink the graph by
    /// size-constrained label propagation and hand METIS the weighted quotient graph: METIS' own coarsening stalls
    /// on power-law hubs and took 12 s on a 1M-vertex, 9.8M-edge graph (docs/gnn-pipeline.md#metis).
    public static let precoarseningEntryLimit = 4_000_000

    /// Nil when the clustering leaves fewer clusters than parts, or no edges between them: METIS takes the graph whole.
    static func partitionCoarsened(_ graph: Graph, parts: Int, seed: Int32) throws(GraphError) -> Partition? {
        // Clusters of at most an eighth of a part leave METIS room to balance (3 %). Smaller caps split communities:
        // a 1/64 cap cut 79 % of a community graph's edges in the clustering alone, and METIS could not undo it.
        let maximumClusterSize = max(1, graph.vertexCount / (parts * 8))
        let (clusterOf, clusterCount) = Coarsening.clusters(
            of: graph, maximumClusterSize: maximumClusterSize, rounds: 3)
        let coarse = Coarsening.contract(graph, clusterOf: clusterOf, clusterCount: clusterCount)
        guard clusterCount >= parts, !coarse.neighbors.isEmpty else { return nil }
        let (coarseParts, _) = try callMetis(
            offsets: coarse.offsets, neighbors: coarse.neighbors,
            vertexWeights: coarse.vertexWeights, edgeWeights: coarse.edgeWeights,
            parts: parts, objective: .edgeCut, seed: seed)
        var projected = clusterOf.map { coarseParts[Int($0)] }
        let partSize = (graph.vertexCount + parts - 1) / parts
        let largest = projected.reduce(into: [Int](repeating: 0, count: parts)) { $0[Int($1)] += 1 }.max() ?? partSize
        Refinement.refine(
            graph, parts: &projected, partCount: parts,
            maximumPartSize: max(largest, Int(1.03 * Double(partSize))), rounds: 3)
        var partition = Partition(parts: projected, partCount: parts, objective: graph.edgeCut(parts: projected))
        partition.precoarsened = true
        return partition
    }

    private static func callMetis(
        offsets: [Int32], neighbors: [Int32], vertexWeights: [Int32]?, edgeWeights: [Int32]?,
        parts: Int, objective: Objective, seed: Int32
    ) throws(GraphError) -> ([Int32], Int) {
        var vertexCount = idx_t(offsets.count - 1)
        var constraints: idx_t = 1
        var partCount = idx_t(parts)
        var options = [idx_t](repeating: 0, count: Int(METIS_NOPTIONS))
        METIS_SetDefaultOptions(&options)
        options[Int(METIS_OPTION_OBJTYPE.rawValue)] = idx_t(
            objective == .communicationVolume ? METIS_OBJTYPE_VOL.rawValue : METIS_OBJTYPE_CUT.rawValue)
        options[Int(METIS_OPTION_SEED.rawValue)] = seed
        options[Int(METIS_OPTION_NUMBERING.rawValue)] = 0
        // 2-hop matching helps METIS coarsen power-law graphs but costs more than it saves here: 1.5× faster
        // without it on a 100K-vertex Barabási–Albert graph, cut within 1 %.
        options[Int(METIS_OPTION_NO2HOP.rawValue)] = 1
        // Two refinement passes instead of ten: 35 % faster on a
        // 1M-vertex, 10M-edge power-law graph, mirrors within 1 %.
        options[Int(METIS_OPTION_NITER.rawValue)] = 2
        var objectiveValue: idx_t = 0
        var result = [idx_t](repeating: 0, count: offsets.count - 1)
        var xadj = offsets
        var adjncy = neighbors
        var vwgt = vertexWeights ?? []
        var adjwgt = edgeWeights ?? []
        let status = serialised.withLock { _ in
            xadj.withUnsafeMutableBufferPointer { xadj in
                adjncy.withUnsafeMutableBufferPointer { adjncy in
                    vwgt.withUnsafeMutableBufferPointer { vwgt in
                        adjwgt.withUnsafeMutableBufferPointer { adjwgt in
                            METIS_PartGraphKway(
                                &vertexCount, &constraints, xadj.baseAddress, adjncy.baseAddress,
                                vertexWeights == nil ? nil : vwgt.baseAddress, nil,
                                edgeWeights == nil ? nil : adjwgt.baseAddress,
                                &partCount, nil, nil, &options, &objectiveValue, &result)
                        }
                    }
                }
            }
        }
        guard status == Int32(METIS_OK.rawValue) else {
            throw GraphError(location: "METIS", reason: "METIS_PartGraphKway returned \(status) (\(describe(status)))")
        }
        return (result, Int(objectiveValue))
    }

    private static func describe(_ status: Int32) -> String {
        switch status {
        case Int32(METIS_ERROR_INPUT.rawValue): "input error"
        case Int32(METIS_ERROR_MEMORY.rawValue): "out of memory"
        default: "error"
        }
    }
}
