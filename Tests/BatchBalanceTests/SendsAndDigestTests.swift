import CostModel
import ExecutionPlan
import Foundation
import Testing

@testable import BatchBalance

/// What a runtime needs from a batch-balancing plan: every movement, each rank's tokens, a digest of every input.
@Suite struct SendsAndDigestTests {
    static func plan(_ samples: [Sample], options: BatchBalancer.Options) throws -> Plan<BatchBalancePlan> {
        try BatchBalancer(cost: BatchBalanceTests.cost, options: options).plan(samples).executionPlan()
    }

    @Test(arguments: 0..<6)
    func sendsListEveryMoveAndOnlyMoves(seed: Int) throws {
        let samples = BatchBalanceTests.random(seed: UInt64(seed), count: 64, multimodal: seed % 2 == 1)
        let plan = try Self.plan(
            samples, options: .init(ranks: 4, microBatches: 2, equalCounts: true, separateEncoder: seed % 2 == 1))
        #expect(plan.firstInvariantViolation() == nil)
        var runner: [Int: Int] = [:]
        for rank in plan.body.ranks { for sample in rank.microBatches.joined() { runner[sample] = rank.rank } }
        let expected = samples.indices.compactMap { index -> BatchBalancePlan.Send? in
            let from = samples[index].loadedRank ?? -1
            return from == runner[index] ? nil : .init(sample: index, from: from, to: runner[index] ?? -1)
        }
        #expect(plan.body.sends == expected)
        #expect(plan.body.moved?.samples == expected.count)
        for rank in plan.body.ranks {
            #expect(rank.tokens == rank.microBatches.joined().reduce(0) { $0 + samples[$1].tokens })
        }
    }

    @Test func noLoadedRanksNoSends() throws {
        let samples = (0..<16).map { Sample(tokens: 1000 + 37 * $0) }
        let plan = try Self.plan(samples, options: .init(ranks: 4))
        #expect(plan.body.sends == nil && plan.body.moved == nil)
    }

    @Test func theDigestCoversImagesRanksAndOptions() throws {
        let base = (0..<16).map { Sample(tokens: 1000 + 37 * $0, images: $0 % 3 == 0 ? [200] : [], loadedRank: $0 % 4) }
        let options = BatchBalancer.Options(ranks: 4, separateEncoder: true)
        let reference = try Self.plan(base, options: options).inputs
        var otherImages = base
        otherImages[3].images = [300]
        var otherRanks = base
        otherRanks[5].loadedRank = 0
        var otherOptions = options
        otherOptions.equalCounts = true
        let changed = [
            try Self.plan(otherImages, options: options).inputs, try Self.plan(otherRanks, options: options).inputs,
            try Self.plan(base, options: otherOptions).inputs,
        ]
        for digest in changed { #expect(digest.sha256 != reference.sha256) }
        #expect(changed[0].batchSha256 != reference.batchSha256 && changed[1].batchSha256 != reference.batchSha256)
        #expect(changed[2].batchSha256 == reference.batchSha256)
        #expect(try Self.plan(base, options: options).inputs == reference)
    }

    @Test func theValidatorChecksSends() throws {
        let samples = BatchBalanceTests.random(seed: 3, count: 32, multimodal: false)
        let plan = try Self.plan(samples, options: .init(ranks: 4, equalCounts: true))
        let sends = try #require(plan.body.sends)
        #expect(!sends.isEmpty)
        var wrongTarget = plan
        wrongTarget.body.sends?[0].to = (sends[0].to + 1) % 4
        #expect(wrongTarget.firstInvariantViolation()?.path == "sends[0].to")
        var toItself = plan
        toItself.body.sends?[0].from = sends[0].to
        #expect(toItself.firstInvariantViolation()?.path == "sends[0].from")
        var twice = plan
        twice.body.sends?.append(sends[0])
        #expect(twice.firstInvariantViolation()?.path.hasSuffix(".sample") == true)
        var fewTokens = plan
        fewTokens.body.ranks[1].tokens = 0
        #expect(fewTokens.firstInvariantViolation()?.path == "ranks[1].tokens")
    }
}
