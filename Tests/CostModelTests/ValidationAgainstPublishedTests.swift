import CostModel
import CostModelValidation
import Testing

/// The cost model against 48 published end-to-end measurements, with one set of efficiency factors per GPU family and
/// one rule per source for what the source leaves unstated (docs/cost-model.md §Validation).
@Suite struct ValidationAgainstPublishedTests {
    static func errors(_ runs: [PublishedRun]) throws -> [Double] {
        try runs.map { abs(try $0.predicted().error) }
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    @Test func meanErrorWithinTenPercentAndEveryRunWithinTwentyFive() throws {
        #expect(PublishedRun.all.count == 48)
        for run in PublishedRun.all {
            let error = abs(try run.predicted().error)
            #expect(error <= 0.25, "\(run.source), \(run.label): \(error)")
        }
        let mean = Self.mean(try Self.errors(PublishedRun.all))
        #expect(mean <= 0.10, "mean absolute error \(mean)")
    }

    /// Issue 26's target over the 48 runs: mean absolute error ≤ 6 % and no run above 15 %.
    @Test func targetOfSixPercentMeanAndFifteenWorst() throws {
        let errors = try Self.errors(PublishedRun.all)
        #expect(Self.mean(errors) <= 0.06, "mean absolute error \(Self.mean(errors))")
        #expect((errors.max() ?? 0) <= 0.15, "worst \(errors.max() ?? 0)")
    }

    /// Each kind of run on its own: a model that is right on average only because dense BF16 runs dominate fails here.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func everyKindWithinTwentyPercentOnAverage(moe: Bool, fp8: Bool) throws {
        let runs = PublishedRun.all.filter { $0.isMoE == moe && $0.strategy.fp8 == fp8 }
        #expect(!runs.isEmpty)
        #expect(Self.mean(try Self.errors(runs)) <= 0.20, "\(moe ? "MoE" : "dense") \(fp8 ? "FP8" : "BF16")")
    }

    @Test func megatronTable1AloneIsWithinTenPercentOnAverage() throws {
        #expect(Self.mean(try Self.errors(PublishedRun.megatronTable1)) <= 0.10)
    }

    /// MFU is measured against the peak of the precision each op runs at, so an FP8 run cannot print more than 100 %
    /// (the first round printed 93-95 % against the BF16 peak) and sits below the FP8 figure's BF16-based value.
    @Test func fp8RunsReportMFUAgainstTheirOwnPeak() throws {
        for run in PublishedRun.all where run.strategy.fp8 {
            let estimate = try run.estimate()
            let bf16Based = estimate.modelFlopsPerSecondPerGPU / run.cluster.gpu.bf16FlopsPerSecond
            #expect(estimate.mfu < 0.7 && estimate.mfu < bf16Based, "\(run.label): \(estimate.mfu) vs \(bf16Based)")
        }
    }
}

/// Megatron-Bridge's out-of-sample rows, never used to fit a factor (docs/cost-model.md §Out of sample): every one is
/// priced, and the error is what the docs say (25.11: mean 13.0 %, worst 49.5 %; 26.02 to 26.06: 8.0 % and 36.0 %;
/// 26.04 to 26.08: 9.5 % and 47.9 %), so a change to the model shows here.
@Suite struct OutOfSampleRunsTests {
    @Test(arguments: [
        ("25.11", 19, 0.130, 0.495), ("26.02-26.06", 34, 0.080, 0.360), ("26.04-26.08", 40, 0.095, 0.479),
    ])
    func everyRunIsPricedAndTheErrorIsTheDocumentedOne(set: String, count: Int, mean: Double, worst: Double) throws {
        let runs =
            switch set {
            case "25.11": PublishedRun.megatronBridge2511
            case "26.02-26.06": PublishedRun.megatronBridge26
            default: PublishedRun.megatronBridge2604
            }
        #expect(runs.count == count)
        let errors = try runs.map { run in abs(try run.predicted().error) }
        let measured = errors.reduce(0, +) / Double(errors.count)
        #expect(abs(measured - mean) < 0.005, "mean \(measured)")
        #expect(abs((errors.max() ?? 0) - worst) < 0.005, "worst \(errors.max() ?? 0)")
    }

    /// Every held-out layout ran, so none may be predicted not to fit under the default headroom.
    @Test func everyHeldOutRunFits() throws {
        #expect(PublishedRun.heldOut.count == 93)
        for run in PublishedRun.heldOut {
            let estimate = try run.estimate()
            #expect(estimate.fitsInMemory, "\(run.label): \(estimate.memory.peak / 1_073_741_824) GiB")
        }
    }
}

/// The accuracy `estimate` and `layouts` print is the accuracy the validation measures (to 0.1 %).
@Suite struct PublishedAccuracyTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func printedFiguresAreTheMeasuredOnes(moe: Bool, heldOut: Bool) throws {
        let runs = (heldOut ? PublishedRun.heldOut : PublishedRun.all).filter { $0.isMoE == moe }
        let errors = try runs.map { abs(try $0.predicted().error) }
        let printed: PublishedAccuracy.Figure =
            switch (moe, heldOut) {
            case (false, false): PublishedAccuracy.fittedDense
            case (true, false): PublishedAccuracy.fittedMoE
            case (false, true): PublishedAccuracy.heldOutDense
            case (true, true): PublishedAccuracy.heldOutMoE
            }
        #expect(printed.runs == runs.count)
        #expect(abs(printed.meanError - errors.reduce(0, +) / Double(errors.count)) < 0.0006, "\(errors)")
        #expect(abs(printed.worstError - (errors.max() ?? 0)) < 0.0006)
    }
}
