import CostModel
import ExecutionPlan
import Foundation
import InputFiles
import SequenceParallel
import Testing

/// Plans from a model config are plans the model can run: every group's Ulysses block divides the query heads (the
/// all-to-all hands each rank whole heads), wider groups run a ring or a Ulysses × ring hybrid, and every sequence
/// fits its group's memory.
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
        var ringGroups = 0
        for url in try Self.configs() {
            let model = try TransformerModel.load(data: try Data(contentsOf: url), source: url.lastPathComponent)
            for cluster in ["hgx-h100:8", "hgx-h100:32"] {
                guard let cost = try? SequenceParallelCost.derive(model: model, cluster: try Cluster.preset(cluster))
                else { continue }
                for degree in cost.degrees {
                    for scheme in cost.candidates(degree: degree) {
                        #expect(
                            model.heads % scheme.ulysses == 0 && scheme.ulysses * scheme.ring == degree,
                            "\(url.lastPathComponent)")
                    }
                }
                guard let result = try? SequenceParallelPlanner(cost: cost).plan(lengths: Self.batch) else { continue }
                planned += 1
                let plan = try result.executionPlan()
                #expect(plan.firstInvariantViolation() == nil)
                for microBatch in result.microBatches {
                    var busiest = 0.0
                    for group in microBatch.groups {
                        let ulysses = group.ulysses ?? group.degree
                        #expect(
                            model.heads % ulysses == 0, "\(url.lastPathComponent) on \(cluster): Ulysses \(ulysses)")
                        if group.ring != nil { ringGroups += 1 }
                        let tokens = group.sequences.reduce(0.0) { $0 + Double(Self.batch[$1]) }
                        #expect(
                            tokens / Double(group.degree) <= cost.tokensPerGPU + 1e-9,
                            "\(url.lastPathComponent): memory")
                        // The group's time is its sequences' under the scheme it states, and that scheme is allowed.
                        let scheme = try cost.scheme(degree: group.degree, ulysses: group.ulysses, ring: group.ring)
                            .get()
                        busiest = max(
                            busiest,
                            group.sequences.reduce(0.0) {
                                $0 + cost.time(Double(Self.batch[$1]), degree: group.degree, scheme: scheme)
                            })
                    }
                    #expect(
                        abs(busiest + cost.beta1 - microBatch.predictedSeconds) <= 1e-9 * microBatch.predictedSeconds)
                }
            }
        }
        #expect(planned >= 10)
        #expect(ringGroups > 0)
    }

    /// Llama-3-8B has 32 query heads: on 64 GPUs no Ulysses block is wider than 32, and a 64-wide group runs a ring.
    @Test func llama8BRingsPastItsHeads() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cost = try SequenceParallelCost.derive(model: model, cluster: try Cluster.preset("hgx-h100:8"))
        #expect(cost.maxUlyssesDegree == 32)
        #expect(cost.degrees == [1, 2, 4, 8, 16, 32, 64])
        #expect(cost.candidates(degree: 64).allSatisfy { $0.ring >= 2 && $0.ulysses <= 32 })
        #expect(cost.candidates(degree: 8).first == .init(ulysses: 8, ring: 1))
        // Past the 8 KV heads, K and V are replicated: the all-to-all is priced with the extra bytes.
        let bytesRatio = (cost.bandwidth[16] ?? 0) / (cost.bandwidth[8] ?? 1)
        #expect(bytesRatio < 1)
        // A sequence too long for 32 GPUs now plans, on a 64-wide ring group.
        let longest = Int(cost.tokensPerGPU * 48)
        let result = try SequenceParallelPlanner(cost: cost).plan(lengths: [longest, 4_096, 2_048])
        let wide = try #require(result.microBatches.flatMap(\.groups).first { $0.sequences.contains(0) })
        #expect(wide.degree == 64 && (wide.ring ?? 1) >= 2 && (wide.ulysses ?? 1) <= 32)
    }
}
