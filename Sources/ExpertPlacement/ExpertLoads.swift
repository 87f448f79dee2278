import CostModel
import Foundation
import InputFiles

/// A bad input to the expert placement planner.
public typealias ExpertPlacementError = PlannerInputError

/// Expert loads (tokens routed to each logical expert) per MoE layer, from JSON `[[tokens per expert] per layer]` or
/// CSV (one row per layer, no header). UTF-8 with or without a byte-order mark; LF, CRLF or CR line ends.
public enum ExpertLoadsFile {
    public static func parse(_ data: Data, source: String) throws(ExpertPlacementError) -> [[Double]] {
        let text = TextInput.text(data).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ExpertPlacementError(field: source, value: "empty", reason: "no layers") }
        if text.hasPrefix("[") {
            guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
                throw ExpertPlacementError(field: source, value: String(text.prefix(40)), reason: "not valid JSON")
            }
            return try matrix(json, field: source)
        }
        var rows: [[Double]] = []
        for (number, line) in TextInput.lines(data).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var row: [Double] = []
            for (column, cell) in trimmed.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let cellText = cell.trimmingCharacters(in: .whitespaces)
                guard let value = Double(cellText) else {
                    throw ExpertPlacementError(
                        field: "\(source) line \(number + 1) column \(column + 1)", value: "\"\(cellText)\"",
                        reason: "not a number")
                }
                row.append(value)
            }
            rows.append(row)
        }
        return rows
    }

    /// Origins: per layer a [GPU × expert] matrix of the tokens each GPU routes to each expert.
    public static func parseOrigins(_ data: Data, source: String) throws(ExpertPlacementError) -> [[[Double]]] {
        guard let json = try? JSONSerialization.jsonObject(with: data), let layers = json as? [Any] else {
            throw ExpertPlacementError(
                field: source, value: "", reason: "expected JSON [[[tokens per expert] per GPU] per layer]")
        }
        var result: [[[Double]]] = []
        for (l, layer) in layers.enumerated() {
            result.append(try matrix(layer, field: "\(source)[\(l)]"))
        }
        return result
    }

    private static func matrix(_ json: Any, field: String) throws(ExpertPlacementError) -> [[Double]] {
        guard let rows = json as? [Any] else {
            throw ExpertPlacementError(field: field, value: "\(type(of: json))", reason: "expected a list of rows")
        }
        var result: [[Double]] = []
        for (r, row) in rows.enumerated() {
            guard let cells = row as? [Any] else {
                throw ExpertPlacementError(
                    field: "\(field)[\(r)]", value: "\(row)", reason: "expected a list of numbers")
            }
            var values: [Double] = []
            for (c, cell) in cells.enumerated() {
                guard let number = cell as? NSNumber, !number.isBoolean else {
                    throw ExpertPlacementError(field: "\(field)[\(r)][\(c)]", value: "\(cell)", reason: "not a number")
                }
                values.append(number.doubleValue)
            }
            result.append(values)
        }
        return result
    }
}
