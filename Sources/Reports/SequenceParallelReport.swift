import CostModel
import ExecutionPlan
import Foundation

/// The report of a sequence-parallel plan (docs/reports.md §Sequence parallelism): its step against its baselines
/// and bound, and for each micro-batch the ranks against time, each group a block as long as its sequences take.
public enum SequenceParallelReport {
    /// `lengths` and `cost` as the plan was made with (checked as `paraplan trace` checks them).
    public static func html(_ plan: Plan<SequenceParallelPlan>, lengths: [Int], cost: SequenceParallelCost)
        throws(ReportError) -> String
    {
        try check(plan, lengths: lengths, cost: cost, label: "the plan")
        return try report(plan, lengths: lengths, cost: cost)
    }

    /// Several plans of one batch side by side: their steps on one scale, then each plan's micro-batches, all on one
    /// time scale.
    public static func comparison(
        _ plans: [(label: String, plan: Plan<SequenceParallelPlan>)], lengths: [Int],
        cost: SequenceParallelCost
    ) throws(ReportError) -> String {
        guard plans.count > 1 else {
            guard let only = plans.first else { throw ReportError("plans: none given") }
            return try html(only.plan, lengths: lengths, cost: cost)
        }
        for entry in plans { try check(entry.plan, lengths: lengths, cost: cost, label: entry.label) }
        var document = HTMLDocument(
            title: "Sequence-parallel plans compared: \(lengths.count) sequences, \(plans.count) plans")
        let fastest = plans.map { $0.plan.predicted.cost.stepSeconds }.min() ?? 1
        document.facts(
            plans.map { entry in
                let step = entry.plan.predicted.cost.stepSeconds
                return (
                    entry.label,
                    secondsLabel(step)
                        + String(
                            format: " (%.3f× the fastest), %d GPUs, %d micro-batches", step / fastest,
                            entry.plan.body.gpus, entry.plan.body.microBatches.count)
                )
            })
        let bound = plans.compactMap { $0.plan.predicted.lowerBoundSeconds }.max()
        document.heading("Step time")
        document.figure(
            Figures.stepBars(
                title: "Predicted step time of each plan",
                items: plans.map { ($0.label, $0.plan.predicted.cost.stepSeconds, true) }, bound: bound),
            caption: "The plans on one scale; the dashed line is the highest of their lower bounds (each holds "
                + "for every plan of the batch).")
        let longest = plans.flatMap { $0.plan.body.microBatches.map(\.predictedSeconds) }.max() ?? 0
        for entry in plans {
            document.heading(entry.label)
            for (index, microBatch) in entry.plan.body.microBatches.enumerated() {
                document.figure(
                    try microBatchFigure(
                        index, microBatch, gpus: entry.plan.body.gpus, lengths: lengths, cost: cost,
                        scale: longest),
                    caption: "\(entry.label), micro-batch \(index), on the time scale shared by every plan.")
            }
        }
        return document.markup
    }

    private static func check(
        _ plan: Plan<SequenceParallelPlan>, lengths: [Int], cost: SequenceParallelCost,
        label: String
    ) throws(ReportError) {
        guard cost.gpus == plan.body.gpus else {
            throw ReportError("profile: \(cost.gpus) GPUs, but \(label) spans \(plan.body.gpus)")
        }
        guard let digest = try? InputDigest.of(lengths, summary: ""), digest.sha256 == plan.inputs.sha256 else {
            throw ReportError("lengths: not the batch \(label) was made for (\(lengths.count) sequences)")
        }
        if let bad = plan.body.microBatches.flatMap({ $0.groups.flatMap(\.sequences) }).first(where: {
            $0 < 0 || $0 >= lengths.count
        }) {
            throw ReportError("\(label): sequence \(bad) is not in the batch of \(lengths.count) sequences")
        }
    }

    private static func report(_ plan: Plan<SequenceParallelPlan>, lengths: [Int], cost: SequenceParallelCost)
        throws(ReportError) -> String
    {
        let body = plan.body
        let step = plan.predicted.cost.stepSeconds
        var document = HTMLDocument(title: "Sequence-parallel plan: \(lengths.count) sequences on \(body.gpus) GPUs")
        var facts: [(String, String)] = [
            ("predicted step", secondsLabel(step)), ("micro-batches", "\(body.microBatches.count)"),
        ]
        if let bound = plan.predicted.lowerBoundSeconds {
            facts.append(
                (
                    "lower bound",
                    secondsLabel(bound) + String(format: " (plan within %.1f %%)", (step - bound) / step * 100)
                ))
        }
        facts += Figures.baselineFacts(plan)
        facts.append(("inputs", plan.inputs.summary))
        document.facts(facts)
        document.heading("Step time")
        document.figure(
            Figures.planAndBaselines(plan),
            caption: "The plan and each baseline on one scale; the dashed line is a lower bound no plan can beat "
                + "under the cost model.")
        document.heading("Micro-batches")
        let longest = body.microBatches.map(\.predictedSeconds).max() ?? 0
        for (index, microBatch) in body.microBatches.enumerated() {
            document.figure(
                try microBatchFigure(index, microBatch, gpus: body.gpus, lengths: lengths, cost: cost, scale: longest),
                caption: "Ranks (down) against time (across): each group is a block over its ranks, as long as "
                    + "its sequences take; light grey is idle (waiting for the slowest group); the darker band is "
                    + "β1, the micro-batch's fixed overhead. All micro-batches share one time scale.")
        }
        return document.markup
    }

