import CostModel
import Testing

@testable import GNNPipeline

/// Volumes against the GNNPipe artifact's logs (shared/references/gnnpipe.md §1.2 and §8); GiB = 2^30 bytes.
@Suite struct VolumeTests {
    let gib = 1_073_741_824.0
    let cluster = Cluster(gpu: GPUSpec.preset(named: "a100-40gb")!, nodes: 2, gpusPerNode: 4)

    func cost(_ type: GNNLayerType, input: Int, hidden: Int, output: Int, vertices: Int) -> GNNPipelineCost {
        GNNPipelineCost(
            model: GNNModel(type: type, layers: 32, inputWidth: input, hiddenWidth: hidden, outputWidth: output),
            cluster: cluster, vertices: vertices, edges: 57_307_946)
    }

    @Test func redditGraphParallelAndPipeline() {
        let reddit = cost(.gcn, input: 602, hidden: 100, output: 41, vertices: 232_965)
        let graphParallel = reddit.volume(.init(ways: 8, stageLayers: [0..<32], chunksPerWay: 1, mirrors: 607_420))
        #expect(graphParallel.graph == 15_549_952_000)
        #expect((graphParallel.graph / gib * 1000).rounded() / 1000 == 14.482)
        let pipeline = reddit.volume(
            .init(ways: 1, stageLayers: LayoutSearch.equalSplit(layers: 32, stages: 8), chunksPerWay: 32, mirrors: 0))
        #expect(pipeline.layer == 1_304_604_000)
        #expect((pipeline.layer / gib * 1000).rounded() / 1000 == 1.215)
        #expect(pipeline.graph == 0 && pipeline.weights == 0)
        // GCNII forwards the initial embedding too: twice the width at every boundary.
        let gcnii = cost(.gcnii, input: 602, hidden: 100, output: 41, vertices: 232_965)
        let gcniiPipeline = gcnii.volume(
            .init(ways: 1, stageLayers: LayoutSearch.equalSplit(layers: 32, stages: 8), chunksPerWay: 32, mirrors: 0))
        #expect((gcniiPipeline.layer / gib * 1000).rounded() / 1000 == 2.430)
    }

    @Test func redditHybridTwoWaysFourStages() {
        let reddit = cost(.gcn, input: 602, hidden: 100, output: 41, vertices: 232_965)
        let hybrid = reddit.volume(
            .init(
                ways: 2, stageLayers: LayoutSearch.equalSplit(layers: 32, stages: 4), chunksPerWay: 16, mirrors: 224_152
            ))
        #expect((hybrid.graph / gib * 1000).rounded() / 1000 == 5.344)
        #expect((hybrid.layer / gib * 1000).rounded() / 1000 == 0.521)
    }

    @Test func squirrelWeightAllReduce() {
        let squirrel = cost(.gcn, input: 2089, hidden: 1000, output: 5, vertices: 5201)
        #expect((0..<32).reduce(0) { $0 + squirrel.model.weights($1) } == 32_094_000)
        let graphParallel = squirrel.volume(.init(ways: 8, stageLayers: [0..<32], chunksPerWay: 1, mirrors: 11_547))
        #expect((graphParallel.weights / gib * 1000).rounded() / 1000 == 1.674)
        #expect(((graphParallel.graph + graphParallel.weights) / gib * 1000).rounded() / 1000 == 4.427)
    }

    @Test func bubbleAndEqualSplit() {
        let reddit = cost(.gcn, input: 602, hidden: 100, output: 41, vertices: 232_965)
        let estimate = reddit.estimate(
            .init(ways: 1, stageLayers: LayoutSearch.equalSplit(layers: 32, stages: 8), chunksPerWay: 32, mirrors: 0))
        #expect(abs(estimate.bubbleFraction - 7.0 / 39) < 1e-12)
        let split = LayoutSearch.equalSplit(layers: 33, stages: 8)
        #expect(split == [0..<5, 5..<9, 9..<13, 13..<17, 17..<21, 21..<25, 25..<29, 29..<33])
    }

    /// GNNPipe's chunk-count sweep fits T = a + b/C + c·C with its optimum near 27.5 (reference §3.3): the model's
    /// per-pass time has the same U shape in C.
    @Test func epochTimeIsUShapedInChunks() {
        let products = GNNPipelineCost(
            model: GNNModel(type: .gcn, layers: 8, inputWidth: 100, hiddenWidth: 48, outputWidth: 47),
            cluster: Cluster(gpu: GPUSpec.preset(named: "a100-40gb")!, nodes: 1, gpusPerNode: 4),
            vertices: 2_449_029, edges: 61_859_140)
        let times = [1, 4, 16, 64, 512].map {
            products.estimate(
                .init(ways: 1, stageLayers: LayoutSearch.equalSplit(layers: 8, stages: 4), chunksPerWay: $0, mirrors: 0)
            ).epochSeconds
        }
        #expect(times[0] > times[2] && times[4] > times[2])
    }
}
