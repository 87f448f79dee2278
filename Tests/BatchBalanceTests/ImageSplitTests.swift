import CostModel
import ExecutionPlan
import Foundation
import InputFiles
import SolverFixtures
import Testing

@testable import BatchBalance

/// `--split-images`: images heavier than the mean rank's encoder work split over aligned groups of ranks.
@Suite struct ImageSplitTests {
    static func plan(_ samples: [Sample], ranks: Int, split: Bool, cost: BatchBalanceCost? = nil) throws
        -> BatchBalanceResult
    {
        let cost = try cost ?? ModalityMixTests.qwen2VLCost()
        return try BatchBalancer(
            cost: cost,
            options: .init(
                ranks: ranks, equalCounts: true, separateEncoder: true, keepEncoderPhase: true,
                splitImages: split)
        ).plan(samples)
    }

    @Test func shareFollowsTheFormula() {
        let phase = PhaseCost(secondsPerToken: 1e-4, secondsPerToken2: 1e-8, secondsPerSample: 0.01)
        let split = EncoderSplitCost(secondsPerToken: 1e-5, maxDegree: 8)
        // (0.1 + 0.01) / 4 + 0.01 + 1e-5 · 1000 · 3 / 16
        #expect(abs(split.share(of: phase, tokens: 1000, degree: 4) - 0.039375) < 1e-15)
        #expect(split.share(of: phase, tokens: 1000, degree: 1) == phase.seconds(1000))
    }

    /// Qwen2-VL's ViT on H100s: 32 layers × 8 all-to-alls × 4 patches per token × 1,280 × 2 bytes at NVLink's
    /// achieved bandwidth; groups up to the node's 8 GPUs.
    @Test func derivedFromTheVisionEncoder() throws {
        let cost = try ModalityMixTests.qwen2VLCost()
        let split = try #require(cost.encoderSplit)
        let cluster = try Cluster.preset("hgx-h100:1")
        #expect(split.maxDegree == 8)
        #expect(abs(split.secondsPerToken - 32.0 * 8 * 4 * 1280 * 2 / cluster.effectiveIntraNodeBandwidth) < 1e-18)
    }

