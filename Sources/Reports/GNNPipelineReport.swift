import CostModel
import Foundation

/// The report of a GNN layout (docs/reports.md §GNN layouts), made when planning (`plan gnn-pipeline --report`): the
/// plan does not carry the mirror counts and the layouts compared, which its figures need. The epoch against the
/// baselines, the lock-step pipeline schedule with its bubbles, and the communication volume of each layout.
public enum GNNPipelineReport {
    public static func html(
        model: GNNModel, cost: GNNPipelineCost, layout: GNNPipelineCost.Layout,
        estimate: GNNPipelineCost.Estimate, baselines: [(name: String, estimate: GNNPipelineCost.Estimate)],
        lowerBound: Double
    ) -> String {
        var document = HTMLDocument(
            title:
                "GNN layout: \(layout.ways) ways × \(layout.stages) stages, \(layout.ways * layout.chunksPerWay) chunks"
        )
        document.facts(
            [
                ("graph", "\(cost.vertices) vertices, \(cost.edges) edges; \(model.layers) layers"),
                (
                    "epoch",
                    secondsLabel(estimate.epochSeconds)
                        + String(format: ", bubble %.1f %%", estimate.bubbleFraction * 100)
                ),
                (
                    "stages",
                    layout.stageLayers.enumerated().map {
                        "stage \($0.offset): layers \($0.element.lowerBound)-\($0.element.upperBound - 1)"
                    }
                    .joined(separator: "; ")
                ),
                ("mirrors", "\(layout.mirrors) (the ways' vertices copied from another way)"),
            ]
                + baselines.map {
                    (
                        "baseline \($0.name)",
                        secondsLabel($0.estimate.epochSeconds)
                            + String(format: " (%.2f× the plan)", $0.estimate.epochSeconds / estimate.epochSeconds)
                    )
                })
        document.heading("Epoch time")
        document.figure(
            Figures.stepBars(
                title: "Predicted epoch time",
                items: [("this layout", estimate.epochSeconds, true)]
                    + baselines.map { ($0.name, $0.estimate.epochSeconds, false) },
                bound: lowerBound),
            caption: "The layout and the baselines (pure graph parallelism, pure pipeline, GNNPipe's fixed layout) "
                + "on one scale; the dashed line is every layer's work perfectly spread.")
        document.heading("Pipeline schedule")
        document.figure(
            scheduleFigure(cost: cost, layout: layout),
            caption: "Stages (down) against time (across), lock-step "
                + "as GNNPipe runs: in each slot every stage runs one chunk, forward then backward, so the first and "
                + "last slots of each pass leave stages idle (the bubble); then each stage's ways all-reduce its weights."
        )
        document.heading("Communication")
        let rows = [("this layout", estimate)] + baselines.map { ($0.name, $0.estimate) }
        document.figure(
            volumeFigure(rows),
            caption: "Bytes all GPUs send per epoch: mirror exchanges among the ways (graph "
                + "parallelism), activations across stage boundaries (pipeline), and the weight all-reduce.")
        return document.markup
    }

    /// `scale`: a time axis shared with other plans' schedules (comparisons), else this epoch's own.
    static func scheduleFigure(
        cost: GNNPipelineCost, layout: GNNPipelineCost.Layout, scale: Double? = nil,
        label: String? = nil
    ) -> String {
        let schedule = cost.schedule(layout)
        let left = 70.0
        let right = 20.0
        let top = 46.0
        let width = 720.0
        let plot = width - left - right
        let rowHeight = min(28, max(6, 240 / Double(layout.stages)))
        let total = max(scale ?? 0, schedule.allReduceStart + schedule.allReduceSeconds, 1e-12)
        let title = (label.map { "\($0): " } ?? "") + "Lock-step pipeline schedule"
        var svg = SVG(width: width, height: top + Double(layout.stages) * rowHeight + 50)
        svg.heading(title)
        Figures.legend(
            &svg,
            entries: [
                ("forward", Palette.colour(0)), ("backward", Palette.colour(1)),
                ("weight all-reduce", Palette.overhead),
            ],
            x: left, y: 36)
        for item in schedule.chunks {
            let y = top + Double(item.stage) * rowHeight
            svg.rect(
                x: left + item.start / total * plot, y: y + 1, width: item.seconds / total * plot,
                height: rowHeight - 2,
                fill: Palette.colour(item.forward ? 0 : 1), className: item.forward ? "forward" : "backward",
                tooltip:
                    "stage \(item.stage), chunk \(item.chunk), \(item.forward ? "forward" : "backward"): \(secondsLabel(item.seconds))",
                data: [
                    ("seconds", "\(item.seconds)"), ("start", "\(item.start)"), ("stage", "\(item.stage)"),
                    ("chunk", "\(item.chunk)"),
                ],
                stroke: "#FFFFFF")
        }
        for stage in 0..<layout.stages {
            let y = top + Double(stage) * rowHeight
            svg.rect(
                x: left + schedule.allReduceStart / total * plot, y: y + 1,
                width: schedule.allReduceSeconds / total * plot,
                height: rowHeight - 2, fill: Palette.overhead, className: "all-reduce",
                data: [("seconds", "\(schedule.allReduceSeconds)")])
            svg.text("stage \(stage)", x: left - 6, y: y + rowHeight / 2 + 4, anchor: "end", size: 10)
        }
        Figures.axis(
            &svg, left: left, plot: plot, y: top + Double(layout.stages) * rowHeight + 4, maximum: total,
            unit: "seconds")
        return svg.markup(title: title)
    }

