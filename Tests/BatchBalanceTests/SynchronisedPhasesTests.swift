import CostModel
import ExecutionPlan
import SolverFixtures
import Testing

@testable import BatchBalance

/// Ranks synchronised in every phase (FSDP, ZeRO-3): one assignment, step = slowest encoder rank + slowest LLM rank.
@Suite struct SynchronisedPhasesTests {
    static let cost = BatchBalanceTests.cost
    static let encoder = PhaseCost(secondsPerToken: 4e-5, secondsPerToken2: 2e-8)

    static func encoderSeconds(_ sample: Sample) -> Double {
        sample.images.reduce(0.0) { $0 + encoder.seconds(Double($1)) }
    }

    /// Slowest LLM rank plus slowest encoder rank, recomputed from the cost model.
    static func phaseMaxima(_ contents: [[Int]], _ samples: [Sample]) -> Double {
        let llm = contents.map { $0.reduce(0.0) { $0 + cost.llm.seconds(Double(samples[$1].tokens)) } }.max() ?? 0
        let images = contents.map { $0.reduce(0.0) { $0 + encoderSeconds(samples[$1]) } }.max() ?? 0
        return llm + images
    }

    /// Samples whose LLM lengths are alike and whose images are not: text-only ones next to image-heavy ones.
    static func skewed(seed: UInt64, count: Int) -> [Sample] {
        var generator = LengthGenerator(seed: seed)
        return (0..<count).map { index in
            let drawn = generator.mixedResolution()
            return Sample(tokens: drawn.tokens, images: drawn.images, loadedRank: index % 2)
        }
    }

