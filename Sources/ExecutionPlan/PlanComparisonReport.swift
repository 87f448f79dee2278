import Foundation

/// A comparison as a terminal table, Markdown, CSV or JSON. The tables round (a reader compares them); CSV and JSON
/// keep full precision (a script does).
extension PlanComparison {
    /// The extra figures any row has, in a fixed order.
    var extraNames: [String] { Set(rows.flatMap(\.extras.keys)).sorted() }

    var header: [String] { ["plan", "strategy", metric, "× best", "× bound"] + extraNames }

    /// `readable` for people: ratios to four decimals (1.0008, not 1.001), other figures to four significant digits.
    private func cells(_ row: Row, readable: Bool) -> [String] {
        func ratio(_ value: Double) -> String { readable ? String(format: "%.4f", value) : "\(value)" }
        func figure(_ value: Double) -> String { readable ? String(format: "%.4g", value) : "\(value)" }
        return [row.plan, row.strategy, figure(row.seconds), ratio(row.overBest), row.overBound.map(ratio) ?? ""]
            + extraNames.map { name in row.extras[name].map(name.contains("/") ? ratio : figure) ?? "" }
    }

    /// Columns padded to line up, numbers right-aligned; a note when the plans come from different inputs.
    public func table() -> String {
        let body = rows.map { cells($0, readable: true) }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max() ?? 0 }
        func line(_ values: [String]) -> String {
            values.enumerated().map { column, value in
                let pad = String(repeating: " ", count: widths[column] - value.count)
                return column < 2 ? value + pad : pad + value
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + body.map(line) + notes).joined(separator: "\n")
    }

    public func markdown() -> String {
        let align = header.indices.map { $0 < 2 ? "---" : "---:" }
        let lines = [header, align] + rows.map { cells($0, readable: true) }
        return (lines.map { "| " + $0.joined(separator: " | ") + " |" } + notes.map { "\n" + $0 }).joined(
            separator: "\n")
    }

    /// RFC 4180: cells with a comma, quote or line break are quoted.
    public func csv() -> String {
        func quoted(_ cell: String) -> String {
            cell.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }
        let lines = [header] + rows.map { cells($0, readable: false) }
        return lines.map { $0.map(quoted).joined(separator: ",") }.joined(separator: "\n")
    }

    /// Pretty JSON with sorted keys, like plans.
    public func json() throws -> String {
        String(decoding: try PlanCoding.prettyEncoder.encode(self), as: UTF8.self)
    }

    private var notes: [String] {
        sameInputs
            ? []
            : [
                "note: the plans were computed from different inputs (their digests differ), so their times are not like for like"
            ]
    }
}
