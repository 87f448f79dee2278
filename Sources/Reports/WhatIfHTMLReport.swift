import Foundation
import TraceAnalysis

/// The report of a what-if analysis (docs/reports.md §What-if): the slowdown and its cause, each step recorded
/// against ideal, the attribution by operation type, DP rank and stage, the worker × step heatmap, and the remedies.
public enum WhatIfHTMLReport {
    public static func html(_ report: WhatIfReport) -> String {
        var document = HTMLDocument(
            title: "What-if analysis of \(report.job.name): S = \(String(format: "%.3f", report.slowdown))")
        let steps = report.stepSeconds
        var facts: [(String, String)] = [
            (
                "job",
                "DP \(report.job.dataParallel) × PP \(report.job.pipelineParallel) × TP \(report.job.tensorParallel), "
                    + "\(steps.steps.count) steps, \(report.operations) operations"
            ),
            (
                "slowdown S",
                String(
                    format: "%.3f (mean step %@ without launch delays, %@ ideal)", report.slowdown,
                    secondsLabel(mean(steps.withoutLaunchDelays)), secondsLabel(mean(steps.ideal)))
            ),
            ("cause", report.culprit),
            (
                "M_W, M_S",
                String(
                    format: "%.3f (the slowest %d worker%@), %.3f (the last stage)", report.mw.recovered,
                    report.mw.workers.count, report.mw.workers.count == 1 ? "" : "s", report.ms.recovered)
            ),
            ("replay", String(format: "reproduces the recorded steps within %.2g %%", report.replayError * 100)),
        ]
        for machine in report.slowMachines.slowMachines.prefix(4) {
            facts.append(
                (
                    "slow machine",
                    String(
                        format: "dp %d stage %d: compute %.2f× its peers in %d steps", machine.dataParallelRank,
                        machine.stage, machine.computeRatio, machine.slowSteps)
                ))
        }
        if let perStep = report.computeDeviation, let perOperation = report.operationDeviation {
            facts.append(
                (
                    "compute spread between peers",
                    String(
                        format: "%.2f %% per step, %.2f %% per micro-batch operation (a calibration profile's "
                            + "computeDeviation and operationDeviation)", perStep * 100, perOperation * 100)
                ))
        }
        document.facts(facts)
        document.heading("Steps")
        document.figure(
            stepFigure(steps),
            caption: "Each step as recorded without launch delays (bars) and in the ideal job, "
                + "where every operation takes its peers' typical time (ticks). S is their ratio, averaged.")
        document.heading("Attribution")
        let attribution = report.attribution
        let types = attribution.byOpType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        document.figure(
            Figures.valueBars(
                title: "Slowdown when only one kind of operation keeps its recorded times",
                items: types.map { ($0.key, $0.value) }, unit: "× the ideal step", format: "%.3f",
                reference: (1, "ideal")),
            caption: "The ideal job with one operation type at its recorded durations: the longer the bar, the more "
                + "of the loss that type alone causes.")
        let ranks = attribution.byDPRank.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }
        document.figure(
            Figures.valueBars(
                title: "Slowdown by DP rank", items: ranks.prefix(64).map { ("dp \($0.key)", $0.value) },
                unit: "× the ideal step", format: "%.3f", reference: (1, "ideal")),
            caption:
                "The ideal job with one DP rank at its recorded durations\(ranks.count > 64 ? " (the first 64)" : "").")
        let stages = attribution.byStage.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }
        document.figure(
            Figures.valueBars(
                title: "Slowdown by pipeline stage", items: stages.map { ("stage \($0.key)", $0.value) },
                unit: "× the ideal step", format: "%.3f", reference: (1, "ideal")),
            caption: "The ideal job with one stage at its recorded durations.")
        document.heading("Workers by step")
        document.figure(
            HeatmapSVG.render(report),
            caption: "Each worker's slowdown in each step (the smaller of its DP rank's and "
                + "its stage's): a row dark in every step is a slow machine; darkness that moves between rows is "
                + "data-dependent imbalance.")
        document.heading("Remedies")
        var remedies: [(label: String, seconds: Double, isPlan: Bool)] = [
            ("as recorded", mean(steps.withoutLaunchDelays), false)
        ]
        let r = report.remedies
        remedies.append(("balanced batches", r.balancedBatches.seconds, true))
        if let rebalanced = r.rebalancedMicroBatches {
            remedies.append(("micro-batches rebalanced", rebalanced.remedy.seconds, true))
        }
        remedies.append(("balanced stages", r.balancedStages.seconds, true))
        if let split = r.resplitStages { remedies.append(("layers re-split", split.remedy.seconds, true)) }
        if let replaced = r.replacedSlowMachines { remedies.append(("slow machines replaced", replaced.seconds, true)) }
        if let around = r.plannedAroundSlowMachines { remedies.append(("planned around them", around.seconds, true)) }
        document.figure(
            Figures.stepBars(
                title: "Mean step under each remedy", items: remedies, bound: mean(steps.ideal),
                boundLabel: "ideal"),
            caption: "The job as recorded (without launch delays) and each remedy, priced by the same replay; the "
                + "dashed line is the ideal job (no worker slower than its peers).")
        return document.markup
    }

    static func stepFigure(_ steps: WhatIfReport.StepSeconds) -> String {
        let left = 60.0
        let right = 20.0
        let top = 46.0
        let width = 720.0
        let plot = width - left - right
        let height = 260.0
        let count = steps.steps.count
        let maximum = max(steps.withoutLaunchDelays.max() ?? 0, steps.ideal.max() ?? 0, 1e-12)
        let barWidth = plot / Double(max(count, 1))
        let title = "Step time, recorded and ideal"
        var svg = SVG(width: width, height: height + 50)
        svg.heading(title)
        Figures.legend(
            &svg, entries: [("recorded, no launch delays", Palette.baseline), ("ideal", Palette.bound)], x: left, y: 36)
        for index in 0..<count {
            let recorded = steps.withoutLaunchDelays[index]
            let ideal = steps.ideal[index]
            let x = left + Double(index) * barWidth
            let h = recorded / maximum * (height - top)
            svg.rect(
                x: x, y: height - h, width: max(1, barWidth - 1), height: h, fill: Palette.baseline, className: "step",
                tooltip: "step \(steps.steps[index]): " + secondsLabel(recorded) + " (ideal " + secondsLabel(ideal)
                    + ")",
                data: [("seconds", "\(recorded)"), ("ideal", "\(ideal)"), ("step", "\(steps.steps[index])")])
            let idealY = height - ideal / maximum * (height - top)
            svg.line(
                x1: x, y1: idealY, x2: x + max(1, barWidth - 1), y2: idealY, stroke: Palette.bound, width: 2,
                className: "ideal")
        }
        svg.line(x1: left, y1: height, x2: left + plot, y2: height)
        svg.text("step \(steps.steps.first ?? 0)", x: left, y: height + 14, size: 10)
        svg.text("step \(steps.steps.last ?? 0)", x: left + plot, y: height + 14, anchor: "end", size: 10)
        svg.line(x1: left, y1: top, x2: left, y2: height)
        for tick in ticks(upTo: maximum, count: 4) {
            let y = height - tick / maximum * (height - top)
            svg.line(x1: left - 4, y1: y, x2: left, y2: y)
            svg.text(String(format: "%g", tick), x: left - 6, y: y + 3, anchor: "end", size: 10)
        }
        svg.text("seconds", x: left - 6, y: top - 6, anchor: "end", size: 10, fill: "#555")
        return svg.markup(title: title)
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