    static func volumeFigure(_ rows: [(String, GNNPipelineCost.Estimate)]) -> String {
        let left = 170.0
        let right = 90.0
        let top = 46.0
        let rowHeight = 22.0
        let width = 720.0
        let plot = width - left - right
        let maximum = max(rows.map { $0.1.graphBytes + $0.1.layerBytes + $0.1.weightBytes }.max() ?? 0, 1)
        let title = "Communication volume per epoch"
        var svg = SVG(width: width, height: top + Double(rows.count) * rowHeight + 44)
        svg.heading(title)
        Figures.legend(
            &svg,
            entries: [
                ("mirrors (graph)", Palette.colour(2)), ("stage boundaries", Palette.colour(3)),
                ("weights", Palette.colour(4)),
            ], x: left, y: 36)
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight + 4
            svg.text(row.0, x: left - 8, y: y + 13, anchor: "end", size: 10)
            var x = left
            for (part, bytes, colour) in [
                ("graph", row.1.graphBytes, 2), ("layer", row.1.layerBytes, 3), ("weights", row.1.weightBytes, 4),
            ] {
                let length = bytes / maximum * plot
                svg.rect(
                    x: x, y: y, width: length, height: rowHeight - 6, fill: Palette.colour(colour), className: "volume",
                    tooltip: "\(row.0), \(part): " + String(format: "%.3g GB", bytes / 1e9),
                    data: [("bytes", "\(bytes)"), ("part", part)])
                x += length
            }
            svg.text(
                String(format: "%.3g GB", (row.1.graphBytes + row.1.layerBytes + row.1.weightBytes) / 1e9), x: x + 4,
                y: y + 13,
                size: 10, fill: "#444")
        }
        Figures.axis(
            &svg, left: left, plot: plot, y: top + Double(rows.count) * rowHeight + 4, maximum: maximum / 1e9,
            unit: "GB")
        return svg.markup(title: title)
    }

    /// Several layouts of one graph, model and cluster side by side: their epochs and the baselines on one scale,
    /// each layout's lock-step schedule on one time axis, and every layout's communication volume on one axis.
    public static func comparison(
        model: GNNModel, cost: GNNPipelineCost,
        layouts: [(label: String, layout: GNNPipelineCost.Layout, estimate: GNNPipelineCost.Estimate)],
        baselines: [(name: String, estimate: GNNPipelineCost.Estimate)], lowerBound: Double
    ) -> String {
        var document = HTMLDocument(
            title: "GNN layouts compared: \(cost.vertices) vertices, \(model.layers) layers, \(layouts.count) plans")
        let fastest = layouts.map(\.estimate.epochSeconds).min() ?? 1
        document.facts(
            layouts.map { entry in
                (
                    entry.label,
                    "\(entry.layout.ways) way\(entry.layout.ways == 1 ? "" : "s") × \(entry.layout.stages) "
                        + "stage\(entry.layout.stages == 1 ? "" : "s"), \(entry.layout.ways * entry.layout.chunksPerWay) chunks: "
                        + secondsLabel(entry.estimate.epochSeconds)
                        + String(
                            format: " (%.3f× the fastest), bubble %.1f %%",
                            entry.estimate.epochSeconds / fastest, entry.estimate.bubbleFraction * 100)
                )
            })
        document.heading("Epoch time")
        document.figure(
            Figures.stepBars(
                title: "Predicted epoch time of each layout",
                items: layouts.map { ($0.label, $0.estimate.epochSeconds, true) }
                    + baselines.map { ($0.name, $0.estimate.epochSeconds, false) },
                bound: lowerBound),
            caption:
                "The layouts and the baselines on one scale; the dashed line is every layer's work perfectly spread.")
        document.heading("Pipeline schedules")
        let scale = layouts.map { cost.schedule($0.layout) }.map { $0.allReduceStart + $0.allReduceSeconds }.max() ?? 0
        for entry in layouts {
            document.figure(
                scheduleFigure(cost: cost, layout: entry.layout, scale: scale, label: entry.label),
                caption: "\(entry.label): stages against time on the axis every layout shares; forward, backward and "
                    + "the weight all-reduce as in the single report.")
        }
        document.heading("Communication")
        document.figure(
            volumeFigure(layouts.map { ($0.label, $0.estimate) } + baselines.map { ($0.name, $0.estimate) }),
            caption: "Bytes all GPUs send per epoch for each layout and baseline, on one axis.")
        return document.markup
    }
}
