/// Epoch time and communication volume of full-graph GNN training laid out as D graph-parallel ways × S pipeline
/// stages with C_w chunks per way (GNNPipe, shared/references/gnnpipe.md §1.2, §2, §3.3).
public struct GNNPipelineCost: Sendable {
    public let model: GNNModel
    public let cluster: Cluster
    public let vertices: Int
    /// Undirected edges; aggregation reads both directions plus one self-loop per vertex.
    public let edges: Int
    /// Fixed cost per chunk, layer and pass (kernel launches, synchronisation): 0.12 ms, fitted to GNNPipe's
    /// chunk-count sweep (reference §3.3).
    public var chunkOverheadSeconds = 0.12e-3
    /// Bytes per element (fp32).
    public let bytesPerElement = 4.0

    public init(model: GNNModel, cluster: Cluster, vertices: Int, edges: Int) {
        self.model = model
        self.cluster = cluster
        self.vertices = vertices
        self.edges = edges
    }

    /// One layout: ways D, stages S (D·S = GPUs), chunks per way, stage layer ranges, and the mirror count of the
    /// D-way vertex partition (0 for D = 1).
    public struct Layout: Sendable, Equatable {
        public var ways: Int
        public var stageLayers: [Range<Int>]
        public var chunksPerWay: Int
        public var mirrors: Int

        public init(ways: Int, stageLayers: [Range<Int>], chunksPerWay: Int, mirrors: Int) {
            self.ways = ways
            self.stageLayers = stageLayers
            self.chunksPerWay = chunksPerWay
            self.mirrors = mirrors
        }

        public var stages: Int { stageLayers.count }
    }

    public struct Estimate: Sendable, Equatable {
        public var epochSeconds: Double
        public var communicationBytes: Double
        /// Graph-level (mirror exchange) and layer-level (stage boundary) parts of `communicationBytes`.
        public var graphBytes: Double
        public var layerBytes: Double
        public var weightBytes: Double
        public var bubbleFraction: Double
    }

    /// Seconds of one layer's training work (forward + backward ≈ 3× forward) over the whole graph on one GPU:
    /// roofline of FLOPs at TF32 tensor-core rate (half the BF16 peak) and HBM traffic.
    public func layerSeconds(_ l: Int) -> Double {
        let cost = model.layerCost(l, vertices: vertices, directedEdges: 2 * edges + vertices)
        let flopRate = cluster.gpu.bf16FlopsPerSecond * 0.5 * cluster.efficiency.compute
        let byteRate = cluster.gpu.memoryBandwidth * cluster.efficiency.memory
        return max(cost.trainingFlops / flopRate, cost.trainingBytes / byteRate)
    }

    /// All layers' work spread perfectly over every GPU: no layout is faster under this model.
    public var lowerBoundSeconds: Double {
        (0..<model.layers).reduce(0) { $0 + layerSeconds($1) } / Double(cluster.gpuCount)
    }

    /// Rank = D·stage + way (GNNPipe's numbering): the D ways of a stage are adjacent, stage boundaries cross nodes
    /// once a node is full.
    private func pointToPointBandwidth(afterStage s: Int, ways: Int) -> Double {
        let last = ways * (s + 1) - 1
        let next = ways * (s + 1)
        return last / cluster.gpusPerNode == next / cluster.gpusPerNode
            ? cluster.effectiveIntraNodeBandwidth : cluster.effectiveInterNodeBandwidth
    }

    private func groupBandwidth(_ size: Int) -> Double {
        size <= cluster.gpusPerNode ? cluster.effectiveIntraNodeBandwidth : cluster.effectiveInterNodeBandwidth
    }

    /// Communication volume of the whole epoch (bytes, all GPUs), exactly as reference §1.2: graph level
    /// b·Σ_l d_l·2M, layer level 2·b·|V|·Σ_{s<S} w_s, weights 2(D−1)·|W_stage|·b summed over stages.
    public func volume(_ layout: Layout) -> (graph: Double, layer: Double, weights: Double) {
        let b = bytesPerElement
        let graph =
            layout.ways > 1
            ? (0..<model.layers).reduce(0.0) {
                $0 + b * Double(model.aggregationWidth($1)) * 2 * Double(layout.mirrors)
            } : 0
        let layer = layout.stageLayers.dropLast().reduce(0.0) {
            $0 + 2 * b * Double(vertices) * Double(model.boundaryWidth(after: $1.upperBound - 1))
        }
        let weights = 2 * Double(layout.ways - 1) * Double((0..<model.layers).reduce(0) { $0 + model.weights($1) }) * b
        return (graph, layer, weights)
    }

    /// One chunk's time on stage `stage` (layers `layers`), forward and backward (twice the work): its layers' share of
    /// the work, a fixed overhead per layer, its mirror exchange among the ways and its boundary send.
    public func stageSeconds(
        layers: Range<Int>, stage: Int, stages: Int, ways: Int, chunksPerWay: Int,
        mirrors: Int
    ) -> (forward: Double, backward: Double) {
        let pieces = chunkPieces(ways: ways, chunksPerWay: chunksPerWay, mirrors: mirrors, layers: layers)
        var compute = 0.0
        var mirrorBytes = 0.0
        for l in layers.indices {
            compute += pieces.compute[l - layers.lowerBound]
            mirrorBytes += pieces.mirrorBytes[l - layers.lowerBound]
        }
        return stageSeconds(
            compute: compute, mirrorBytes: mirrorBytes, layerCount: layers.count, lastLayer: layers.upperBound - 1,
            stage: stage, stages: stages, ways: ways, chunksPerWay: chunksPerWay)
    }

