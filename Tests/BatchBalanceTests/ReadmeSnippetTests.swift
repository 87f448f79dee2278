import BatchBalance
import CostModel
import Foundation
import InputFiles
import SolverFixtures
import Testing

/// The README's batch-balancing snippet, run as written on a Qwen2-VL-7B batch.
@Test func readmeBatchBalancingSnippetRuns() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let config = try Data(contentsOf: root.appendingPathComponent("Examples/models/qwen2-vl-7b.config.json"))
    let qwen2VL = try TransformerModel.load(data: config, source: "qwen2-vl-7b.config.json")
    let cluster = try Cluster.preset("hgx-h100:1")
    var generator = LengthGenerator(seed: 3)
    let batch = (0..<512).map { index in
        let drawn = generator.modalityMix()
        return (tokens: drawn.tokens, imageTokens: drawn.images, rank: index / 8)
    }

    let balancer = try BatchBalancer(
        cost: BatchBalanceCost.derive(model: qwen2VL, cluster: cluster),  // or a profile
        options: .init(ranks: 64, microBatches: 2, equalCounts: true, separateEncoder: true))
    let step = try balancer.plan(batch.map { Sample(tokens: $0.tokens, images: $0.imageTokens, loadedRank: $0.rank) })

    #expect(
        step.ranks.count == 64
            && step.ranks.allSatisfy { $0.microBatches.count == 2 && $0.microBatches.joined().count == 8 })
    #expect(step.ranks.flatMap { $0.microBatches.joined() }.sorted() == Array(0..<512))
    #expect(Set(step.baselines.map(\.name)) == ["as-loaded", "lpt", "verl-kk", "llm-only"])
    #expect(step.baselines.allSatisfy { $0.stepSeconds >= step.stepSeconds })
    #expect((step.encoderSkew?.potentialSpeedUp ?? 0) >= 1)
}
