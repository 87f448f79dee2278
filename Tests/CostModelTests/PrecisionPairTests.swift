import CostModel
import CostModelValidation
import Testing

/// Six layouts NVIDIA published in BF16 and in FP8 (DGX Cloud benchmarking, H100; docs/cost-model.md §FP8), never
/// used to fit: issue 26 asks the predicted speed-up within 10 % of each. It is not: the model predicts 6.3-17.7 %
/// more gain than measured (mean 11.7 %), because its BF16 steps are slower than these runs' (+3.6 to +27 %) while
/// its FP8 steps are close (−9.7 to +12.3 %). The figures are pinned so that a change to the model shows here.
@Suite struct PrecisionPairTests {
    @Test func thePairsAreThePublishedOnes() throws {
        let speedUps = PrecisionPair.dgxCloud.map(\.measuredSpeedUp)
        #expect(speedUps.count == 6)
        #expect(speedUps.allSatisfy { $0 > 1.33 && $0 < 1.54 }, "\(speedUps)")
        for pair in PrecisionPair.dgxCloud {
            let fp8 = try pair.fp8Run()
            #expect(!pair.bf16.strategy.fp8 && fp8.strategy.fp8)
            #expect(fp8.strategy.recompute == (try pair.bf16.resolvedStrategy()).recompute)
            #expect(try pair.bf16.estimate().fitsInMemory && fp8.estimate().fitsInMemory, "\(pair.label)")
        }
    }

    @Test func everyPairOverestimatesTheGainByTheDocumentedAmount() throws {
        let errors = try PrecisionPair.dgxCloud.map { try $0.predictedSpeedUp() / $0.measuredSpeedUp - 1 }
        #expect(errors.allSatisfy { $0 > 0.05 && $0 < 0.20 }, "\(errors)")
        #expect(abs(errors.reduce(0, +) / Double(errors.count) - 0.117) < 0.005, "\(errors)")
        #expect(abs((errors.max() ?? 0) - 0.177) < 0.005, "\(errors)")
        // What `estimate` and `layouts` print for an FP8 layout is what is measured here.
        let printed = PublishedAccuracy.fp8SpeedUp
        #expect(printed.runs == errors.count)
        #expect(abs(printed.meanError - errors.reduce(0, +) / Double(errors.count)) < 0.0006)
        #expect(abs(printed.worstError - (errors.max() ?? 0)) < 0.0006)
        #expect(PublishedAccuracy.note(moe: false, fp8: true).contains("FP8's gain over BF16 was predicted 11.7 %"))
        #expect(!PublishedAccuracy.note(moe: false).contains("FP8"))
    }
}
