import ParaPlan
import SolverFixtures

/// Batches of long sequences only (uniform lengths, FlexSP's GPT-7B profile with its 64-GPU bandwidth beyond 64
/// GPUs): memory-bound steps of three or four micro-batches, where the plans sit furthest above the bound.
enum LongSequenceBenchmark {
    /// (sequences, shortest, longest, GPUs).
    static let shapes = [
        (40, 4_000, 60_000, 64), (75, 5_000, 100_000, 256), (150, 3_000, 40_000, 256),
        (200, 6_000, 80_000, 512), (600, 2_000, 50_000, 1_024),
    ]
    static let seeds: [UInt64] = [11, 12, 13]

    /// 64-GPU batches run through FlexSP's released solver (flexsp branch, unmodified, SCIP time limit 10 s, on this
    /// machine on 2026-12-06 with `scripts/flexsp_solver_driver.py`): (sequences, shortest, longest, its step for
    /// seeds 11, 12, 13), lengths rounded up to multiples of 128 as FlexSP reads them.
    static let flexSPShapes: [(Int, Int, Int, [Double])] = [
        (40, 4_000, 60_000, [12.9797, 14.6858, 16.7187]),
        (30, 10_000, 120_000, [31.4609, 36.7858, 32.8745]),
        (80, 2_000, 40_000, [17.9619, 15.0490, 14.9846]),
    ]

    static func lengths(_ count: Int, _ shortest: Int, _ longest: Int, seed: UInt64) -> [Int] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in shortest + Int(random.next() % UInt64(longest - shortest)) }
    }

    /// Ours against FlexSP's released solver on the same 64-GPU batches (FlexSP's cost model, which ours reproduces).
    static func againstFlexSP(repetitions: Int) throws -> [String] {
        var rows = [
            "| sequences | tokens each | seed | ours s | FlexSP s | ours / FlexSP | gap to our bound "
                + "| planning ms (median) |", "|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        let planner = try SequenceParallelPlanner(cost: .flexSPGPT7B())
        var ratios: [Double] = []
        for (count, shortest, longest, flexSP) in flexSPShapes {
            for (seed, theirs) in zip(seeds, flexSP) {
                let batch = lengths(count, shortest, longest, seed: seed).map { ($0 + 127) / 128 * 128 }
                let (result, time) = try SequenceParallelBenchmark.planned(planner, batch, repetitions: repetitions)
                let gap = result.lowerBoundSeconds.map { (result.stepSeconds - $0) / result.stepSeconds } ?? .nan
                ratios.append(result.stepSeconds / theirs)
                rows.append(
                    String(
                        format: "| %d | %dK-%dK | %d | %.4f | %.4f | %.3f | %.2f %% | %.1f |", count,
                        shortest / 1000, longest / 1000, seed, result.stepSeconds, theirs,
                        result.stepSeconds / theirs, gap * 100, time * 1000))
            }
        }
        rows.append(
            String(
                format: "| **%d batches** | | | | | ours / FlexSP %.3f-%.3f | | |", ratios.count,
                ratios.min() ?? .nan, ratios.max() ?? .nan))
        return rows
    }

    static func run(repetitions: Int) throws -> [String] {
        var rows = [
            "| sequences | tokens each | GPUs | seed | micro-batches | step s | bound s | gap to bound "
                + "| planning ms (median) |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        var gaps: [Double] = []
        for (count, shortest, longest, gpus) in shapes {
            let planner = try SequenceParallelPlanner(cost: .flexSPGPT7B(gpus: gpus).withDerivedBandwidth(upTo: gpus))
            for seed in seeds {
                let batch = lengths(count, shortest, longest, seed: seed)
                let (result, time) = try SequenceParallelBenchmark.planned(planner, batch, repetitions: repetitions)
                guard let bound = result.lowerBoundSeconds else { continue }
                let gap = (result.stepSeconds - bound) / result.stepSeconds
                gaps.append(gap)
                rows.append(
                    String(
                        format: "| %d | %dK-%dK | %d | %d | %d | %.4f | %.4f | %.2f %% | %.1f |", count,
                        shortest / 1000, longest / 1000, gpus, seed, result.microBatches.count,
                        result.stepSeconds, bound, gap * 100, time * 1000))
            }
        }
        rows.append(
            String(
                format: "| **%d batches** | | | | | | | mean %.2f %%, worst %.2f %% | |", gaps.count,
                gaps.reduce(0, +) / Double(max(1, gaps.count)) * 100, (gaps.max() ?? .nan) * 100))
        return rows
    }
}