    /// Few samples per rank, where one image sets the encoder bound: every image encoded once (whole on one rank, or
    /// split on exactly its group), groups aligned, each rank's time recomputed from the cost, members of a group
    /// reaching it together, the plan valid, never slower than without splitting, and within the reported potential.
    @Test(arguments: [(256, 64, UInt64(1)), (512, 128, 2), (1024, 256, 3)])
    func splitPlansPlaceEveryImageOnce(count: Int, ranks: Int, seed: UInt64) throws {
        let cost = try ModalityMixTests.qwen2VLCost()
        let encoderCost = try #require(cost.encoder)
        let splitCost = try #require(cost.encoderSplit)
        for samples in [
            ModalityMixTests.batch(seed: seed, count: count, ranks: ranks),
            SeparateEncoderTests.mixedResolution(seed: seed, count: count, ranks: ranks),
        ] {
            let split = try Self.plan(samples, ranks: ranks, split: true, cost: cost)
            let whole = try Self.plan(samples, ranks: ranks, split: false, cost: cost)
            let plan = try split.executionPlan()
            #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
            let encoder = try #require(split.encoder)
            #expect(encoder.contains { $0.shards != nil }, "nothing split")
            var encoded: [BatchBalancePlan.ImageRef: Int] = [:]
            for rank in encoder {
                var elapsed = 0.0
                for shard in rank.shards ?? [] {
                    #expect(
                        shard.firstRank % shard.degree == 0
                            && (shard.firstRank..<(shard.firstRank + shard.degree)).contains(rank.rank))
                    encoded[.init(sample: shard.sample, image: shard.image), default: 0] += 1
                    elapsed += splitCost.share(
                        of: encoderCost, tokens: Double(samples[shard.sample].images[shard.image]), degree: shard.degree
                    )
                }
                for image in rank.images {
                    encoded[image, default: 0] += 1
                    elapsed += encoderCost.seconds(Double(samples[image.sample].images[image.image]))
                }
                #expect(abs(elapsed - rank.predictedSeconds) <= 1e-9 * max(1, elapsed))
            }
            let degreeOf = Dictionary(
                encoder.flatMap { $0.shards ?? [] }.map {
                    (BatchBalancePlan.ImageRef(sample: $0.sample, image: $0.image), $0.degree)
                },
                uniquingKeysWith: { first, _ in first })
            for (index, sample) in samples.enumerated() {
                for image in sample.images.indices {
                    let ref = BatchBalancePlan.ImageRef(sample: index, image: image)
                    #expect(encoded[ref] == degreeOf[ref] ?? 1, "\(ref)")
                }
            }
            // Members of a group have run the same shares before it.
            for shard in Set(encoder.flatMap { $0.shards ?? [] }) {
                let starts = (shard.firstRank..<(shard.firstRank + shard.degree)).map { rank -> Double in
                    let before = encoder[rank].shards?.prefix { $0 != shard } ?? []
                    return before.reduce(0) {
                        $0
                            + splitCost.share(
                                of: encoderCost, tokens: Double(samples[$1.sample].images[$1.image]), degree: $1.degree)
                    }
                }
                #expect(Set(starts).count == 1, "\(shard): \(starts)")
            }
            #expect(split.stepSeconds <= whole.stepSeconds)
            #expect(split.lowerBoundSeconds <= split.stepSeconds && split.lowerBoundSeconds <= whole.lowerBoundSeconds)
            let alone = try #require(split.baselines.first { $0.name == "llm-only" }?.stepSeconds)
            let potential = try #require(split.encoderSkew).potentialSpeedUp
            #expect(alone / split.stepSeconds <= potential * (1 + 1e-9))
        }
    }

    /// Qwen2-VL's modality mix at 4 samples per rank: whole images leave the encoder bound at the largest image and
    /// gain about 1.01× over balancing the LLM phase alone; split, the same batch gains at least 1.2×.
    @Test func splittingLiftsTheLargestImageBound() throws {
        let samples = ModalityMixTests.batch(seed: 5, count: 1024, ranks: 256)
        let cost = try ModalityMixTests.qwen2VLCost()
        func gain(_ split: Bool) throws -> Double {
            let result = try BatchBalancer(
                cost: cost, options: .init(ranks: 256, equalCounts: true, separateEncoder: true, splitImages: split)
            )
            .plan(samples)
            return try #require(result.baselines.first { $0.name == "llm-only" }?.stepSeconds) / result.stepSeconds
        }
        let whole = try gain(false)
        let split = try gain(true)
        #expect(whole < 1.1, "\(whole)")
        #expect(split >= 1.2, "\(split)")
    }

    /// Small images of one size: none is heavier than the mean, nothing is split, and the plan is the unsplit one.
    @Test func nothingSplitWhenNoImageIsHeavy() throws {
        let samples = (0..<64).map { Sample(tokens: 2000 + 10 * $0, images: [256, 256]) }
        let split = try Self.plan(samples, ranks: 8, split: true)
        let whole = try Self.plan(samples, ranks: 8, split: false)
        #expect(split.encoder?.allSatisfy { $0.shards == nil } == true)
        // The same plan; only the digest differs, since it covers the options.
        var splitPlan = try split.executionPlan()
        let wholePlan = try whole.executionPlan()
        #expect(
            splitPlan.inputs.sha256 != wholePlan.inputs.sha256
                && splitPlan.inputs.batchSha256 == wholePlan.inputs.batchSha256)
        splitPlan.inputs = wholePlan.inputs
        #expect(try PlanCoding.encode(splitPlan) == PlanCoding.encode(wholePlan))
    }

    @Test func sameInputGivesTheSameBytes() throws {
        let samples = ModalityMixTests.batch(seed: 8, count: 512, ranks: 128)
        let first = try PlanCoding.encode(try Self.plan(samples, ranks: 128, split: true).executionPlan())
        let second = try PlanCoding.encode(try Self.plan(samples, ranks: 128, split: true).executionPlan())
        #expect(first == second)
    }

    @Test func badOptionsAndProfilesAreNamed() throws {
        let cost = try ModalityMixTests.qwen2VLCost()
        #expect(throws: BatchBalanceError.self) {
            try BatchBalancer(cost: cost, options: .init(ranks: 8, splitImages: true))
        }
        var noSplit = cost
        noSplit.encoderSplit = nil
        #expect {
            try BatchBalancer(cost: noSplit, options: .init(ranks: 8, separateEncoder: true, splitImages: true))
        } throws: { error in
            (error as? BatchBalanceError)?.description.contains("no encoderSplit") == true
        }
        let profile = """
            kind: batch-balance
            phases: {llm: {secondsPerToken: 1e-4, secondsPerToken2: 1e-9}, encoder: {secondsPerToken: 1e-5, secondsPerToken2: 1e-9}}
            encoderSplit: {secondsPerToken: 1e-6, maxDegree: MAX}
            """
        let loaded = try BatchBalanceCost.load(
            data: Data(profile.replacingOccurrences(of: "MAX", with: "4").utf8), source: "p.yaml")
        #expect(loaded.encoderSplit == EncoderSplitCost(secondsPerToken: 1e-6, maxDegree: 4))
        #expect {
            try BatchBalanceCost.load(
                data: Data(profile.replacingOccurrences(of: "MAX", with: "3").utf8), source: "p.yaml")
        } throws: { error in
            (error as? CostModelError)?.field == "encoderSplit.maxDegree"
        }
        let withoutEncoder =
            "kind: batch-balance\nphases: {llm: {secondsPerToken: 1e-4, secondsPerToken2: 1e-9}}\nencoderSplit: {secondsPerToken: 1e-6, maxDegree: 4}\n"
        #expect {
            try BatchBalanceCost.load(data: Data(withoutEncoder.utf8), source: "p.yaml")
        } throws: { error in
            (error as? CostModelError)?.field == "encoderSplit"
        }
    }

    /// Broken shards are rejected at their path: a group that is not a power of two, one not aligned, a member that
    /// does not list it, an image also encoded whole, shards out of order.
    @Test func validatorRejectsBrokenShards() throws {
        let samples = ModalityMixTests.batch(seed: 1, count: 256, ranks: 64)
        let plan = try Self.plan(samples, ranks: 64, split: true).executionPlan()
        let encoder = try #require(plan.body.encoder)
        let rank = try #require(encoder.firstIndex { $0.shards != nil })
        let shard = try #require(encoder[rank].shards?.first)
        func rejected(_ edit: (inout [BatchBalancePlan.EncoderRank]) -> Void) -> PlanProblem? {
            var broken = plan
            var ranks = encoder
            edit(&ranks)
            broken.body.encoder = ranks
            return broken.firstInvariantViolation()
        }
        var three = shard
        three.degree = 3
        #expect(rejected { $0[rank].shards = [three] }?.reason.contains("power of two") == true)
        var misaligned = shard
        misaligned.firstRank += 1
        #expect(rejected { $0[rank].shards = [misaligned] } != nil)
        let partner = rank == shard.firstRank ? rank + 1 : shard.firstRank
        #expect(
            rejected { $0[partner].shards = $0[partner].shards?.filter { $0 != shard } }?.reason.contains(
                "must list the shard") == true)
        #expect(
            rejected { $0[rank].images.append(.init(sample: shard.sample, image: shard.image)) }?.reason.contains(
                "also encoded whole") == true)
        // Numbers near Int.max are refused, not overflowed.
        let huge = BatchBalancePlan.Shard(sample: shard.sample, image: shard.image, firstRank: 1 << 62, degree: 1 << 62)
        #expect(rejected { $0[rank].shards = [huge] }?.reason.contains("power of two") == true)
        // A larger group listed after a smaller one.
        let wider = BatchBalancePlan.Shard(
            sample: (shard.sample + 1) % samples.count, image: 0,
            firstRank: rank / (2 * shard.degree) * 2 * shard.degree,
            degree: 2 * shard.degree)
        #expect(rejected { $0[rank].shards = [shard, wider] }?.reason.contains("larger groups first") == true)
    }
}
