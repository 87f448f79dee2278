import ExecutionPlan
import Foundation

/// The report of a batch-balancing plan (docs/reports.md §Batch balancing): its step against its baselines and
/// bound, each rank's encoder and LLM time as stacked bars, and what moves.
public enum BatchBalanceReport {
    /// `microBatchSeconds[r][k]`, when the samples and cost are known: rank r's k-th micro-batch, drawn as a segment of
    /// its bar (checked to add up to the rank's prediction).
    /// A baseline's ranks as the planner priced them (`plan batch-balance --report`; a plan file keeps only totals).
    public struct BaselineRanks: Sendable {
        public var name: String
        public var llmSeconds: [Double]
        public var encoderSeconds: [Double]?
        /// The step is the slowest encoder rank plus the slowest LLM rank (not the longest bar).
        public var phasesWaited: Bool

        public init(name: String, llmSeconds: [Double], encoderSeconds: [Double]?, phasesWaited: Bool) {
            self.name = name
            self.llmSeconds = llmSeconds
            self.encoderSeconds = encoderSeconds
            self.phasesWaited = phasesWaited
        }
    }

    public static func html(
        _ plan: Plan<BatchBalancePlan>, microBatchSeconds: [[Double]]? = nil,
        baselineRanks: [BaselineRanks] = []
    ) throws(ReportError) -> String {
        for baseline in baselineRanks {
            guard baseline.llmSeconds.count == plan.body.ranks.count,
                baseline.encoderSeconds.map({ $0.count == plan.body.ranks.count }) ?? true
            else {
                throw ReportError(
                    "baselines: \(baseline.name) prices \(baseline.llmSeconds.count) ranks, the plan has "
                        + "\(plan.body.ranks.count)")
            }
        }
        if let microBatchSeconds {
            guard microBatchSeconds.count == plan.body.ranks.count else {
                throw ReportError(
                    "samples: \(microBatchSeconds.count) ranks priced, the plan has \(plan.body.ranks.count)")
            }
            for (rank, seconds) in zip(plan.body.ranks, microBatchSeconds) {
                let total = seconds.reduce(0, +)
                guard seconds.count == rank.microBatches.count,
                    abs(total - rank.predictedSeconds) <= 1e-9 * max(1, rank.predictedSeconds)
                else {
                    throw ReportError(
                        String(
                            format: "profile: rank %d's micro-batches take %.6f s here, but the plan predicts %.6f s "
                                + "(planned with another profile, or with speed factors?)", rank.rank, total,
                            rank.predictedSeconds))
                }
            }
        }
        return report(plan, microBatchSeconds: microBatchSeconds, baselineRanks: baselineRanks)
    }

    private static func report(
        _ plan: Plan<BatchBalancePlan>, microBatchSeconds: [[Double]]?,
        baselineRanks: [BaselineRanks] = []
    ) -> String {
        let body = plan.body
        let step = plan.predicted.cost.stepSeconds
        let samples = body.ranks.reduce(0) { $0 + $1.microBatches.reduce(0) { $0 + $1.count } }
        var document = HTMLDocument(title: "Batch-balancing plan: \(samples) samples on \(body.ranks.count) ranks")
        var facts: [(String, String)] = [("predicted step", secondsLabel(step))]
        if let bound = plan.predicted.lowerBoundSeconds {
            facts.append(
                (
                    "lower bound",
                    secondsLabel(bound) + String(format: " (plan within %.2f %%)", (step - bound) / step * 100)
                ))
        }
        facts += Figures.baselineFacts(plan)
        if let moved = body.moved {
            facts.append(("moved", "\(moved.samples) samples, " + String(format: "%.1f MB", moved.bytes / 1e6)))
        }
        facts.append(("inputs", plan.inputs.summary))
        document.facts(facts)
        document.heading("Step time")
        document.figure(
            Figures.planAndBaselines(plan),
            caption: "The plan and each baseline (scored by the same cost model) on one scale; the dashed line "
                + "is a lower bound on every assignment.")
        document.heading("Ranks")
        document.figure(
            rankFigure(plan, microBatchSeconds: microBatchSeconds),
            caption: (body.encoder == nil
                ? "Each rank's predicted seconds (its samples' LLM work with their images): the step waits for "
                    + "the longest bar."
                : "Each rank's encoder phase and LLM phase: ranks wait for the slowest of each phase, so the step "
                    + "is the longest encoder bar plus the longest LLM bar.")
                + (microBatchSeconds == nil ? "" : " White lines part the LLM bar into its micro-batches."))
        if !baselineRanks.isEmpty { baselineSections(plan, baselineRanks, into: &document) }
        return document.markup
    }