    /// What one chunk of each layer in `layers` adds to its stage: compute seconds and mirror bytes sent. A search
    /// takes them once and sums ranges itself, instead of pricing every layer of every candidate range again.
    public func chunkPieces(ways: Int, chunksPerWay: Int, mirrors: Int, layers: Range<Int>? = nil)
        -> (compute: [Double], mirrorBytes: [Double])
    {
        let perChunk = 1 / (Double(ways) * Double(chunksPerWay))
        let range = layers ?? 0..<model.layers
        let compute = range.map { layerSeconds($0) * perChunk }
        // Each way sends its share of the mirrors: M / D per GPU per layer, split over its chunks.
        let mirrorBytes = range.map { l in
            ways > 1
                ? Double(mirrors) / Double(ways) / Double(chunksPerWay) * Double(model.aggregationWidth(l))
                    * bytesPerElement : 0
        }
        return (compute, mirrorBytes)
    }

    /// A chunk's forward and backward seconds on `stage` from its layers' summed pieces.
    public func stageSeconds(
        compute: Double, mirrorBytes: Double, layerCount: Int, lastLayer: Int, stage: Int, stages: Int,
        ways: Int, chunksPerWay: Int
    ) -> (forward: Double, backward: Double) {
        let perChunk = 1 / (Double(ways) * Double(chunksPerWay))
        let overhead = Double(layerCount) * chunkOverheadSeconds
        let graphComm = ways > 1 ? mirrorBytes / groupBandwidth(ways) : 0
        let boundary =
            stage < stages - 1
            ? Double(vertices) * perChunk * Double(model.boundaryWidth(after: lastLayer)) * bytesPerElement
                / pointToPointBandwidth(afterStage: stage, ways: ways)
            : 0
        return (compute / 3 + overhead + graphComm + boundary, compute * 2 / 3 + overhead + graphComm + boundary)
    }

    /// One chunk's forward or backward on one stage, placed in the lock-step schedule `estimate` prices.
    public struct ScheduledChunk: Sendable, Equatable {
        public var stage: Int
        public var chunk: Int
        public var forward: Bool
        public var start: Double
        public var seconds: Double
    }

    /// The lock-step schedule of one epoch (the slots `estimate` counts): in the forward pass stage s runs chunk c in
    /// slot s + c, each slot as long as the slowest stage's forward; the backward pass runs stage s's chunk c in slot
    /// (S − 1 − s) + c after it; then each stage's ways all-reduce its weights (`allReduceStart`, `allReduceSeconds`).
    /// Its end is the estimate's epoch.
    public func schedule(_ layout: Layout) -> (
        chunks: [ScheduledChunk], allReduceStart: Double, allReduceSeconds: Double
    ) {
        let s = layout.stages
        let chunks = layout.chunksPerWay
        let times = layout.stageLayers.enumerated().map { index, range in
            stageSeconds(
                layers: range, stage: index, stages: s, ways: layout.ways, chunksPerWay: chunks, mirrors: layout.mirrors
            )
        }
        let forwardSlot = times.map(\.forward).max() ?? 0
        let backwardSlot = times.map(\.backward).max() ?? 0
        let slots = Double(chunks + s - 1)
        var scheduled: [ScheduledChunk] = []
        for stage in 0..<s {
            for chunk in 0..<chunks {
                scheduled.append(
                    ScheduledChunk(
                        stage: stage, chunk: chunk, forward: true, start: Double(stage + chunk) * forwardSlot,
                        seconds: times[stage].forward))
            }
        }
        for stage in 0..<s {
            for chunk in 0..<chunks {
                scheduled.append(
                    ScheduledChunk(
                        stage: stage, chunk: chunk, forward: false,
                        start: slots * forwardSlot + Double(s - 1 - stage + chunk) * backwardSlot,
                        seconds: times[stage].backward))
            }
        }
        let end = slots * (forwardSlot + backwardSlot)
        return (scheduled, end, estimate(layout).epochSeconds - end)
    }

    /// Per pass, C_w + S − 1 lock-step slots each as long as the slowest stage's chunk (GNNPipe's schedule,
    /// reference §2.2); then the weight all-reduce among each stage's ways.
    public func estimate(_ layout: Layout) -> Estimate {
        let d = Double(layout.ways)
        let chunks = Double(layout.chunksPerWay)
        let s = layout.stages
        var slowest = (forward: 0.0, backward: 0.0)
        for (index, range) in layout.stageLayers.enumerated() {
            let time = stageSeconds(
                layers: range, stage: index, stages: s, ways: layout.ways,
                chunksPerWay: layout.chunksPerWay, mirrors: layout.mirrors)
            slowest = (max(slowest.forward, time.forward), max(slowest.backward, time.backward))
        }
        let slots = chunks + Double(s - 1)
        let weightsPerStage = layout.stageLayers.map { range in
            Double(range.reduce(0) { $0 + model.weights($1) }) * bytesPerElement
        }
        let allReduce =
            layout.ways > 1
            ? (weightsPerStage.max() ?? 0) * 2 * (d - 1) / d / groupBandwidth(layout.ways)
            : 0
        let volume = volume(layout)
        return Estimate(
            epochSeconds: slots * (slowest.forward + slowest.backward) + allReduce,
            communicationBytes: volume.graph + volume.layer + volume.weights,
            graphBytes: volume.graph, layerBytes: volume.layer, weightBytes: volume.weights,
            bubbleFraction: Double(s - 1) / slots)
    }
}
