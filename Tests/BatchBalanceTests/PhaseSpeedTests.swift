import CostModel
import ExecutionPlan
import SolverFixtures
import Testing

@testable import BatchBalance

/// Ranks of unequal speed in the two-phase models: a separate encoder phase (`--phases encoder,llm`) and ranks
/// synchronised in every phase (`--sync-every-phase`). Each phase waits for its slowest rank at that rank's speed.
@Suite struct PhaseSpeedTests {
    static let cost = BatchBalanceTests.cost
    static let encoder = SynchronisedPhasesTests.encoder

    static func halfSpeed(ranks: Int, slow: Int) -> [Double] { (0..<ranks).map { $0 == slow ? 0.5 : 1 } }

    @Test(arguments: 0..<6)
    func separateEncoderPhaseGivesTheSlowRankLessWork(seed: Int) throws {
        let ranks = [4, 8, 16][seed % 3]
        let samples = BatchBalanceTests.random(seed: UInt64(40 + seed), count: ranks * 24, multimodal: true)
        let speeds = Self.halfSpeed(ranks: ranks, slow: seed % ranks)
        let options = BatchBalancer.Options(
            ranks: ranks, separateEncoder: true, keepEncoderPhase: true,
            speedFactors: speeds)
        let result = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
        #expect(try result.executionPlan().firstInvariantViolation() == nil)
        let encoderRanks = try #require(result.encoder)
        // Every image once; each rank's encoder time is its images' work at its speed.
        var seen: [Int: Set<Int>] = [:]
        var work = [Double](repeating: 0, count: ranks)
        for rank in encoderRanks {
            for image in rank.images {
                #expect(seen[image.sample, default: []].insert(image.image).inserted)
                work[rank.rank] += Self.encoder.seconds(Double(samples[image.sample].images[image.image]))
            }
            #expect(abs(rank.predictedSeconds - work[rank.rank] / speeds[rank.rank]) <= 1e-9 * max(1, work[rank.rank]))
        }
        #expect(seen.values.reduce(0) { $0 + $1.count } == samples.reduce(0) { $0 + $1.images.count })
        let others = work.indices.filter { speeds[$0] == 1 }.map { work[$0] }
        #expect(work[seed % ranks] < 0.75 * others.reduce(0, +) / Double(others.count))
        // Both phases near their speed-aware bounds, and the speed-blind plan well behind.
        #expect(result.lowerBoundSeconds <= result.stepSeconds)
        #expect(
            result.stepSeconds <= result.lowerBoundSeconds * 1.01,
            "\(result.stepSeconds) vs \(result.lowerBoundSeconds)")
        let blind = try #require(result.baselines.first { $0.name == "speed-blind" })
        #expect(blind.stepSeconds > result.stepSeconds * 1.2)
    }

    /// Up to 7 samples on 3 ranks of speeds (1, 0.5, x), synchronised in every phase: every assignment enumerated.
    /// The bound never exceeds the optimum, and the plan (the exact MILP at this size) reaches it.
    @Test(arguments: 0..<9)
    func synchronisedPhasesAtTheirSpeedsAreOptimal(seed: Int) throws {
        let samples = SynchronisedPhasesTests.skewed(seed: UInt64(1700 + seed), count: 5 + seed % 3)
        let speeds = [1.0, 0.5, [0.8, 1.3, 0.25][seed % 3]]
        var best = Double.infinity
        var assignment = [Int](repeating: 0, count: samples.count)
        func enumerate(_ position: Int) {
            guard position < samples.count else {
                var llm = [Double](repeating: 0, count: 3)
                var images = [Double](repeating: 0, count: 3)
                for (sample, rank) in assignment.enumerated() {
                    llm[rank] += Self.cost.llm.seconds(Double(samples[sample].tokens))
                    images[rank] += SynchronisedPhasesTests.encoderSeconds(samples[sample])
                }
                let step = (0..<3).map { llm[$0] / speeds[$0] }.max()! + (0..<3).map { images[$0] / speeds[$0] }.max()!
                best = min(best, step)
                return
            }
            for rank in 0..<3 {
                assignment[position] = rank
                enumerate(position + 1)
            }
        }
        enumerate(0)
        let options = BatchBalancer.Options(ranks: 3, syncEveryPhase: true, speedFactors: speeds)
        let result = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
        #expect(result.lowerBoundSeconds <= best * (1 + 1e-9))
        #expect(result.stepSeconds >= best * (1 - 1e-9))
        #expect(result.stepSeconds <= best * (1 + 1e-6), "plan \(result.stepSeconds), optimum \(best)")
    }

    @Test(arguments: 0..<4)
    func synchronisedPhasesGiveTheSlowRankLessOfBoth(seed: Int) throws {
        let ranks = [4, 8][seed % 2]
        let samples = SynchronisedPhasesTests.skewed(seed: UInt64(2100 + seed), count: ranks * 32)
        let speeds = Self.halfSpeed(ranks: ranks, slow: 1)
        let options = BatchBalancer.Options(ranks: ranks, syncEveryPhase: true, speedFactors: speeds)
        let result = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
        let contents = result.ranks.map { $0.microBatches.joined().map { $0 } }
        // The step is each phase's slowest rank at its speed, summed.
        let llm = contents.indices.map { rank in
            contents[rank].reduce(0.0) { $0 + Self.cost.llm.seconds(Double(samples[$1].tokens)) } / speeds[rank]
        }
        let images = contents.indices.map { rank in
            contents[rank].reduce(0.0) { $0 + SynchronisedPhasesTests.encoderSeconds(samples[$1]) } / speeds[rank]
        }
        #expect(abs(result.stepSeconds - (llm.max()! + images.max()!)) <= 1e-9 * result.stepSeconds)
        #expect(result.lowerBoundSeconds <= result.stepSeconds)
        #expect(
            result.stepSeconds <= result.lowerBoundSeconds * 1.01,
            "\(result.stepSeconds) vs \(result.lowerBoundSeconds)")
        let blind = try #require(result.baselines.first { $0.name == "speed-blind" })
        #expect(blind.stepSeconds > result.stepSeconds * 1.2)
    }

    @Test func splitImagesRefuseUnequalSpeeds() throws {
        var cost = Self.cost
        cost.encoderSplit = EncoderSplitCost(secondsPerToken: 1e-6, maxDegree: 2)
        #expect(
            throws: BatchBalanceError.invalidCombination(
                "speedFactors: unequal speeds are not supported with --split-images")
        ) {
            try BatchBalancer(
                cost: cost,
                options: .init(
                    ranks: 2, separateEncoder: true, splitImages: true,
                    speedFactors: [1, 0.5]))
        }
        // Equal speeds only scale the plan.
        _ = try BatchBalancer(
            cost: cost,
            options: .init(
                ranks: 2, separateEncoder: true, splitImages: true,
                speedFactors: [0.5, 0.5]))
    }
}
