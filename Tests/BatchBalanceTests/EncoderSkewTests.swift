import Testing
import CostModel
import SolverFixtures
@testable import BatchBalance

/// The skew a plan reports (encoder share s, slowest encoder rank over the mean k under the llm-only assignment) and
/// the gain it predicts, 1 + s·(k − 1), against the gain the plan measures over that baseline.
@Suite struct EncoderSkewTests {
    @Test(arguments: [(256, 8, UInt64(1)), (1024, 64, 2), (2048, 128, 3)])
    func predictedGainMatchesTheMeasuredOne(count: Int, ranks: Int, seed: UInt64) throws {
        let cost = try ModalityMixTests.qwen2VLCost()
        for samples in [ModalityMixTests.batch(seed: seed, count: count, ranks: ranks), Self.poissonBatch(seed: seed, count: count)] {
            let plan = try BatchBalancer(cost: cost, options: .init(ranks: ranks, equalCounts: true, separateEncoder: true)).plan(samples)
            let skew = try #require(plan.encoderSkew)
            let alone = try #require(plan.baselines.first { $0.name == "llm-only" }?.stepSeconds)
            #expect(skew.share > 0 && skew.share < 1 && skew.imbalance >= 1)
            // The plan reaches what the skew allows, within 2 % (the benchmark's 22 batches: within 0.007).
            #expect(abs(alone / plan.stepSeconds - skew.potentialSpeedUp) <= 0.02 * skew.potentialSpeedUp,
                    "measured \(alone / plan.stepSeconds), predicted \(skew.potentialSpeedUp)")
            let encoder = samples.reduce(0.0) { total, sample in total + sample.images.reduce(0.0) { $0 + (cost.encoder?.seconds(Double($1)) ?? 0) } }
            let llm = samples.reduce(0.0) { $0 + cost.llm.seconds(Double($1.tokens)) }
            #expect(abs(skew.share - encoder / (encoder + llm)) < 1e-12)
        }
    }

    @Test func noSkewWithoutEncoderWork() throws {
        let cost = try ModalityMixTests.qwen2VLCost()
        let text = (0..<64).map { Sample(tokens: 500 + 37 * $0) }
        #expect(try BatchBalancer(cost: cost, options: .init(ranks: 8)).plan(text).encoderSkew == nil)
    }

    static func poissonBatch(seed: UInt64, count: Int) -> [Sample] {
        var generator = LengthGenerator(seed: seed)
        return (0..<count).map { _ in
            let drawn = generator.multimodal(textOnly: 0.3, lambda: 1, maxImageTokens: 16384)
            return Sample(tokens: drawn.tokens, images: drawn.images)
        }
    }
}
