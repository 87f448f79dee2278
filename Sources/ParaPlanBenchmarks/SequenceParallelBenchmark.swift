import Foundation
import ParaPlan

/// FlexSP's evaluation on the Wikipedia sample: GPT-7B profile, 64 GPUs, global batches of 512 (batches 0-19),
/// against FlexSP's released solver's predictions on the same batches (../shared/references/flexsp.md; issue 4).
enum SequenceParallelBenchmark {
    static let flexSP: [Double] = [
        3.100, 5.688, 3.621, 3.771, 3.558, 3.316, 4.927, 2.947, 5.163, 6.870,
        3.889, 3.446, 4.273, 2.998, 4.629, 2.874, 3.368, 4.532, 3.789, 3.102,
    ]

    /// FlexSP's reading: pad to a multiple of 2·N, drop what exceeds 192,000 − 2·N.
    static func wikipedia(gpus: Int = 64) -> [Int]? {
        let unit = 2 * gpus
        return wikipediaLengths()?.map { ($0 + unit - 1) / unit * unit }.filter { $0 <= 192_000 - unit }
    }

    /// The Wikipedia sample's lengths as recorded (`PARAPLAN_WIKIPEDIA` or ../shared/data/wikipedia-lengths.txt).
    static func wikipediaLengths() -> [Int]? {
        let path = ProcessInfo.processInfo.environment["PARAPLAN_WIKIPEDIA"] ?? "../shared/data/wikipedia-lengths.txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").compactMap { Int($0) }
    }

    /// The batch planned `repetitions` times (at least once): the last result and the median planning time.
    static func planned(_ planner: SequenceParallelPlanner, _ batch: [Int], repetitions: Int) throws
        -> (result: SequenceParallelResult, planningSeconds: Double)
    {
        var samples: [Double] = []
        var result = try planner.plan(lengths: batch)
        samples.append(result.planningSeconds)
        for _ in 1..<max(1, repetitions) {
            result = try planner.plan(lengths: batch)
            samples.append(result.planningSeconds)
        }
        return (result, median(samples))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    static func run(repetitions: Int) throws -> [String] {
        guard let all = wikipedia() else { return ["(Wikipedia sample not found; set PARAPLAN_WIKIPEDIA)"] }
        let planner = try SequenceParallelPlanner(cost: .flexSPGPT7B())
        var rows = [
            "| batch | ours s | FlexSP s | ours / FlexSP | lower bound s | gap to bound | best-homogeneous s | static-sp-64 s | planning ms (median) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        var sums = (ours: 0.0, flexSP: 0.0, bound: 0.0, homogeneous: 0.0, staticSP: 0.0)
        var gaps: [Double] = []
        var times: [Double] = []
        var tightGaps: [Double] = []
        var worstRatio = 0.0
        for index in 0..<20 {
            let batch = Array(all[(512 * index)..<(512 * index + 512)])
            let (result, time) = try planned(planner, batch, repetitions: repetitions)
            let bound = result.lowerBoundSeconds ?? 0
            let homogeneous = result.baselines.first { $0.name == "best-homogeneous" }?.stepSeconds ?? .nan
            let staticSP = result.baselines.first { $0.name == "static-sp-64" }?.stepSeconds ?? .nan
            let gap = (result.stepSeconds - bound) / result.stepSeconds
            sums.ours += result.stepSeconds
            sums.flexSP += flexSP[index]
            sums.bound += bound
            sums.homogeneous += homogeneous
            sums.staticSP += staticSP
            gaps.append(gap)
            times.append(time)
            worstRatio = max(worstRatio, result.stepSeconds / flexSP[index])
            if let tight = try planner.tightLowerBound(lengths: batch) {
                tightGaps.append((result.stepSeconds - tight) / result.stepSeconds)
            }
            rows.append(
                String(
                    format: "| %d | %.3f | %.3f | %.3f | %.3f | %.1f %% | %.3f | %.3f | %.1f |", index,
                    result.stepSeconds, flexSP[index],
                    result.stepSeconds / flexSP[index], bound, gap * 100, homogeneous, staticSP, time * 1000))
        }
        rows.append(
            String(
                format: "| **sum 0-19** | **%.2f** | %.2f | %.3f | %.2f | mean %.1f %% | %.2f | %.2f | median %.1f |",
                sums.ours, sums.flexSP,
                sums.ours / sums.flexSP, sums.bound, gaps.reduce(0, +) / Double(max(gaps.count, 1)) * 100,
                sums.homogeneous,
                sums.staticSP, median(times) * 1000))
        rows.append(String(format: "\nWorst batch ours / FlexSP: %.3f.", worstRatio))
        let meanTightGap = tightGaps.reduce(0, +) / Double(max(tightGaps.count, 1))
        rows.append(
            String(
                format: "Against the tight bound (`tightLowerBound`, computed apart from planning): "
                    + "mean gap %.2f %%, worst %.2f %%.", meanTightGap * 100, (tightGaps.max() ?? .nan) * 100))
        return rows
    }

    /// Planning time against GPUs and batch size, on Wikipedia lengths (capped at what the cluster holds).
    static func scaling(repetitions: Int) throws -> [String] {
        guard let all = wikipedia() else { return [] }
        var rows = [
            "| GPUs | sequences | micro-batches | planning ms (median) | gap to bound | gap to the tight bound "
                + "(its seconds) |", "|---:|---:|---:|---:|---:|---:|",
        ]
        for (gpus, sequences) in [(64, 512), (256, 2048), (1024, 8192), (4096, 16384)] {
            let planner = try SequenceParallelPlanner(cost: .flexSPGPT7B(gpus: gpus).withDerivedBandwidth(upTo: gpus))
            let batch = Array(all.prefix(sequences))
            let (result, time) = try planned(planner, batch, repetitions: max(1, repetitions / 4))
            let gap = result.lowerBoundSeconds.map { (result.stepSeconds - $0) / result.stepSeconds * 100 } ?? .nan
            // The offline bound (`tightLowerBound`), timed once: it is a certificate, not part of planning.
            var tight: Double?
            let tightSeconds = try Measurement.run("tight bound", warmups: 0, repetitions: 1) {
                tight = try planner.tightLowerBound(lengths: batch)
            }.median
            let tightGap = tight.map { (result.stepSeconds - $0) / result.stepSeconds * 100 } ?? .nan
            rows.append(
                String(
                    format: "| %d | %d | %d | %.1f | %.1f %% | %.1f %% (%.1f s) |", gpus, sequences,
                    result.microBatches.count, time * 1000, gap, tightGap, tightSeconds))
        }
        return rows
    }
}

extension SequenceParallelCost {
    /// FlexSP measured up to 64 GPUs; larger clusters keep the 64-GPU inter-node bandwidth for larger groups.
    func withDerivedBandwidth(upTo gpus: Int) -> SequenceParallelCost {
        var copy = self
        let widest = bandwidth[64] ?? bandwidth.values.min() ?? 1
        var degree = 128
        while degree <= gpus {
            copy.bandwidth[degree] = widest
            degree *= 2
        }
        return copy
    }
}
