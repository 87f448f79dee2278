import CostModel
import ExecutionPlan
import Foundation
import Testing
@testable import SequenceParallel

/// Ranks of unequal speed: a group runs at its slowest member's speed, so the planner keeps slow ranks in light groups
/// (or idle), and a plan made as if every rank were nominal loses.
@Suite struct SequenceParallelSpeedTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func batches() throws -> [(name: String, lengths: [Int], gpus: Int)] {
        let text = try String(contentsOf: root.appendingPathComponent("Examples/batches/wikipedia-batch0.txt"), encoding: .utf8)
        let wikipedia = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var random = SplitMix(seed: 11)
        // Pareto-tailed lengths (α ≈ 1.2) from 256 tokens, capped at 32K and 64K.
        func tailed(_ count: Int, cap: Double) -> [Int] {
            (0..<count).map { _ in
                let u = Double(random.next() >> 11) / Double(1 << 53)
                return Int(min(cap, 256 * pow(1 - u, -1 / 1.2)))
            }
        }
        let short = tailed(256, cap: 32768), long = tailed(128, cap: 65536)
        return [("wikipedia-0", wikipedia, 64), ("tailed-32k", short, 64), ("tailed-64k", long, 32), ("tailed-32k-16", short, 16)]
    }

    /// Lengths and GPU count are the arguments' index into `batches()`.
    @Test(arguments: 0..<4)
    func oneHalfSpeedRankCostsLittleMoreThanItsCapacity(index: Int) throws {
        let batch = try Self.batches()[index]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: batch.gpus)
        for slow in [0, batch.gpus / 2 + 3, batch.gpus - 1] {
            let speeds = (0..<batch.gpus).map { $0 == slow ? 0.5 : 1.0 }
            let nominal = try SequenceParallelPlanner(cost: cost).plan(lengths: batch.lengths)
            let result = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(lengths: batch.lengths)
            // Where groups are small against the cluster, losing half a rank's speed costs at most its share of the
            // capacity, and 1 % more. Where the longest sequences need half the ranks, a group holding the slow rank
            // is unavoidable or half the cluster idles, and only the checks below apply.
            let capacity = Double(batch.gpus) / speeds.reduce(0, +)
            let smallestDegree = cost.degrees.first { cost.fits(Double(batch.lengths.max() ?? 0), degree: $0) } ?? batch.gpus
            if smallestDegree <= batch.gpus / 4 {
                #expect(result.stepSeconds <= nominal.stepSeconds * capacity * 1.01,
                        "\(batch.name), slow rank \(slow): \(result.stepSeconds) against \(nominal.stepSeconds) × \(capacity)")
            }
            let bound = try #require(result.lowerBoundSeconds)
            #expect(bound <= result.stepSeconds)
            #expect(bound >= (nominal.lowerBoundSeconds ?? 0) * (1 - 1e-9))
            // The plan made without the speeds, run on these ranks, waits for the slow one.
            let blind = try #require(result.baselines.first { $0.name == "speed-blind" })
            #expect(blind.stepSeconds >= result.stepSeconds * (1 - 1e-12), "\(batch.name): speed-blind \(blind.stepSeconds)")
            if batch.name == "wikipedia-0" { #expect(blind.stepSeconds > result.stepSeconds * 1.2) }
            // Every group's sequences at its degree, at its slowest rank's speed, fit its micro-batch's prediction.
            for microBatch in result.microBatches {
                for group in microBatch.groups {
                    let speed = speeds[group.firstRank..<(group.firstRank + group.degree)].min() ?? 1
                    let load = group.sequences.reduce(0.0) { $0 + cost.time(Double(batch.lengths[$1]), degree: group.degree) }
                    #expect(load / speed + cost.beta1 <= microBatch.predictedSeconds * (1 + 1e-9))
                    let tokens = group.sequences.reduce(0.0) { $0 + Double(batch.lengths[$1]) } / Double(group.degree)
                    #expect(tokens <= cost.tokensPerGPU * (1 + 1e-9))
                }
            }
            let plan = try result.executionPlan()
            #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
            #expect(Set(result.microBatches.flatMap { $0.groups.flatMap(\.sequences) }).count == batch.lengths.count)
        }
    }

    @Test func equalSpeedsScaleTheNominalPlan() throws {
        let batch = try Self.batches()[0]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let nominal = try SequenceParallelPlanner(cost: cost).plan(lengths: batch.lengths)
        let half = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: Array(repeating: 0.5, count: 64)))
            .plan(lengths: batch.lengths)
        #expect(half.microBatches.map(\.groups) == nominal.microBatches.map(\.groups))
        #expect(abs(half.stepSeconds - 2 * nominal.stepSeconds) <= 1e-12 * nominal.stepSeconds)
    }

    @Test func speedsAreCheckedByName() {
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 8)
        #expect(throws: SequenceParallelError.invalidSpeedFactors("speedFactors: 2 values for 8 GPUs (one per GPU)")) {
            try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: [1, 1]))
        }
        #expect(throws: SequenceParallelError.invalidSpeedFactors("speedFactors[3] = -1.0: must be a number from 0.001 to 1000")) {
            try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: [1, 1, 1, -1, 1, 1, 1, 1]))
        }
    }
}