    static func microBatchFigure(
        _ index: Int, _ microBatch: SequenceParallelPlan.MicroBatch, gpus: Int, lengths: [Int],
        cost: SequenceParallelCost, scale: Double
    ) throws(ReportError) -> String {
        let left = 60.0
        let right = 20.0
        let top = 40.0
        let width = 720.0
        let plot = width - left - right
        let rowHeight = min(14, max(0.25, 320 / Double(gpus)))
        let height = top + Double(gpus) * rowHeight + 46
        let maximum = max(scale, 1e-12)
        let title = String(
            format: "Micro-batch %d: %@, %d groups", index, secondsLabel(microBatch.predictedSeconds),
            microBatch.groups.count)
        var svg = SVG(width: width, height: height)
        svg.heading(title)
        let degrees = Array(Set(microBatch.groups.map(\.degree))).sorted(by: >)
        Figures.legend(
            &svg,
            entries: degrees.map { ("SP=\($0)", colour(degree: $0)) } + [
                ("idle", Palette.idle), ("β1", Palette.overhead),
            ],
            x: left, y: 34)
        svg.rect(
            x: left, y: top, width: (microBatch.predictedSeconds - cost.beta1) / maximum * plot,
            height: Double(gpus) * rowHeight,
            fill: Palette.idle, className: "idle")
        var busiest = 0.0
        for group in microBatch.groups {
            let scheme = try cost.scheme(degree: group.degree, ulysses: group.ulysses, ring: group.ring)
                .mapError { ReportError("profile: " + $0.message) }.get()
            let seconds = group.sequences.reduce(0.0) {
                $0 + cost.time(Double(lengths[$1]), degree: group.degree, scheme: scheme)
            }
            busiest = max(busiest, seconds)
            let y = top + Double(group.firstRank) * rowHeight
            let h = Double(group.degree) * rowHeight
            let tokens = group.sequences.reduce(0) { $0 + lengths[$1] }
            svg.rect(
                x: left, y: y, width: seconds / maximum * plot, height: h, fill: colour(degree: group.degree),
                className: "group",
                tooltip: "SP=\(group.degree) on ranks \(group.firstRank)-\(group.firstRank + group.degree - 1): "
                    + "\(group.sequences.count) sequences, \(tokens) tokens, \(secondsLabel(seconds))",
                data: [
                    ("seconds", "\(seconds)"), ("degree", "\(group.degree)"), ("first-rank", "\(group.firstRank)"),
                    ("sequences", "\(group.sequences.count)"),
                ], stroke: "#FFFFFF")
            if h >= 12, seconds / maximum * plot > 70 {
                let scheme = group.ring.map { " (U\(group.ulysses ?? 1)×R\($0))" } ?? ""
                svg.text(
                    "SP=\(group.degree)\(scheme) · \(group.sequences.count) seq", x: left + 4,
                    y: y + min(h, 24) / 2 + 4, size: 9,
                    fill: "#FFFFFF")
            }
        }
        guard abs(busiest + cost.beta1 - microBatch.predictedSeconds) <= 1e-9 * max(1, microBatch.predictedSeconds)
        else {
            throw ReportError(
                String(
                    format: "profile: micro-batch %d's groups take %.6f s with β1 here, but the plan predicts "
                        + "%.6f s (planned with another profile, or with speed factors?)", index,
                    busiest + cost.beta1, microBatch.predictedSeconds))
        }
        svg.rect(
            x: left + busiest / maximum * plot, y: top, width: cost.beta1 / maximum * plot,
            height: Double(gpus) * rowHeight,
            fill: Palette.overhead, className: "overhead",
            tooltip: "β1: the micro-batch's fixed overhead, \(secondsLabel(cost.beta1))",
            data: [("seconds", "\(cost.beta1)")])
        if cost.beta1 / maximum * plot > 40 {
            svg.text(
                "β1 \(secondsLabel(cost.beta1))", x: left + (busiest + cost.beta1 / 2) / maximum * plot, y: top + 14,
                anchor: "middle", size: 10, fill: "#333")
        }
        svg.text("rank 0", x: left - 6, y: top + 9, anchor: "end", size: 9)
        svg.text("rank \(gpus - 1)", x: left - 6, y: top + Double(gpus) * rowHeight, anchor: "end", size: 9)
        Figures.axis(
            &svg, left: left, plot: plot, y: top + Double(gpus) * rowHeight + 4, maximum: maximum, unit: "seconds")
        return svg.markup(title: title)
    }

    /// One colour per degree, largest groups darkest first in the legend.
    static func colour(degree: Int) -> String { Palette.colour(degree.trailingZeroBitCount) }
}

/// Why a report cannot be made; the message names the input.
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
