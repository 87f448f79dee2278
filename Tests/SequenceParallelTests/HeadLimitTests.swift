import CostModel
import Foundation
import SequenceParallel
import Testing

/// Plans from a model config are plans the model can run: every Ulysses group's degree divides the query heads
/// (the all-to-all hands each rank whole heads), and every sequence fits its group's memory.
@Suite struct HeadLimitTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/models")

    static func configs() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: models, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(".config.json") || $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A long-tailed batch: mostly short documents, a few up to 128K tokens.
    static let batch: [Int] = (0..<256).map { i in i % 64 == 0 ? 131_072 >> (i / 64) : 256 + (i * 7_919) % 6_000 }

    @Test func noGroupBreaksAHeadLimitOnAnyExampleModel() throws {
        var planned = 0
        for url in try Self.configs() {
            let model = try TransformerModel.load(data: try Data(contentsOf: url), source: url.lastPathComponent)
            for cluster in ["hgx-h100:8", "hgx-h100:32"] {
                guard let cost = try? SequenceParallelCost.derive(model: model, cluster: try Cluster.preset(cluster)) else { continue }
                #expect(cost.degrees.allSatisfy { model.heads % $0 == 0 }, "\(url.lastPathComponent): \(cost.degrees)")
                guard let result = try? SequenceParallelPlanner(cost: cost).plan(lengths: Self.batch) else { continue }
                planned += 1
                for microBatch in result.microBatches {
                    for group in microBatch.groups {
                        #expect(model.heads % group.degree == 0, "\(url.lastPathComponent) on \(cluster): degree \(group.degree)")
                        let tokens = group.sequences.reduce(0.0) { $0 + Double(Self.batch[$1]) }
                        #expect(tokens / Double(group.degree) <= cost.tokensPerGPU + 1e-9, "\(url.lastPathComponent): memory")
                    }
                }
            }
        }
        #expect(planned >= 10)
    }

    /// Llama-3-8B has 32 query heads: on 64 GPUs no Ulysses group is wider than 32.
    @Test func llama8BStopsAtItsHeads() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cost = try SequenceParallelCost.derive(model: model, cluster: try Cluster.preset("hgx-h100:8"))
        #expect(cost.degrees == [1, 2, 4, 8, 16, 32])
        // Past the 8 KV heads, K and V are replicated: the all-to-all is priced with the extra bytes.
        let bytesRatio = (cost.bandwidth[16] ?? 0) / (cost.bandwidth[8] ?? 1)
        #expect(bytesRatio < 1)
    }
}
