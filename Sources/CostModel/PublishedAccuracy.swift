import Foundation

/// How far the estimator was from published training runs (docs/cost-model.md §Validation and §Out of sample), so that
/// `estimate` and `layouts` can say how much to trust a number. Measured by `CostModelValidation`;
/// `PublishedAccuracyTests` fails when a change to the model moves them, so they cannot drift from what it measures.
public enum PublishedAccuracy {
    /// Mean and worst absolute error of the predicted step over a set of runs.
    public struct Figure: Sendable, Equatable {
        public let runs: Int
        public let meanError: Double
        public let worstError: Double
    }

    /// The 48 validation runs, dense and MoE (with the 12 runs of the FP8 pairs below, what the efficiency factors
    /// were fitted on).
    public static let fittedDense = Figure(runs: 43, meanError: 0.04323, worstError: 0.13719)
    public static let fittedMoE = Figure(runs: 5, meanError: 0.04929, worstError: 0.13339)
    /// Megatron-Bridge's runs of the 25.11 to 26.08 containers, never used to fit (those of 26.04 to 26.08 added
    /// after the fit of 2026-12-06 and first priced blind).
    public static let heldOutDense = Figure(runs: 30, meanError: 0.05823, worstError: 0.24793)
    public static let heldOutMoE = Figure(runs: 63, meanError: 0.11494, worstError: 0.49543)

    /// NVIDIA's six published layouts run in BF16 and in FP8: how far the predicted speed-up from FP8 was from the
    /// measured one (their 12 runs are in the fit since 2026-12-07).
    public static let fp8SpeedUp = Figure(runs: 6, meanError: 0.03382, worstError: 0.08710)

    /// One line for a model's kind: the fitted and held-out errors of runs like it, and with `fp8` how far FP8's
    /// predicted gain was from the measured one.
    public static func note(moe: Bool, fp8: Bool = false) -> String {
        let (fitted, heldOut) = moe ? (fittedMoE, heldOutMoE) : (fittedDense, heldOutDense)
        var text = String(
            format: "%@ runs were predicted within %.1f %% on average (worst %.1f %%) over the %d published "
                + "runs the model was fitted on, and %.1f %% (worst %.1f %%) over %d held-out ones",
            moe ? "MoE" : "dense", fitted.meanError * 100, fitted.worstError * 100, fitted.runs,
            heldOut.meanError * 100, heldOut.worstError * 100, heldOut.runs)
        if fp8 { text += "; " + fp8Note }
        return text + " (docs/cost-model.md#validation)"
    }

    /// How far FP8's predicted gain was from the measured one on the published pairs, as a clause.
    public static var fp8Note: String {
        String(
            format: "FP8's speed-up over BF16 was predicted within %.1f %% on average (worst %.1f %%) on %d "
                + "published same-layout pairs", fp8SpeedUp.meanError * 100, fp8SpeedUp.worstError * 100,
            fp8SpeedUp.runs)
    }
}
