import ExecutionPlan
import Foundation

/// The figures the reports are made of. Each is a titled SVG with axes, units and a legend where colours carry meaning.
enum Figures {
    /// Horizontal bars of seconds (the plan first, then its baselines) with the lower bound as a dashed line: bar
    /// length ∝ seconds on one scale (`scaleMaximum`, so figures placed side by side compare).
    static func stepBars(
        title: String, items: [(label: String, seconds: Double, isPlan: Bool)], bound: Double?,
        scaleMaximum: Double? = nil, boundLabel: String = "lower bound"
    ) -> String {
        let left = labelColumn(items.map(\.label), size: 11, minimum: 170)
        let right = 70.0
        let rowHeight = 22.0
        let top = 46.0
        let width = 720.0
        let plot = width - left - right
        let height = top + Double(items.count) * rowHeight + 44
        let maximum = max(scaleMaximum ?? 0, items.map(\.seconds).max() ?? 0, bound ?? 0, 1e-12)
        var svg = SVG(width: width, height: height)
        svg.heading(title)
        for (index, item) in items.enumerated() {
            let y = top + Double(index) * rowHeight
            svg.text(SVG.fitted(item.label, size: 11, width: left - 16), x: left - 8, y: y + 15, anchor: "end")
            svg.rect(
                x: left, y: y + 3, width: item.seconds / maximum * plot, height: rowHeight - 6,
                fill: item.isPlan ? Palette.plan : Palette.baseline, className: "bar",
                tooltip: "\(item.label): \(secondsLabel(item.seconds))",
                data: [("seconds", "\(item.seconds)"), ("label", item.label)])
            svg.text(
                secondsLabel(item.seconds), x: left + item.seconds / maximum * plot + 4, y: y + 15, size: 10,
                fill: "#444")
        }
        let axisY = top + Double(items.count) * rowHeight + 4
        axis(&svg, left: left, plot: plot, y: axisY, maximum: maximum, unit: "seconds")
        if let bound {
            let x = left + bound / maximum * plot
            svg.line(
                x1: x, y1: top - 4, x2: x, y2: axisY, stroke: Palette.bound, width: 1.5, dashed: true,
                className: "bound",
                data: [("seconds", "\(bound)")])
            svg.text(
                "\(boundLabel) \(secondsLabel(bound))", x: x, y: top - 8, anchor: "middle", size: 10,
                fill: Palette.bound)
        }
        return svg.markup(title: title)
    }

    /// Horizontal bars of values in `unit` (e.g. slowdowns, "× ideal"), with an optional reference line (1 for
    /// slowdowns): bar length ∝ value.
    static func valueBars(
        title: String, items: [(label: String, value: Double)], unit: String, format: String,
        reference: (value: Double, label: String)?
    ) -> String {
        let left = labelColumn(items.map(\.label), size: 10, minimum: 230)
        let right = 60.0
        let rowHeight = 20.0
        let top = 46.0
        let width = 720.0
        let plot = width - left - right
        let height = top + Double(items.count) * rowHeight + 44
        let maximum = max(items.map(\.value).max() ?? 0, reference?.value ?? 0, 1e-12)
        var svg = SVG(width: width, height: height)
        svg.heading(title)
        for (index, item) in items.enumerated() {
            let y = top + Double(index) * rowHeight
            let label = SVG.fitted(item.label, size: 10, width: left - 16)
            svg.text(label, x: left - 8, y: y + 14, anchor: "end", size: 10)
            svg.rect(
                x: left, y: y + 3, width: item.value / maximum * plot, height: rowHeight - 6, fill: Palette.plan,
                className: "value",
                tooltip: "\(item.label): " + String(format: format, item.value),
                data: [("value", "\(item.value)"), ("label", item.label)])
            svg.text(
                String(format: format, item.value), x: left + item.value / maximum * plot + 4, y: y + 14, size: 10,
                fill: "#444")
        }
        let axisY = top + Double(items.count) * rowHeight + 4
        axis(&svg, left: left, plot: plot, y: axisY, maximum: maximum, unit: unit)
        if let reference {
            let x = left + reference.value / maximum * plot
            svg.line(
                x1: x, y1: top - 4, x2: x, y2: axisY, stroke: Palette.bound, width: 1.5, dashed: true,
                className: "reference")
            svg.text(reference.label, x: x, y: top - 8, anchor: "middle", size: 10, fill: Palette.bound)
        }
        return svg.markup(title: title)
    }

    /// The x where a bar plot starts: room for the widest right-aligned label (8 px either side), at least `minimum`
    /// and at most half the figure, beyond which labels are shortened.
    static func labelColumn(_ labels: [String], size: Double, minimum: Double) -> Double {
        let widest = labels.map { SVG.estimatedWidth($0, size: size) }.max() ?? 0
        return min(360, max(minimum, (widest + 16).rounded(.up)))
    }

    /// A plan's step against its baselines: the facts' rows and the bars (sequence parallelism, batch balancing).
    static func baselineFacts<Body: PlanBody>(_ plan: Plan<Body>) -> [(String, String)] where Body.Cost == StepTime {
        let step = plan.predicted.cost.stepSeconds
        return plan.baselines.map { baseline in
            (
                "baseline \(baseline.name)",
                secondsLabel(baseline.cost.stepSeconds)
                    + String(
                        format: " (%.2f× the plan)",
                        baseline.cost.stepSeconds / step)
            )
        }
    }

    static func planAndBaselines<Body: PlanBody>(_ plan: Plan<Body>) -> String where Body.Cost == StepTime {
        stepBars(
            title: "Predicted step time",
            items: [("this plan", plan.predicted.cost.stepSeconds, true)]
                + plan.baselines.map { ($0.name, $0.cost.stepSeconds, false) },
            bound: plan.predicted.lowerBoundSeconds)
    }

    /// An x axis from 0 to `maximum` at `y`, with round ticks and the unit.
    static func axis(_ svg: inout SVG, left: Double, plot: Double, y: Double, maximum: Double, unit: String) {
        svg.line(x1: left, y1: y, x2: left + plot, y2: y)
        for tick in ticks(upTo: maximum) {
            let x = left + tick / maximum * plot
            svg.line(x1: x, y1: y, x2: x, y2: y + 4)
            svg.text(
                tick == 0 ? "0" : String(format: tick < 1 ? "%.2g" : "%g", tick), x: x, y: y + 16, anchor: "middle",
                size: 10)
        }
        svg.text(unit, x: left + plot, y: y + 30, anchor: "end", size: 10, fill: "#555")
    }

    /// A legend of coloured squares, left to right.
    static func legend(_ svg: inout SVG, entries: [(label: String, colour: String)], x: Double, y: Double) {
        var cursor = x
        for entry in entries {
            svg.rect(
                x: cursor, y: y - 9, width: 10, height: 10, fill: entry.colour, className: "legend", stroke: "#888888")
            svg.text(entry.label, x: cursor + 14, y: y, size: 10)
            cursor += 20 + Double(entry.label.count) * 6
        }
    }
}
