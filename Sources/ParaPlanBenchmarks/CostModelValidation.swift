import CostModelValidation
import Foundation
import ParaPlan

/// Published iteration times against the cost model's, as printed in docs/cost-model.md and the README: one row per
/// run, then the mean and worst error by source, by dense/MoE and by precision.
func costModelValidationRows() throws -> (rows: [String], summary: [String]) {
    var rows: [String] = []
    var groups: [(String, [Double])] = []
    func add(_ name: String, _ error: Double) {
        if let index = groups.firstIndex(where: { $0.0 == name }) {
            groups[index].1.append(abs(error))
        } else {
            groups.append((name, [abs(error)]))
        }
    }
    var all: [Double] = []
    for run in PublishedRun.all {
        let estimate = try run.estimate()
        let error = estimate.iterationSeconds / run.iterationSeconds - 1
        rows.append("| \(run.source) " + cells(run, estimate))
        try printBreakdown(run, estimate)
        add(run.source, error)
        all.append(abs(error))
    }
    for kind in ["dense", "MoE"] {
        for precision in ["BF16", "FP8"] {
            for run in PublishedRun.all where (run.isMoE ? "MoE" : "dense") == kind && run.precision == precision {
                add("\(kind), \(precision)", try run.predicted().error)
            }
        }
    }
    groups.append(("all \(all.count) runs", all))
    let summary = groups.map { name, errors in
        String(
            format: "| %@ | %d | %.1f %% | %.1f %% |", name, errors.count,
            errors.reduce(0, +) / Double(errors.count) * 100,
            (errors.max() ?? 0) * 100)
    }
    return (rows, summary)
}

/// Out-of-sample runs, which the model was not fitted on (`PublishedRun.megatronBridge2511`, `megatronBridge26` and
/// `megatronBridge2604`): one row per run, and each run's kind and absolute error for `outOfSampleSummary`.
func outOfSampleRows(_ runs: [PublishedRun]) throws -> (rows: [String], errors: [(moe: Bool, error: Double)]) {
    var errors: [(moe: Bool, error: Double)] = []
    var rows: [String] = []
    for run in runs {
        let estimate = try run.estimate()
        errors.append((run.isMoE, abs(estimate.iterationSeconds / run.iterationSeconds - 1)))
        try printBreakdown(run, estimate)
        rows.append(cells(run, estimate))
    }
    return (rows, errors)
}

/// The mean and worst error over all the runs, then over the dense and the MoE ones.
func outOfSampleSummary(_ errors: [(moe: Bool, error: Double)]) -> String {
    func figure(_ values: [Double]) -> String {
        String(
            format: "%d runs: mean abs error %.1f %%, worst %.1f %%", values.count,
            values.reduce(0, +) / Double(max(1, values.count)) * 100, (values.max() ?? 0) * 100)
    }
    return figure(errors.map(\.error)) + " (dense " + figure(errors.filter { !$0.moe }.map(\.error)) + "; MoE "
        + figure(errors.filter(\.moe).map(\.error)) + ")"
}

/// With PARAPLAN_BENCH_BREAKDOWN set, one line per run with the parts of its predicted step (for fitting by hand).
private func printBreakdown(_ run: PublishedRun, _ estimate: IterationEstimate) throws {
    guard ProcessInfo.processInfo.environment["PARAPLAN_BENCH_BREAKDOWN"] != nil else { return }
    let parts = estimate.breakdown.computeParts
    let step = estimate.breakdown
    let resolved = try run.resolvedStrategy()
    let computeFormat =
        "iter %.2f | sync %.2f | linear %.2f experts %.2f attn %.2f head %.2f mem %.2f fp8 %.2f"
        + " perm %.2f"
    let commFormat = " | tp %.2f bubble %.2f p2p %.2f dp %.2f cp %.2f ep %.2f opt %.2f"
    print(
        run.label, resolved.recompute.rawValue, resolved.recomputeLayers ?? -1,
        String(
            format: computeFormat, estimate.iterationSeconds, parts.hostSync, parts.linear, parts.experts,
            parts.attention, parts.outputHead, parts.memoryBound, parts.fp8Casts, parts.permutation)
            + String(
                format: commFormat, step.tensorParallel, step.pipelineBubble, step.pipelineTransfers,
                step.dataParallel, step.contextParallel, step.expertParallel, step.optimizer))
}

/// A run's row from its label on: kind, published and predicted seconds, error and predicted memory.
private func cells(_ run: PublishedRun, _ estimate: IterationEstimate) -> String {
    String(
        format: "| %@ | %@ %@ | %.2f | %.2f | %+.1f %% | %.1f GiB%@ |", run.label, run.isMoE ? "MoE" : "dense",
        run.precision, run.iterationSeconds, estimate.iterationSeconds,
        (estimate.iterationSeconds / run.iterationSeconds - 1) * 100, estimate.memory.peak / 1_073_741_824,
        estimate.fitsInMemory ? "" : " (does not fit)")
}

/// Each published BF16/FP8 pair: both steps as published and predicted, and the speed-up FP8 gives, measured and
/// predicted (`PrecisionPair.dgxCloud`).
func precisionPairRows() throws -> [String] {
    var rows = [
        "| layout | BF16 s: published, predicted | FP8 s: published, predicted | speed-up: measured, predicted | error |",
        "|---|---:|---:|---:|---:|",
    ]
    var errors: [Double] = []
    for pair in PrecisionPair.dgxCloud {
        let (bf16, fp8) = try pair.predictedSeconds()
        let error = bf16 / fp8 / pair.measuredSpeedUp - 1
        errors.append(abs(error))
        rows.append(
            String(
                format: "| %@ | %.2f, %.2f | %.2f, %.2f | %.2f, %.2f | %+.1f %% |", pair.label,
                pair.bf16.iterationSeconds, bf16, pair.fp8Seconds, fp8, pair.measuredSpeedUp, bf16 / fp8, error * 100))
    }
    rows.append(
        String(
            format: "| mean, worst | | | | %.1f %%, %.1f %% |", errors.reduce(0, +) / Double(errors.count) * 100,
            (errors.max() ?? 0) * 100))
    return rows
}

/// Each weak-scaling series: the step's growth from its first scale to its last, published and predicted
/// (`WeakScalingSeries.dgxCloud`).
func weakScalingRows() throws -> [String] {
    var rows = [
        "| series | GPUs | BF16 growth: published, predicted | FP8 growth: published, predicted |",
        "|---|---|---:|---:|",
    ]
    for series in WeakScalingSeries.dgxCloud {
        let growth = try series.growth()
        rows.append(
            String(
                format: "| %@ | %d → %d | %+.1f %%, %+.1f %% | %+.1f %%, %+.1f %% |", series.label,
                series.scales.first?.gpus ?? 0, series.scales.last?.gpus ?? 0, growth.bf16.published * 100,
                growth.bf16.predicted * 100, growth.fp8.published * 100, growth.fp8.predicted * 100))
    }
    return rows
}
