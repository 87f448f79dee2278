import Foundation
import ParaPlan
import SolverFixtures

/// Batch balancing over heavy-tailed text and skewed multimodal batches (issue 5's suite).
enum BatchBalanceBenchmark {
    /// FlexSP's fitted GPT-7B coefficients for the LLM phase (per sample on one GPU); an illustrative ViT encoder whose
    /// attention makes large images expensive.
    static let cost = BatchBalanceCost(
        llm: PhaseCost(secondsPerToken: 1.839576e-4, secondsPerToken2: 5.128e-9),
        encoder: PhaseCost(secondsPerToken: 4.0e-5, secondsPerToken2: 2.0e-8), bytesPerToken: 4)

    struct Case {
        let name: String
        let samples: [Sample]
        let ranks: Int
        let equalCounts: Bool
        let cap: Int?
        let microBatches: Int?
    }

    static func textCases() -> [Case] {
        var cases: [Case] = []
        let wikipedia = SequenceParallelBenchmark.wikipedia(gpus: 1)?.map { min($0, 32768) } ?? []
        for (count, ranks) in [(256, 8), (1024, 64), (8192, 512)] {
            for source in ["wlb", "prolong", "wikipedia"] {
                var generator = LengthGenerator(seed: UInt64(count * 31 + ranks))
                let lengths: [Int] =
                    switch source {
                    case "wlb": (0..<count).map { _ in generator.wlbLike() }
                    case "prolong": (0..<count).map { _ in generator.proLongLike() }
                    default: Array(wikipedia.prefix(count))
                    }
                guard lengths.count == count else { continue }
                let samples = lengths.enumerated().map { Sample(tokens: $1, loadedRank: $0 * ranks / count) }
                // Caps leave 30 % slack over the average micro-batch and admit the longest sample.
                let cap = max(lengths.max() ?? 0, Int(1.3 * Double(lengths.reduce(0, +)) / Double(ranks * 2)))
                for equal in [true, false] {
                    cases.append(
                        Case(
                            name: "\(source) \(count)/\(ranks)", samples: samples, ranks: ranks, equalCounts: equal,
                            cap: nil, microBatches: nil))
                }
                cases.append(
                    Case(
                        name: "\(source) \(count)/\(ranks) cap \(cap / 1024)K", samples: samples, ranks: ranks,
                        equalCounts: true,
                        cap: cap, microBatches: 2))
            }
        }
        return cases
    }

    static func run() throws -> [String] {
        var rows = [
            "| batch | equal counts | cap, micro-batches | ours / bound | as-loaded | lpt | verl-kk | planning ms |",
            "|---|---|---|---:|---:|---:|---:|---:|",
        ]
        var equalRatios: [Double] = []
        var losses = 0
        var times: [(Int, Double)] = []
        // PARAPLAN_BENCH_CASE=text picks the text batches whose name contains it (for profiling one batch).
        let only = ProcessInfo.processInfo.environment["PARAPLAN_BENCH_CASE"]
        for item in textCases() where only.map({ item.name.contains($0) }) ?? true {
            let balancer = try BatchBalancer(
                cost: cost,
                options: .init(
                    ranks: item.ranks, microBatches: item.microBatches,
                    equalCounts: item.equalCounts, maxTokensPerMicroBatch: item.cap))
            var samples: [Double] = []
            var result: BatchBalanceResult?
            for _ in 0..<5 {
                let planned = try balancer.plan(item.samples)
                samples.append(planned.planningSeconds)
                result = planned
            }
            guard let result else { continue }
            let bound = result.lowerBoundSeconds
            let ratio = result.stepSeconds / bound
            if item.equalCounts { equalRatios.append(ratio) }
            func baseline(_ name: String) -> String {
                guard let value = result.baselines.first(where: { $0.name == name })?.stepSeconds else { return "n/a" }
                if value < result.stepSeconds - 1e-9 { losses += 1 }
                return String(format: "%.3f", value / bound)
            }
            let time = SequenceParallelBenchmark.median(samples)
            times.append((item.samples.count, time))
            rows.append(
                String(
                    format: "| %@ | %@ | %@ | %.4f | %@ | %@ | %@ | %.2f |", item.name, item.equalCounts ? "yes" : "no",
                    item.cap.map { "\($0 / 1024)K, \(item.microBatches ?? 0)" } ?? "none", ratio,
                    baseline("as-loaded"), baseline("lpt"), baseline("verl-kk"), time * 1000))
        }
        let mean = equalRatios.reduce(0, +) / Double(max(equalRatios.count, 1))
        rows.append("")
        rows.append(
            String(
                format:
                    "With equal counts: ours / bound %.4f on average, %.4f worst, over %d batches; runs where a baseline beat ours: %d.",
                mean, equalRatios.max() ?? 0, equalRatios.count, losses))
        let at1024 = times.filter { $0.0 == 1024 }.map(\.1)
        let at8192 = times.filter { $0.0 == 8192 }.map(\.1)
        rows.append(
            String(
                format: "Planning, median: %.2f ms at 1,024 samples on 64 ranks; %.2f ms at 8,192 on 512.",
                SequenceParallelBenchmark.median(at1024) * 1000, SequenceParallelBenchmark.median(at8192) * 1000))
        if only == nil { rows += try MultimodalBalanceBenchmark.run() }
        return rows
    }
}
