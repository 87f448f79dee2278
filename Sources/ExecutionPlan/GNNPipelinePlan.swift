/// What a GNN training layout costs per epoch.
public struct GNNEpochCost: PlanCost {
    public var epochSeconds: Double
    /// Bytes all GPUs send per epoch: mirror exchanges, stage boundaries and weight all-reduce.
    public var communicationBytes: Double
    /// (S − 1) / (C_w + S − 1): the share of pipeline slots a stage idles.
    public var bubbleFraction: Double?

    public var primarySeconds: Double { epochSeconds }

    public init(epochSeconds: Double, communicationBytes: Double, bubbleFraction: Double? = nil) {
        self.epochSeconds = epochSeconds
        self.communicationBytes = communicationBytes
        self.bubbleFraction = bubbleFraction
    }
}

/// Body of a `gnn-pipeline` plan: D graph-parallel ways × S pipeline stages, each stage's ranks and layer range, the
/// chunk count and each vertex's chunk.
public struct GNNPipelinePlan: PlanBody {
    public static let kind = PlanKind.gnnPipeline

    public struct Stage: Codable, Sendable, Equatable {
        /// Ranks D·stage ..< D·(stage + 1): the stage's ways, adjacent so they share a node.
        public var ranks: [Int]
        /// [first, end): the GNN layers this stage runs.
        public var layers: [Int]

        public init(ranks: [Int], layers: [Int]) {
            self.ranks = ranks
            self.layers = layers
        }
    }

    public typealias Cost = GNNEpochCost

    public var graphParallelWays: Int
    public var stages: [Stage]
    /// Total chunks C; way w streams chunks [w·C/D, (w+1)·C/D).
    public var chunks: Int
    /// `chunkOf[v]`: vertex v's chunk, for graphs given whole and small enough to inline.
    public var chunkOf: [Int]?
    /// A side file with one chunk id per line (vertex order), for large graphs.
    public var chunkOfFile: String?
    /// Vertices per chunk; renumbering vertices chunk by chunk (ties by id) makes chunk c a contiguous id range.
    public var chunkSizes: [Int]?
    /// How the mirror counts were obtained: "metis-volume", "metis-cut", "metis-cut-precoarsened" (cut partition of the
    /// label-propagation quotient graph, refined), "graph-stats" or "graph-stats (estimated for k = …)".
    public var mirrorsSource: String

    public init(
        graphParallelWays: Int, stages: [Stage], chunks: Int, chunkOf: [Int]?, chunkOfFile: String?,
        chunkSizes: [Int]?, mirrorsSource: String
    ) {
        self.graphParallelWays = graphParallelWays
        self.stages = stages
        self.chunks = chunks
        self.chunkOf = chunkOf
        self.chunkOfFile = chunkOfFile
        self.chunkSizes = chunkSizes
        self.mirrorsSource = mirrorsSource
    }

    /// Stages cover ranks 0 ..< D·S once each in order and the layers 0 ..< L contiguously; C is a multiple of D;
    /// chunk ids lie in 0 ..< C and match `chunkSizes`; the bubble matches (S − 1)/(C/D + S − 1).
    public func firstInvariantViolation(predicted: Predicted<GNNEpochCost>) -> PlanProblem? {
        let d = graphParallelWays
        guard d >= 1, !stages.isEmpty else {
            return PlanProblem(path: "graphParallelWays", value: "\(d)", reason: "need at least one way and one stage")
        }
        guard d <= PlanLimits.ranks, stages.count <= PlanLimits.ranks / d else {
            return PlanProblem(
                path: "graphParallelWays", value: "\(d) × \(stages.count) stages",
                reason: "more than \(PlanLimits.ranks) ranks")
        }
        guard chunks <= PlanLimits.items else {
            return PlanProblem(path: "chunks", value: "\(chunks)", reason: "must be at most \(PlanLimits.items)")
        }
        var nextLayer = 0
        for (s, stage) in stages.enumerated() {
            guard stage.ranks == Array((d * s)..<(d * (s + 1))) else {
                return PlanProblem(
                    path: "stages[\(s)].ranks", value: "\(stage.ranks)",
                    reason: "must be \(d * s)..<\(d * (s + 1)) (ways of a stage are adjacent ranks)")
            }
            guard stage.layers.count == 2, stage.layers[0] == nextLayer, stage.layers[1] > stage.layers[0] else {
                return PlanProblem(
                    path: "stages[\(s)].layers", value: "\(stage.layers)",
                    reason: "must be [\(nextLayer), end) with end > \(nextLayer)")
            }
            nextLayer = stage.layers[1]
        }
        guard chunks >= d, chunks % d == 0 else {
            return PlanProblem(
                path: "chunks", value: "\(chunks)", reason: "must be a positive multiple of graphParallelWays \(d)")
        }
        if let chunkOf {
            var sizes = [Int](repeating: 0, count: chunks)
            for (v, chunk) in chunkOf.enumerated() {
                guard chunk >= 0, chunk < chunks else {
                    return PlanProblem(path: "chunkOf[\(v)]", value: "\(chunk)", reason: "chunk outside 0..<\(chunks)")
                }
                sizes[chunk] += 1
            }
            if let chunkSizes, chunkSizes != sizes {
                return PlanProblem(
                    path: "chunkSizes", value: "\(chunkSizes.prefix(8))…", reason: "differ from the counts in chunkOf")
            }
        }
        if let bubble = predicted.cost.bubbleFraction {
            let perWay = Double(chunks / d)
            let s = Double(stages.count)
            let expected = (s - 1) / (perWay + s - 1)
            guard abs(bubble - expected) <= 1e-9 else {
                return PlanProblem(
                    path: "predicted.bubbleFraction", value: "\(bubble)", reason: "(S − 1)/(C/D + S − 1) = \(expected)")
            }
        }
        return nil
    }
}
