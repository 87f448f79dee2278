import Foundation

/// The worker × step heatmap of a what-if report as a self-contained SVG (no script, no external resource): one
/// row per worker, one column per step, colour from white (no slowdown) to dark red (the largest in the report).
public enum HeatmapSVG {
    public static func render(_ report: WhatIfReport) -> String {
        // A report decoded from elsewhere may disagree with itself: draw only what every array holds.
        let rows = min(report.heatmapWorkers.count, report.heatmap.count)
        let columns = min(report.stepSeconds.steps.count, report.heatmap.prefix(rows).map(\.count).min() ?? 0)
        let cell = max(4.0, min(18.0, 720.0 / Double(max(columns, 1))))
        let rowHeight = max(3.0, min(14.0, 560.0 / Double(max(rows, 1))))
        let left = 110.0
        let top = 48.0
        let width = left + cell * Double(columns) + 120
        let height = top + rowHeight * Double(rows) + 60
        let highest = max(report.heatmap.flatMap { $0 }.filter(\.isFinite).max() ?? 1, 1.0001)
        func colour(_ value: Double) -> String {
            let share = min(1, max(0, (value - 1) / (highest - 1)))
            let green = Int((1 - share) * 235)
            let blue = Int((1 - share) * 220)
            return "rgb(\(min(255, 200 + Int((1 - share) * 55))),\(green),\(blue))"
        }
        func number(_ value: Double) -> String { String(format: "%.2f", value) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
            <title>Slowdown by worker and step: \(escape(report.job.name))</title>
            <text x="\(Int(left))" y="18" font-size="14">Slowdown by worker and step (\(escape(report.job.name)), \
            S = \(number(report.slowdown)))</text>
            <text x="\(Int(left))" y="36">columns: steps \(report.stepSeconds.steps.first ?? 0)–\
            \(report.stepSeconds.steps.last ?? 0); rows: workers (dp rank, stage)</text>

            """
        for (row, worker) in report.heatmapWorkers.prefix(rows).enumerated() {
            let y = top + rowHeight * Double(row)
            // Labels 11 px high: every row when rows are tall enough, else every k-th so they do not overlap.
            if row % max(1, Int((12 / rowHeight).rounded(.up))) == 0 {
                svg +=
                    "<text x=\"\(Int(left - 6))\" y=\"\(number(y + rowHeight * 0.8))\" text-anchor=\"end\">"
                    + "dp \(worker.dataParallelRank) · stage \(worker.stage)</text>\n"
            }
            for (column, value) in report.heatmap[row].prefix(columns).enumerated() {
                let x = left + cell * Double(column)
                svg +=
                    "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(cell))\" height=\"\(number(rowHeight))\" "
                    + "fill=\"\(colour(value))\"><title>step \(report.stepSeconds.steps[column]), dp "
                    + "\(worker.dataParallelRank) stage \(worker.stage): \(number(value))</title></rect>\n"
            }
        }
        // Steps along the bottom, a label every few columns so that they do not overlap.
        let bottom = top + rowHeight * Double(rows)
        let every = max(1, Int((44 / cell).rounded(.up)))
        for column in stride(from: 0, to: columns, by: every) {
            let x = left + cell * (Double(column) + 0.5)
            svg +=
                "<text x=\"\(number(x))\" y=\"\(number(bottom + 14))\" text-anchor=\"middle\">"
                + "\(report.stepSeconds.steps[column])</text>\n"
        }
        svg +=
            "<text x=\"\(number(left + cell * Double(columns) / 2))\" y=\"\(number(bottom + 32))\" "
            + "text-anchor=\"middle\">step</text>\n"
        // Legend: the colour scale from 1 to the largest value.
        let legendX = left + cell * Double(columns) + 20
        svg += "<text x=\"\(Int(legendX))\" y=\"\(number(top - 6))\">slowdown</text>\n"
        for index in 0..<10 {
            let value = 1 + (highest - 1) * Double(9 - index) / 9
            svg +=
                "<rect x=\"\(Int(legendX))\" y=\"\(number(top + Double(index) * 14))\" width=\"14\" height=\"14\" "
                + "fill=\"\(colour(value))\"/><text x=\"\(Int(legendX + 20))\" y=\"\(number(top + Double(index) * 14 + 11))\">"
                + "\(number(value))×</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