    /// Each baseline's ranks on the plan's scale, so a reader sees which ranks the baseline overloads.
    private static func baselineSections(
        _ plan: Plan<BatchBalancePlan>, _ baselines: [BaselineRanks], into document: inout HTMLDocument
    ) {
        let encoder = Dictionary(uniqueKeysWithValues: (plan.body.encoder ?? []).map { ($0.rank, $0.predictedSeconds) })
        let planMaximum = plan.body.ranks.map { $0.predictedSeconds + (encoder[$0.rank] ?? 0) }.max() ?? 0
        let scale = baselines.reduce(planMaximum) { maximum, baseline in
            max(
                maximum,
                baseline.llmSeconds.indices.map { baseline.llmSeconds[$0] + (baseline.encoderSeconds?[$0] ?? 0) }.max()
                    ?? 0)
        }
        document.heading("Baselines' ranks")
        document.figure(
            rankFigure(plan, scale: scale), caption: "The plan's ranks again, on the scale every baseline below shares."
        )
        let step = plan.predicted.cost.stepSeconds
        for baseline in baselines {
            let bars = baseline.llmSeconds.indices.map { rank in
                RankBar(
                    rank: plan.body.ranks[rank].rank, encoder: baseline.encoderSeconds?[rank] ?? 0,
                    llm: baseline.llmSeconds[rank], detail: "LLM ")
            }
            let seconds = plan.baselines.first { $0.name == baseline.name }?.cost.stepSeconds
            let waited = baseline.phasesWaited && baseline.encoderSeconds != nil
            document.figure(
                rankFigure(
                    bars, title: "Baseline \(baseline.name): seconds per rank", phases: baseline.encoderSeconds != nil,
                    scale: scale, microBatchSeconds: nil, bound: plan.predicted.lowerBoundSeconds),
                caption: "\(baseline.name): each rank's encoder work (images encoded where their samples are) and "
                    + "LLM work"
                    + (seconds.map {
                        ", step \(secondsLabel($0)) (" + String(format: "%.3f", $0 / step)
                            + "× the plan)"
                    } ?? "")
                    + (waited
                        ? "; ranks wait for the slowest of each phase, so the step is the longest encoder "
                            + "bar plus the longest LLM bar" : "; the step waits for the longest bar")
                    + ". The dashed line is the plan's lower bound.")
        }
    }

    /// Several plans of one batch side by side: their steps on one scale, then each plan's ranks on one scale.
    public static func comparison(_ plans: [(label: String, plan: Plan<BatchBalancePlan>)]) -> String {
        guard plans.count > 1, let first = plans.first else {
            return plans.first.map { report($0.plan, microBatchSeconds: nil) } ?? ""
        }
        let samples = first.plan.body.ranks.reduce(0) { $0 + $1.microBatches.reduce(0) { $0 + $1.count } }
        var document = HTMLDocument(title: "Batch-balancing plans compared: \(samples) samples, \(plans.count) plans")
        let fastest = plans.map { $0.plan.predicted.cost.stepSeconds }.min() ?? 1
        document.facts(
            plans.map { entry in
                let step = entry.plan.predicted.cost.stepSeconds
                return (
                    entry.label,
                    secondsLabel(step)
                        + String(
                            format: " (%.3f× the fastest), %d ranks", step / fastest,
                            entry.plan.body.ranks.count)
                        + (entry.plan.body.moved.map { ", \($0.samples) samples moved" } ?? "")
                )
            })
        document.heading("Step time")
        document.figure(
            Figures.stepBars(
                title: "Predicted step time of each plan",
                items: plans.map { ($0.label, $0.plan.predicted.cost.stepSeconds, true) },
                bound: plans.compactMap { $0.plan.predicted.lowerBoundSeconds }.max()),
            caption: "The plans on one scale; the dashed line is the highest of their lower bounds (plans made "
                + "under other rules, such as equal counts, have other bounds).")
        let scale =
            plans.flatMap { entry in
                entry.plan.body.ranks.map { rank in
                    rank.predictedSeconds
                        + (entry.plan.body.encoder?.first { $0.rank == rank.rank }?.predictedSeconds ?? 0)
                }
            }.max() ?? 0
        for entry in plans {
            document.heading(entry.label)
            document.figure(
                rankFigure(entry.plan, scale: scale),
                caption: "\(entry.label): each rank's predicted seconds, on "
                    + "the scale shared by every plan.")
        }
        return document.markup
    }

