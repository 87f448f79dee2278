import Foundation
import ParaPlan

/// Slow ranks where memory decides the step (docs/sequence-parallel.md §Ranks of unequal speed, "Memory-dense steps
/// beside slow ranks"): derived profiles whose micro-batches are nearly full at nominal speed, planned nominally and
/// with slow ranks. The slow-rank step is set against the nominal one scaled by the capacity lost (N/Σs), which a plan
/// that only lost that capacity would reach, and against its own bound.
enum SequenceParallelSpeedMemoryBenchmark {
    struct Case {
        let model: String
        let cluster: String
        /// Wikipedia lengths rounded up to multiples of 2N (as the other tables) or as recorded (up to 120,000).
        let rounded: Bool
        let perGPU: Int
        let slow: [Int: Double]
    }

    static let cases = [
        Case(model: "llama-3-70b", cluster: "hgx-h100:16", rounded: true, perGPU: 8, slow: [13: 0.5]),
        Case(model: "llama-3-70b", cluster: "hgx-h200:16", rounded: true, perGPU: 12, slow: [3: 0.5, 104: 0.5]),
        Case(model: "qwen3-8b", cluster: "hgx-b200:8", rounded: false, perGPU: 24, slow: [13: 0.5]),
        Case(model: "gemma-2-9b", cluster: "hgx-h100:8", rounded: true, perGPU: 24, slow: [3: 0.5, 40: 0.5]),
    ]

    static func run() throws -> [String] {
        guard let recorded = SequenceParallelBenchmark.wikipediaLengths() else {
            return ["(Wikipedia sample not found)"]
        }
        var rows = [
            "| model | cluster | sequences | slow ranks | nominal step s | slow-rank step s | nominal × N/Σs "
                + "| gap to its bound | planning ms |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|",
        ]
        for item in cases {
            guard let model = TransformerModel.preset(named: item.model) else { continue }
            let cluster = try Cluster.preset(item.cluster)
            let gpus = cluster.gpuCount
            let lengths =
                item.rounded
                ? SequenceParallelBenchmark.wikipedia(gpus: gpus) ?? [] : recorded.filter { $0 <= 120_000 }
            let batch = Array(lengths.prefix(item.perGPU * gpus))
            let cost = try SequenceParallelCost.derive(model: model, cluster: cluster)
            let speeds = (0..<gpus).map { item.slow[$0] ?? 1.0 }
            let nominal = try SequenceParallelPlanner(cost: cost).plan(lengths: batch)
            let slow = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(
                lengths: batch)
            let capacity = Double(gpus) / speeds.reduce(0, +)
            let gap = (slow.stepSeconds - (slow.lowerBoundSeconds ?? .nan)) / slow.stepSeconds
            let slowRanks = item.slow.keys.sorted().map { "\($0) at \(item.slow[$0] ?? 1)" }.joined(separator: ", ")
            rows.append(
                String(
                    format: "| %@ | %@ | %d | %@ | %.3f | %.3f | %.3f | %.2f %% | %.0f |", item.model, item.cluster,
                    batch.count, slowRanks, nominal.stepSeconds, slow.stepSeconds, nominal.stepSeconds * capacity,
                    gap * 100, slow.planningSeconds * 1000))
        }
        return rows
    }
}
