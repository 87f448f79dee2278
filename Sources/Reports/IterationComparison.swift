import Foundation

/// Several iteration estimates in one report (`report --estimate A.json --estimate B.json`): their facts, then time
/// and memory as one stacked bar per estimate on one scale, each part in the same colour in every bar.
extension IterationReport {
    public static func comparison(_ estimates: [(label: String, summary: Summary)]) -> String {
        guard estimates.count > 1 else {
            return estimates.first.map { html($0.summary) } ?? HTMLDocument(title: "Iteration estimates").markup
        }
        var document = HTMLDocument(title: "Iteration estimates compared")
        sections(estimates, into: &document)
        return document.markup
    }

    /// A plan report with the estimates' sections after its own (`report PLAN.json --estimate E.json`).
    public static func appending(_ estimates: [(label: String, summary: Summary)], to markup: String) -> String {
        guard !estimates.isEmpty, let end = markup.range(of: "\n</body>", options: .backwards) else { return markup }
        var document = HTMLDocument(title: "")
        document.heading(estimates.count == 1 ? "Iteration estimate" : "Iteration estimates compared")
        sections(estimates, into: &document)
        return markup.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: "\n" + document.bodyMarkup)
    }

    /// The comparison's sections, also appended to a plan report that was given estimates.
    static func sections(_ estimates: [(label: String, summary: Summary)], into document: inout HTMLDocument) {
        guard estimates.count > 1 else {
            if let only = estimates.first {
                document.heading("Estimate: \(only.label) (\(only.summary.subject))")
                sections(only.summary, into: &document)
            }
            return
        }
        for (index, entry) in estimates.enumerated() {
            document.heading("\(index + 1). \(entry.label): \(entry.summary.subject)", level: 3)
            document.facts(entry.summary.facts)
        }
        let gib = 1_073_741_824.0
        document.heading("Iteration time")
        document.figure(
            stackedRows(
                title: "Where each iteration's time goes",
                rows: estimates.map { ($0.label, $0.summary.timeParts, $0.summary.iterationSeconds) },
                unit: "seconds", scale: 1),
            caption: timeCaption + " One bar per estimate, on one scale; the tick after each bar is its iteration.")
        document.heading("Memory")
        document.figure(
            stackedRows(
                title: "Where a GPU's memory goes",
                rows: estimates.map { ($0.label, $0.summary.memoryParts, $0.summary.usableMemoryBytes) },
                unit: "GiB", scale: 1 / gib),
            caption: "The peak per GPU by part, one bar per estimate on one scale; the dashed tick on each row "
                + "is the memory usable under its headroom. A bar past its tick does not fit.")
    }

    /// One row per estimate: its parts left to right in the colours of the legend, and a dashed tick at its total.
    static func stackedRows(
        title: String, rows: [(label: String, parts: [(String, Double)], total: Double)],
        unit: String, scale: Double
    ) -> String {
        let left = 150.0
        let right = 30.0
        let width = 720.0
        let plot = width - left - right
        let top = 70.0
        let rowHeight = 30.0
        let names = rows.first?.parts.map(\.0) ?? []
        let maximum =
            max(rows.map { max($0.parts.reduce(0) { $0 + max($1.1, 0) }, $0.total) }.max() ?? 0, 1e-12) * scale
        var svg = SVG(width: width, height: top + Double(rows.count) * rowHeight + 44)
        svg.heading(title)
        // Only the parts some row has, in the legend; three or four entries fit a line.
        let present = names.indices.filter { part in rows.contains { $0.parts[part].1 > 0 } }
        for (slot, part) in present.enumerated() {
            let x = 8 + Double(slot % 4) * 175
            let y = 36 + Double(slot / 4) * 16
            svg.rect(
                x: x, y: y - 9, width: 10, height: 10, fill: Palette.colour(part), className: "legend",
                stroke: "#888888")
            svg.text(names[part], x: x + 14, y: y, size: 10)
        }
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            // Numbered as the facts above; a long file name is cut so it stays left of the bars.
            let label = row.label.count > 20 ? row.label.prefix(19) + "…" : row.label
            svg.text("\(index + 1). \(label)", x: left - 8, y: y + 17, anchor: "end", size: 10)
            var x = left
            for (part, entry) in row.parts.enumerated() where entry.1 > 0 {
                let length = entry.1 * scale / maximum * plot
                svg.rect(
                    x: x, y: y + 4, width: length, height: rowHeight - 8, fill: Palette.colour(part), className: "part",
                    tooltip: "\(row.label), \(entry.0): " + String(format: "%.4g", entry.1 * scale) + " \(unit)",
                    data: [("value", "\(entry.1 * scale)"), ("label", entry.0), ("row", "\(index)")], stroke: "#FFFFFF")
                x += length
            }
            let tick = left + row.total * scale / maximum * plot
            svg.line(
                x1: tick, y1: y + 1, x2: tick, y2: y + rowHeight - 1, stroke: Palette.bound, width: 1.5, dashed: true,
                className: "total", data: [("value", "\(row.total * scale)"), ("row", "\(index)")])
        }
        Figures.axis(
            &svg, left: left, plot: plot, y: top + Double(rows.count) * rowHeight + 2, maximum: maximum, unit: unit)
        return svg.markup(title: title)
    }
}