    /// One rank's bar: its encoder phase (when it has one) then its LLM work.
    struct RankBar {
        var rank: Int
        var encoder: Double
        var llm: Double
        var detail: String
    }

    static func rankFigure(_ plan: Plan<BatchBalancePlan>, scale: Double? = nil, microBatchSeconds: [[Double]]? = nil)
        -> String
    {
        let body = plan.body
        let encoderSeconds = Dictionary(
            uniqueKeysWithValues: (body.encoder ?? []).map { ($0.rank, $0.predictedSeconds) })
        let bars = body.ranks.map { rank in
            RankBar(
                rank: rank.rank, encoder: encoderSeconds[rank.rank] ?? 0, llm: rank.predictedSeconds,
                detail:
                    "\(rank.microBatches.count) micro-batches, \(rank.microBatches.reduce(0) { $0 + $1.count }) samples, "
            )
        }
        return rankFigure(
            bars, title: "Predicted seconds per rank", phases: body.encoder != nil, scale: scale,
            microBatchSeconds: microBatchSeconds)
    }

    static func rankFigure(
        _ bars: [RankBar], title: String, phases: Bool, scale: Double?, microBatchSeconds: [[Double]]?,
        bound: Double? = nil
    ) -> String {
        let left = 70.0
        let right = 70.0
        let top = 44.0
        let width = 720.0
        let plot = width - left - right
        let rowHeight = min(18, max(1, 360 / Double(max(bars.count, 1))))
        let height = top + Double(bars.count) * rowHeight + 46
        let maximum = max(scale ?? 0, bars.map { $0.llm + $0.encoder }.max() ?? 0, 1e-12)
        var svg = SVG(width: width, height: height)
        svg.heading(title)
        if phases {
            Figures.legend(
                &svg, entries: [("encoder phase", Palette.colour(1)), ("LLM phase", Palette.plan)], x: left, y: 36)
        }
        for (row, rank) in bars.enumerated() {
            let y = top + Double(row) * rowHeight
            let encoder = rank.encoder
            if encoder > 0 {
                svg.rect(
                    x: left, y: y + 1, width: encoder / maximum * plot, height: rowHeight - 2, fill: Palette.colour(1),
                    className: "encoder", tooltip: "rank \(rank.rank) encoder: \(secondsLabel(encoder))",
                    data: [("seconds", "\(encoder)"), ("rank", "\(rank.rank)")])
            }
            svg.rect(
                x: left + encoder / maximum * plot, y: y + 1, width: rank.llm / maximum * plot, height: rowHeight - 2,
                fill: Palette.plan, className: "llm",
                tooltip: "rank \(rank.rank): \(rank.detail)\(secondsLabel(rank.llm))",
                data: [("seconds", "\(rank.llm)"), ("rank", "\(rank.rank)")])
            // Micro-batch boundaries as white ticks inside the LLM bar, each segment its micro-batch's seconds.
            if let segments = microBatchSeconds?[row] {
                var x = left + encoder / maximum * plot
                for (index, seconds) in segments.enumerated() {
                    svg.rect(
                        x: x, y: y + 1, width: seconds / maximum * plot, height: rowHeight - 2, fill: Palette.plan,
                        className: "micro-batch",
                        tooltip: "rank \(rank.rank), micro-batch \(index): \(secondsLabel(seconds))",
                        data: [("seconds", "\(seconds)"), ("rank", "\(rank.rank)"), ("micro-batch", "\(index)")],
                        stroke: "#FFFFFF")
                    x += seconds / maximum * plot
                }
            }
            if rowHeight >= 10 {
                svg.text("rank \(rank.rank)", x: left - 6, y: y + rowHeight - 4, anchor: "end", size: 9)
            }
        }
        if rowHeight < 10, let first = bars.first, let last = bars.last {
            svg.text("rank \(first.rank)", x: left - 6, y: top + 9, anchor: "end", size: 9)
            svg.text("rank \(last.rank)", x: left - 6, y: top + Double(bars.count) * rowHeight, anchor: "end", size: 9)
        }
        if let bound {
            let x = left + bound / maximum * plot
            svg.line(
                x1: x, y1: top - 2, x2: x, y2: top + Double(bars.count) * rowHeight + 2, stroke: Palette.bound,
                width: 1.5,
                dashed: true, className: "bound", data: [("seconds", "\(bound)")])
            svg.text("lower bound", x: x + 4, y: 36, size: 10, fill: Palette.bound)
        }
        Figures.axis(
            &svg, left: left, plot: plot, y: top + Double(bars.count) * rowHeight + 4, maximum: maximum, unit: "seconds"
        )
        return svg.markup(title: title)
    }
}
