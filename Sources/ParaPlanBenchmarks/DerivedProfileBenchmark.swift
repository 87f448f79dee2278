import Foundation
import ParaPlan

/// Sequence-parallel plans from model configs (`--model`, `--cluster hgx-h100:<nodes>`) where memory often decides
/// the step: six models on 64 to 1,024 GPUs, each on three batches of 8N Wikipedia sequences (docs/sequence-parallel.md
/// §Optimizer, memory-dense steps). One plan per case; the planning time is that run's.
enum DerivedProfileBenchmark {
    static let models = ["llama-3-70b", "llama-3-8b", "qwen2.5-7b", "gemma-2-9b", "mixtral-8x7b", "qwen3-8b"]

    /// The three batches for N GPUs: the benchmark's (the first 8N, rounded up to multiples of 2N), another window
    /// of the rounded lengths, and the raw lengths up to 150,000 tokens.
    static func batches(gpus: Int, raw: [Int]) -> [(name: String, lengths: [Int])] {
        let count = 8 * gpus
        guard let rounded = SequenceParallelBenchmark.wikipedia(gpus: gpus), rounded.count > 2 * count else {
            return []
        }
        let start = (2 * 7_919 * gpus) % (rounded.count - count)
        let unrounded = raw.filter { $0 <= 150_000 }
        return [
            ("benchmark", Array(rounded.prefix(count))), ("other window", Array(rounded[start..<(start + count)])),
            ("raw", Array(unrounded.prefix(count))),
        ]
    }

    static func run() throws -> [String] {
        guard let raw = SequenceParallelBenchmark.wikipediaLengths() else {
            return ["(Wikipedia sample not found; set PARAPLAN_WIKIPEDIA)"]
        }
        var rows = [
            "| model | GPUs | batch | micro-batches | step s | bound s | gap to bound | planning ms |",
            "|---|---:|---|---:|---:|---:|---:|---:|",
        ]
        var gaps: [Double] = []
        for name in models {
            guard let model = TransformerModel.preset(named: name) else { continue }
            for nodes in [8, 16, 32, 64, 128] {
                let gpus = nodes * 8
                let cluster = try Cluster.preset("hgx-h100:\(nodes)")
                let cost = try SequenceParallelCost.derive(model: model, cluster: cluster)
                let planner = try SequenceParallelPlanner(cost: cost)
                for batch in batches(gpus: gpus, raw: raw) {
                    guard let result = try? planner.plan(lengths: batch.lengths) else {
                        rows.append("| \(name) | \(gpus) | \(batch.name) | (a sequence does not fit) | | | | |")
                        continue
                    }
                    let bound = result.lowerBoundSeconds ?? .nan
                    let gap = (result.stepSeconds - bound) / result.stepSeconds * 100
                    gaps.append(gap)
                    rows.append(
                        String(
                            format: "| %@ | %d | %@ | %d | %.3f | %.3f | %.1f %% | %.0f |", name, gpus,
                            batch.name, result.microBatches.count, result.stepSeconds, bound, gap,
                            result.planningSeconds * 1000))
                }
            }
        }
        let sorted = gaps.sorted()
        let mean = gaps.reduce(0, +) / Double(max(gaps.count, 1))
        let median = sorted.isEmpty ? .nan : sorted[sorted.count / 2]
        rows.append(
            String(
                format: "| **%d runs** | | | | | | mean %.1f %%, median %.1f %%, worst %.1f %% | |",
                gaps.count, mean, median, sorted.last ?? .nan))
        return rows
    }
}
