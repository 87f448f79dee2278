import CostModel

/// The search over layouts (docs/gnn-pipeline.md): every D dividing N with S = N/D ≤ L, each with its best chunk
/// count and the layer split that minimises the slowest stage.
struct LayoutSearch {
    let cost: GNNPipelineCost
    let gpus: Int

    /// Chunk counts per way tried when none is given: 1, 2, 3, 4, 6, 8, 12, … up to 512.
    static let chunkCandidates: [Int] = {
        var values = Set<Int>()
        var power = 1
        while power <= 512 {
            values.insert(power)
            if power * 3 / 2 <= 512, power >= 2 { values.insert(power * 3 / 2) }
            power *= 2
        }
        return values.sorted()
    }()

    /// Contiguous layer ranges for `stages` stages minimising the slowest stage's forward + backward chunk time
    /// (the linear-partition DP, exact for this objective).
    func split(stages: Int, ways: Int, chunksPerWay: Int, mirrors: Int) -> [Range<Int>] {
        let layers = cost.model.layers
        // Each layer's piece is priced once; a stage's range is summed as j walks down from i, so the DP is
        // O(stages · layers²) instead of pricing every layer of every range again (300 layers took 40 s).
        let pieces = cost.chunkPieces(ways: ways, chunksPerWay: chunksPerWay, mirrors: mirrors)
        // best[s][i]: the least max stage time placing layers 0 ..< i on stages 0 ..< s.
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: layers + 1), count: stages + 1)
        var cut = [[Int]](repeating: [Int](repeating: 0, count: layers + 1), count: stages + 1)
        best[0][0] = 0
        for s in 1...stages {
            for i in s...(layers - (stages - s)) {
                var compute = 0.0
                var mirrorBytes = 0.0
                // Descending j, keeping ties at the smallest j (as an ascending scan with a strict comparison would).
                for j in stride(from: i - 1, through: s - 1, by: -1) {
                    compute += pieces.compute[j]
                    mirrorBytes += pieces.mirrorBytes[j]
                    guard best[s - 1][j] < .infinity else { continue }
                    let time = cost.stageSeconds(
                        compute: compute, mirrorBytes: mirrorBytes, layerCount: i - j, lastLayer: i - 1,
                        stage: s - 1, stages: stages, ways: ways, chunksPerWay: chunksPerWay)
                    let value = max(best[s - 1][j], time.forward + time.backward)
                    if value <= best[s][i] {
                        best[s][i] = value
                        cut[s][i] = j
                    }
                }
            }
        }
        var ranges: [Range<Int>] = []
        var end = layers
        for s in stride(from: stages, to: 0, by: -1) {
            let start = cut[s][end]
            ranges.insert(start..<end, at: 0)
            end = start
        }
        return ranges
    }

    /// GNNPipe's experiments: unit cost per layer, each stage filled until it reaches the mean of what is left
    /// (reference §3.1; 33 layers on 8 stages give 5, 4, 4, …).
    static func equalSplit(layers: Int, stages: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for s in 0..<stages {
            let remaining = layers - start
            let stagesLeft = stages - s
            let size = Int((Double(remaining) / Double(stagesLeft)).rounded(.up))
            let end = s == stages - 1 ? layers : min(layers - (stagesLeft - 1), start + max(1, size))
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// The best layout for `ways`, with `chunksPerWay` fixed or searched.
    func best(ways: Int, mirrors: Int, chunksPerWay fixed: Int?) -> (
        layout: GNNPipelineCost.Layout, estimate: GNNPipelineCost.Estimate
    )? {
        let stages = gpus / ways
        guard stages <= cost.model.layers else { return nil }
        var best: (GNNPipelineCost.Layout, GNNPipelineCost.Estimate)?
        let candidates = stages == 1 && fixed == nil ? [1] : (fixed.map { [$0] } ?? Self.chunkCandidates)
        for chunks in candidates where chunks * ways <= cost.vertices {
            let layout = GNNPipelineCost.Layout(
                ways: ways, stageLayers: split(stages: stages, ways: ways, chunksPerWay: chunks, mirrors: mirrors),
                chunksPerWay: chunks, mirrors: mirrors)
            let estimate = cost.estimate(layout)
            if best.map({ estimate.epochSeconds < $0.1.epochSeconds }) ?? true { best = (layout, estimate) }
        }
        return best
    }
}