    /// Every assignment of up to 8 samples to 2-3 ranks enumerated: the plan's per-phase maxima are the optimum.
    @Test(arguments: 0..<12)
    func tinyInstancesAreOptimal(seed: Int) throws {
        let ranks = 2 + seed % 2
        let equal = seed % 3 != 0
        let count = equal ? ranks * (2 + seed % 2) : 4 + seed % 5
        let samples = Self.skewed(seed: UInt64(900 + seed), count: count)
        var best = Double.infinity
        var assignment = [Int](repeating: 0, count: count)
        func enumerate(_ position: Int) {
            if position == count {
                var contents = [[Int]](repeating: [], count: ranks)
                for (index, rank) in assignment.enumerated() { contents[rank].append(index) }
                if equal && contents.contains(where: { $0.count != count / ranks }) { return }
                best = min(best, Self.phaseMaxima(contents, samples))
                return
            }
            for rank in 0..<ranks {
                assignment[position] = rank
                enumerate(position + 1)
            }
        }
        enumerate(0)
        let result = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: ranks, equalCounts: equal, syncEveryPhase: true)
        ).plan(samples)
        #expect(abs(result.stepSeconds - best) <= 1e-9 * best, "plan \(result.stepSeconds), optimum \(best)")
        #expect(result.lowerBoundSeconds <= best + 1e-12)
    }

    @Test(arguments: 0..<8)
    func randomBatchesKeepEveryRule(seed: Int) throws {
        let ranks = [4, 8, 16, 32][seed % 4]
        let count = ranks * (6 + seed)
        let samples = Self.skewed(seed: UInt64(40 + seed), count: count)
        let cap = max(
            samples.map(\.tokens).max() ?? 0,
            Int(1.5 * Double(samples.reduce(0) { $0 + $1.tokens }) / Double(ranks * 2)))
        let options = BatchBalancer.Options(
            ranks: ranks, microBatches: seed % 2 == 0 ? 2 : nil, equalCounts: seed % 3 != 0,
            maxTokensPerMicroBatch: seed % 2 == 0 ? cap : nil, syncEveryPhase: true)
        let result = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
        #expect(plan.body.stepModel == .phaseMaxima)
        #expect(!result.encoderBalancedSeparately)
        let contents = result.ranks.map { Array($0.microBatches.joined()) }
        #expect(Set(contents.joined()).count == count && contents.joined().count == count)
        if options.equalCounts { #expect(contents.allSatisfy { $0.count == count / ranks }) }
        if options.maxTokensPerMicroBatch != nil {
            for rank in result.ranks {
                for batch in rank.microBatches { #expect(batch.reduce(0) { $0 + samples[$1].tokens } <= cap) }
            }
        }
        // The encoder section lists exactly each rank's own samples' images, and the step is the per-phase maxima.
        let encoder = try #require(result.encoder)
        for (rank, content) in contents.enumerated() {
            let expected = content.sorted().flatMap { sample in
                samples[sample].images.indices.map { BatchBalancePlan.ImageRef(sample: sample, image: $0) }
            }
            #expect(encoder[rank].images == expected)
        }
        #expect(abs(result.stepSeconds - Self.phaseMaxima(contents, samples)) <= 1e-9 * result.stepSeconds)
        #expect(result.lowerBoundSeconds <= result.stepSeconds + 1e-12)
        for baseline in result.baselines {
            #expect(result.stepSeconds <= baseline.stepSeconds + 1e-9, "\(baseline.name)")
        }
    }

    /// Beyond the MILP's size the phase search does the work: it beats the plan balanced on encoder + LLM work
    /// together (scored per phase) and ends within 1 % of the bound on skewed batches.
    @Test(arguments: 0..<4)
    func phaseSearchBeatsBalancingTheSum(seed: Int) throws {
        let ranks = 32
        let count = 32 * 16
        let samples = Self.skewed(seed: UInt64(70 + seed), count: count)
        let summed = try BatchBalancer(cost: Self.cost, options: .init(ranks: ranks, equalCounts: true)).plan(samples)
        let summedSynchronised = Self.phaseMaxima(summed.ranks.map { Array($0.microBatches.joined()) }, samples)
        let result = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: ranks, equalCounts: true, syncEveryPhase: true)
        ).plan(samples)
        #expect(
            result.stepSeconds < summedSynchronised * 0.99,
            "ours \(result.stepSeconds), balancing the sum \(summedSynchronised)")
        #expect(result.stepSeconds <= result.lowerBoundSeconds * 1.01)
    }

    /// Known answer: two text samples and two image samples of equal LLM cost on two ranks. Balancing the sum puts one
    /// image on each rank only by chance; synchronised phases need it, and the step is then one image plus two LLMs.
    @Test func imagesAreSpreadWhenPhasesAreSynchronised() throws {
        let samples = [
            Sample(tokens: 4096), Sample(tokens: 4096), Sample(tokens: 4096, images: [4000]),
            Sample(tokens: 4096, images: [4000]),
        ]
        let result = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: 2, equalCounts: true, syncEveryPhase: true)
        ).plan(samples)
        let expected = Self.encoder.seconds(4000) + 2 * Self.cost.llm.seconds(4096)
        #expect(abs(result.stepSeconds - expected) <= 1e-12 * expected)
        #expect(result.ranks.allSatisfy { Set($0.microBatches.joined()).intersection([2, 3]).count == 1 })
    }

    /// Without the flag a text-only batch is unaffected, and the plan states the slowest-rank step model.
    @Test func textOnlyBatchesIgnoreTheFlag() throws {
        let samples = BatchBalanceTests.random(seed: 3, count: 64, multimodal: false)
        let plain = try BatchBalancer(cost: Self.cost, options: .init(ranks: 8, equalCounts: true)).plan(samples)
        let synced = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: 8, equalCounts: true, syncEveryPhase: true)
        ).plan(samples)
        #expect(plain.ranks == synced.ranks && plain.stepSeconds == synced.stepSeconds && synced.encoder == nil)
        #expect(try synced.executionPlan().body.stepModel == .slowestRank)
    }

    @Test func validatorRejectsAnEncoderPhaseUnderTheSlowestRankModel() throws {
        let samples = [Sample(tokens: 100, images: [50]), Sample(tokens: 200)]
        var plan = try BatchBalancer(cost: Self.cost, options: .init(ranks: 2, syncEveryPhase: true)).plan(samples)
            .executionPlan()
        #expect(plan.firstInvariantViolation() == nil)
        plan.body.stepModel = .slowestRank
        #expect(plan.firstInvariantViolation()?.path == "stepModel")
    }
}
