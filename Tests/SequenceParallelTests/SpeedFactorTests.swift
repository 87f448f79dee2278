import CostModel
import ExecutionPlan
import Foundation
import Testing

@testable import SequenceParallel

/// Ranks of unequal speed: a group runs at its slowest member's speed, so the planner keeps slow ranks in light groups
/// (or idle), and a plan made as if every rank were nominal loses.
@Suite struct SequenceParallelSpeedTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func batches() throws -> [(name: String, lengths: [Int], gpus: Int)] {
        let text = try String(
            contentsOf: root.appendingPathComponent("Examples/batches/wikipedia-batch0.txt"), encoding: .utf8)
        let wikipedia = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var random = SplitMix(seed: 11)
        // Pareto-tailed lengths (α ≈ 1.2) from 256 tokens, capped at 32K and 64K.
        func tailed(_ count: Int, cap: Double) -> [Int] {
            (0..<count).map { _ in
                let u = Double(random.next() >> 11) / Double(1 << 53)
                return Int(min(cap, 256 * pow(1 - u, -1 / 1.2)))
            }
        }
        let short = tailed(256, cap: 32768)
        let long = tailed(128, cap: 65536)
        return [
            ("wikipedia-0", wikipedia, 64), ("tailed-32k", short, 64), ("tailed-64k", long, 32),
            ("tailed-32k-16", short, 16),
        ]
    }

    /// Lengths and GPU count are the arguments' index into `batches()`.
    @Test(arguments: 0..<4)
    func oneHalfSpeedRankCostsLittleMoreThanItsCapacity(index: Int) throws {
        let batch = try Self.batches()[index]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: batch.gpus)
        for slow in [0, batch.gpus / 2 + 3, batch.gpus - 1] {
            let speeds = (0..<batch.gpus).map { $0 == slow ? 0.5 : 1.0 }
            let nominal = try SequenceParallelPlanner(cost: cost).plan(lengths: batch.lengths)
            let result = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(
                lengths: batch.lengths)
            // Where groups are small against the cluster, losing half a rank's speed costs at most its share of the
            // capacity, and 1 % more. Where the longest sequences need half the ranks, a group holding the slow rank
            // is unavoidable or half the cluster idles, and only the checks below apply.
            let capacity = Double(batch.gpus) / speeds.reduce(0, +)
            let smallestDegree =
                cost.degrees.first { cost.fits(Double(batch.lengths.max() ?? 0), degree: $0) } ?? batch.gpus
            if smallestDegree <= batch.gpus / 4 {
                #expect(
                    result.stepSeconds <= nominal.stepSeconds * capacity * 1.01,
                    "\(batch.name), slow rank \(slow): \(result.stepSeconds) against \(nominal.stepSeconds) × \(capacity)"
                )
            }
            let bound = try #require(result.lowerBoundSeconds)
            #expect(bound <= result.stepSeconds)
            #expect(bound >= (nominal.lowerBoundSeconds ?? 0) * (1 - 1e-9))
            // The plan made without the speeds, run on these ranks, waits for the slow one.
            let blind = try #require(result.baselines.first { $0.name == "speed-blind" })
            #expect(
                blind.stepSeconds >= result.stepSeconds * (1 - 1e-12), "\(batch.name): speed-blind \(blind.stepSeconds)"
            )
            if batch.name == "wikipedia-0" {
                #expect(blind.stepSeconds > result.stepSeconds * 1.2)
                // 1.35 % with the speed-aware exchange search; 1.8 % when it ran at nominal speed.
                #expect(
                    result.stepSeconds <= bound * 1.015,
                    "slow rank \(slow): \(result.stepSeconds) against \(bound)")
            }
            // Every group's sequences at its degree, at its slowest rank's speed, fit its micro-batch's prediction.
            for microBatch in result.microBatches {
                for group in microBatch.groups {
                    let speed = speeds[group.firstRank..<(group.firstRank + group.degree)].min() ?? 1
                    let load = group.sequences.reduce(0.0) {
                        $0 + cost.time(Double(batch.lengths[$1]), degree: group.degree)
                    }
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

    /// Tiny instances with one rank at half speed, solved exhaustively over every place of the slow rank: the
    /// speed-aware bound never passes the optimum, and the plan is within 1 % of it (measured on these 32: the optimum
    /// itself in all; 29 before mixed blocks were split, 2.7 % above it at worst, where the last micro-batch kept the
    /// slow rank busy instead of idle).
    @Test(arguments: 0..<32)
    func boundUnderSpeedsIsValidAgainstBruteForce(seed: Int) throws {
        let (cost, lengths) = BruteForceTests.tinyInstance(seed: UInt64(2000 + seed), minimum: 2, spread: 6)
        let speeds = (0..<cost.gpus).map { $0 == seed % cost.gpus ? 0.5 : 1.0 }
        let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init), slowSpeed: 0.5).optimum()
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        let result = try planner.plan(lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound <= optimum * (1 + 1e-9), "bound \(bound) above optimum \(optimum) for \(lengths)")
        #expect(result.stepSeconds >= optimum * (1 - 1e-9))
        #expect(result.stepSeconds <= optimum * 1.01, "plan \(result.stepSeconds) vs optimum \(optimum) for \(lengths)")
    }

    /// Tiny instances on ranks of many speeds (0.25 to 2), solved exhaustively over every aligned placement: the bound,
    /// with its per-degree capacity rows (`LowerBound.classCapacities`), never passes the optimum.
    @Test(arguments: 0..<16)
    func boundUnderManySpeedsIsValidAgainstBruteForce(seed: Int) throws {
        // Four GPUs and 6-8 sequences, or (one seed in four) eight GPUs and 6: enough work that the capacity rows bind.
        let eight = seed % 4 == 3
        let (cost, lengths) = BruteForceTests.tinyInstance(
            seed: UInt64(2100 + 2 * seed + (eight ? 1 : 0)), minimum: 6,
            spread: eight ? 1 : 3)
        var generator = SplitMix(seed: UInt64(2200 + seed))
        let speeds = (0..<cost.gpus).map { _ in [0.25, 0.5, 1, 1, 2][Int(generator.next() % 5)] }
        let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init), speeds: speeds).optimum()
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        let result = try planner.plan(lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound <= optimum * (1 + 1e-9), "bound \(bound) above optimum \(optimum) for \(lengths) on \(speeds)")
        #expect(result.stepSeconds >= optimum * (1 - 1e-9))
    }

    /// A sequence that fits only a group of every rank runs at the slow rank's speed, and the bound knows it: a
    /// group of degree d runs at most at the d-th fastest speed.
    @Test func aGroupOfEveryRankRunsAtTheSlowestSpeed() throws {
        let cost = BruteForceTests.tinyCost(gpus: 8)
        let length = 7.5 * cost.tokensPerGPU
        let speeds = (0..<8).map { $0 == 5 ? 0.5 : 1.0 }
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        let result = try planner.plan(lengths: [Int(length)])
        let exact = cost.time(Double(Int(length)), degree: 8) / 0.5 + cost.beta1
        #expect(abs(result.stepSeconds - exact) <= 1e-9 * exact)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound >= exact * (1 - 1e-4), "bound \(bound) against the exact \(exact)")
    }

    /// Slow ranks in both halves of 8 GPUs: every aligned block of 4 holds one (the plan format puts a group of
    /// degree d on a multiple of d), so a sequence that needs 4 or 8 ranks runs at half speed, in the plan and the
    /// bound.
    @Test func everyAlignedBlockHoldingASlowRankSlowsItsGroup() throws {
        let cost = BruteForceTests.tinyCost(gpus: 8)
        let length = Int(3.5 * cost.tokensPerGPU)
        let speeds = (0..<8).map { $0 == 1 || $0 == 6 ? 0.5 : 1.0 }
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        let result = try planner.plan(lengths: [length])
        let exact = min(cost.time(Double(length), degree: 4), cost.time(Double(length), degree: 8)) / 0.5 + cost.beta1
        #expect(abs(result.stepSeconds - exact) <= 1e-9 * exact)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound >= exact * (1 - 1e-4), "bound \(bound) against the exact \(exact)")
    }

    /// Wikipedia batch 0 with ranks 3 and 40 at half speed: no block of 32 or 64 avoids both. The plan stays near the
    /// bound (1.6 %; 2.2 % before the aligned-block bound and the priced step) and beats the speed-blind plan.
    @Test func twoSlowRanksInDifferentHalves() throws {
        let lengths = try Self.batches()[0].lengths
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let speeds = (0..<64).map { $0 == 3 || $0 == 40 ? 0.5 : 1.0 }
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        let result = try planner.plan(lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(result.stepSeconds <= bound * 1.025, "plan \(result.stepSeconds) against bound \(bound)")
        let blind = try #require(result.baselines.first { $0.name == "speed-blind" })
        #expect(blind.stepSeconds > result.stepSeconds * 1.2)
        #expect(try result.executionPlan().firstInvariantViolation() == nil)
    }

    /// Wikipedia batch 0 with its longest sequence replaced by one of 102,912 tokens (batch 9's), which needs a group
    /// of 32 or 64 of the 64 GPUs: with one rank at half speed, the bound prices a 64-group at half speed and a
    /// 32-group beside only the other 32 GPUs' memory, where it used to take the nominal group time.
    @Test func aSlowRankRaisesTheBoundOfALongSequence() throws {
        var lengths = try Self.batches()[0].lengths
        lengths[lengths.indices.max { lengths[$0] < lengths[$1] } ?? 0] = 102_912
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let speeds = (0..<64).map { $0 == 13 ? 0.5 : 1.0 }
        let nominal = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths)
        let slow = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds)).plan(lengths: lengths)
        let nominalBound = try #require(nominal.lowerBoundSeconds)
        let bound = try #require(slow.lowerBoundSeconds)
        // Capacity alone (63.5 of 64) raises it by under 1 %; the old bound was 0.5 % above the nominal one.
        #expect(bound >= nominalBound * 1.03, "bound \(bound) against \(nominalBound) at nominal speed")
        #expect(slow.stepSeconds <= bound * 1.02, "plan \(slow.stepSeconds) against bound \(bound)")
    }

    @Test func equalSpeedsScaleTheNominalPlan() throws {
        let batch = try Self.batches()[0]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let nominal = try SequenceParallelPlanner(cost: cost).plan(lengths: batch.lengths)
        let half = try SequenceParallelPlanner(
            cost: cost, options: .init(speedFactors: Array(repeating: 0.5, count: 64))
        )
        .plan(lengths: batch.lengths)
        #expect(half.microBatches.map(\.groups) == nominal.microBatches.map(\.groups))
        #expect(abs(half.stepSeconds - 2 * nominal.stepSeconds) <= 1e-12 * nominal.stepSeconds)
    }

    @Test func speedsAreCheckedByName() {
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 8)
        #expect(throws: SequenceParallelError.invalidSpeedFactors("speedFactors: 2 values for 8 GPUs (one per GPU)")) {
            try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: [1, 1]))
        }
        #expect(
            throws: SequenceParallelError.invalidSpeedFactors(
                "speedFactors[3] = -1.0: must be a number from 0.001 to 1000")
        ) {
            try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: [1, 1, 1, -1, 1, 1, 1, 1]))
        }
    }
}
