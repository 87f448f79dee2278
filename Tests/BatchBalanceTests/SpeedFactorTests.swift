import CostModel
import ExecutionPlan
import Foundation
import SolverFixtures
import Testing

@testable import BatchBalance

/// Ranks of unequal speed (`speedFactors`): slower ranks get less work, and the plan is judged against a bound that
/// accounts for speed.
@Suite struct SpeedFactorTests {
    static let cost = BatchBalanceTests.cost

    static func halfSpeed(ranks: Int, slow: Int) -> [Double] {
        (0..<ranks).map { $0 == slow ? 0.5 : 1 }
    }

    @Test(arguments: 0..<8)
    func oneHalfSpeedRankStaysWithinOnePercentOfTheBound(seed: Int) throws {
        let ranks = [4, 8, 16, 32][seed % 4]
        let count = ranks * (8 + 4 * seed)
        let samples = BatchBalanceTests.random(seed: UInt64(100 + seed), count: count, multimodal: seed % 2 == 1)
        let speeds = Self.halfSpeed(ranks: ranks, slow: seed % ranks)
        let options = BatchBalancer.Options(
            ranks: ranks, microBatches: seed % 3 == 0 ? 2 : nil, equalCounts: seed % 4 == 1,
            speedFactors: speeds)
        let result = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
        #expect(
            result.stepSeconds <= result.lowerBoundSeconds * 1.01,
            "step \(result.stepSeconds), bound \(result.lowerBoundSeconds)")
        // The bound accounts for speed: it is at least all the work over the summed speed.
        let work = samples.reduce(0.0) {
            $0 + Self.cost.llm.seconds(Double($1.tokens))
                + $1.images.reduce(0) { $0 + (Self.cost.encoder?.seconds(Double($1)) ?? 0) }
        }
        #expect(result.lowerBoundSeconds >= work / speeds.reduce(0, +) * (1 - 1e-12))
        // Every rank's predicted time is its samples' work at its speed.
        for rank in result.ranks {
            let items = rank.microBatches.joined()
            let seconds =
                items.reduce(0.0) { total, index in
                    total + Self.cost.llm.seconds(Double(samples[index].tokens))
                        + samples[index].images.reduce(0) { $0 + (Self.cost.encoder?.seconds(Double($1)) ?? 0) }
                } / speeds[rank.rank]
            #expect(abs(seconds - rank.predictedSeconds) <= 1e-9 * max(1, seconds))
        }
        let slowRank = result.ranks[seed % ranks]
        let others = result.ranks.filter { $0.rank != seed % ranks }
        let meanOtherTokens = Double(others.reduce(0) { $0 + ($1.tokens ?? 0) }) / Double(others.count)
        #expect(
            Double(slowRank.tokens ?? 0) < 0.75 * meanOtherTokens,
            "the slow rank carries \(slowRank.tokens ?? 0) tokens")
        // Speed-blind balancing (the same rules, every rank at 1) loses: the slow rank takes a full share.
        let blind = try #require(result.baselines.first { $0.name == "speed-blind" })
        #expect(blind.stepSeconds > result.stepSeconds * 1.5)
        #expect(result.baselines.allSatisfy { $0.stepSeconds >= result.stepSeconds * (1 - 1e-12) })
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
    }

    /// Small batches: the plan is the optimum a brute force over every assignment finds.
    @Test(arguments: 0..<6)
    func smallBatchesAreOptimal(seed: Int) throws {
        var generator = LengthGenerator(seed: UInt64(200 + seed))
        let samples = (0..<7).map { _ in Sample(tokens: generator.proLongLike()) }
        let speeds = [1.0, 0.5, [0.8, 1.3, 0.25][seed % 3]]
        let result = try BatchBalancer(cost: Self.cost, options: .init(ranks: 3, speedFactors: speeds)).plan(samples)
        let weights = samples.map { Self.cost.llm.seconds(Double($0.tokens)) }
        var best = Double.infinity
        for code in 0..<Int(pow(3.0, Double(samples.count))) {
            var loads = [0.0, 0.0, 0.0]
            var rest = code
            for weight in weights {
                loads[rest % 3] += weight
                rest /= 3
            }
            best = min(best, zip(loads, speeds).map { $0 / $1 }.max() ?? 0)
        }
        #expect(abs(result.stepSeconds - best) <= 1e-9 * best, "plan \(result.stepSeconds), optimum \(best)")
        #expect(result.lowerBoundSeconds <= best * (1 + 1e-12))
    }

    /// Moving fewer samples never trades a slow rank's light share with a fast rank's.
    @Test func relabellingKeepsSharesOnRanksOfTheirSpeed() throws {
        let samples = BatchBalanceTests.random(seed: 7, count: 64, multimodal: false)
        let speeds = [1.0, 1.0, 0.5, 1.0]
        let result = try BatchBalancer(cost: Self.cost, options: .init(ranks: 4, speedFactors: speeds)).plan(samples)
        #expect(result.moved != nil)
        #expect(result.stepSeconds <= result.lowerBoundSeconds * 1.01)
        #expect((result.ranks[2].tokens ?? 0) < result.ranks.filter { $0.rank != 2 }.compactMap(\.tokens).min() ?? 0)
    }

    @Test func equalSpeedsGiveTheUnscaledPlanAtTheirSpeed() throws {
        let samples = BatchBalanceTests.random(seed: 3, count: 96, multimodal: true)
        let plain = try BatchBalancer(cost: Self.cost, options: .init(ranks: 8)).plan(samples)
        let half = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: 8, speedFactors: Array(repeating: 0.5, count: 8))
        ).plan(samples)
        #expect(half.ranks.map(\.microBatches) == plain.ranks.map(\.microBatches))
        #expect(abs(half.stepSeconds - 2 * plain.stepSeconds) <= 1e-12 * plain.stepSeconds)
    }

    @Test func badSpeedFactorsAreRefusedByName() {
        #expect(throws: BatchBalanceError.invalidCombination("speedFactors: 3 values for 4 ranks (one per rank)")) {
            try BatchBalancer(cost: Self.cost, options: .init(ranks: 4, speedFactors: [1, 1, 1]))
        }
        #expect(
            throws: BatchBalanceError.invalidCombination("speedFactors[1] = nan: must be a number from 0.001 to 1000")
        ) {
            try BatchBalancer(cost: Self.cost, options: .init(ranks: 2, speedFactors: [1, .nan]))
        }
    }

    @Test func perRankSpeedIsTheSlowestGPUOfTheRank() {
        #expect(SpeedFactors.perRank([1, 0.5, 1, 1, 0.9, 1], ranks: 3) == [0.5, 1, 0.9])
        #expect(SpeedFactors.perRank([1, 1, 1], ranks: 2) == nil)
    }
}
