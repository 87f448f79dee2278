import ParaPlan
import SolverFixtures

/// Batches of long sequences only (uniform lengths, FlexSP's GPT-7B profile with its 64-GPU bandwidth beyond 64
/// GPUs): memory-bound steps of three or four micro-batches, where the plans sit furthest above the bound.
enum LongSequenceBenchmark {
    /// (sequences, shortest, longest, GPUs).
    static let shapes = [(40, 4_000, 60_000, 64), (75, 5_000, 100_000, 256), (150, 3_000, 40_000, 256),
                         (200, 6_000, 80_000, 512), (600, 2_000, 50_000, 1_024)]
    static let seeds: [UInt64] = [11, 12, 13]

    static func lengths(_ count: Int, _ shortest: Int, _ longest: Int, seed: UInt64) -> [Int] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in shortest + Int(random.next() % UInt64(longest - shortest)) }
    }

    static func run(repetitions: Int) throws -> [String] {
        var rows = ["| sequences | tokens each | GPUs | seed | micro-batches | step s | bound s | gap to bound "
                    + "| planning ms (median) |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        var gaps: [Double] = []
        for (count, shortest, longest, gpus) in shapes {
            let planner = try SequenceParallelPlanner(cost: .flexSPGPT7B(gpus: gpus).withDerivedBandwidth(upTo: gpus))
            for seed in seeds {
                let batch = lengths(count, shortest, longest, seed: seed)
                let (result, time) = try SequenceParallelBenchmark.planned(planner, batch, repetitions: repetitions)
                guard let bound = result.lowerBoundSeconds else { continue }
                let gap = (result.stepSeconds - bound) / result.stepSeconds
                gaps.append(gap)
                rows.append(String(format: "| %d | %dK-%dK | %d | %d | %d | %.4f | %.4f | %.2f %% | %.1f |", count,
                                   shortest / 1000, longest / 1000, gpus, seed, result.microBatches.count,
                                   result.stepSeconds, bound, gap * 100, time * 1000))
            }
        }
        rows.append(String(format: "| **%d batches** | | | | | | | mean %.2f %%, worst %.2f %% | |", gaps.count,
                           gaps.reduce(0, +) / Double(max(1, gaps.count)) * 100, (gaps.max() ?? .nan) * 100))
        return rows
    }
}
