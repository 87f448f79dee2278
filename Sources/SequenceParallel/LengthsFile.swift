import CostModel
import Foundation
import InputFiles

/// Sequence lengths from text: one whole number per line (blank lines and `#` comments ignored), or a JSON
/// array. A sequence's index is its position. UTF-8 with or without a byte-order mark; LF, CRLF or CR line ends.
public enum LengthsFile {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let source: String
        public let location: String
        public let value: String
        public let reason: String
        public var description: String { "\(source): \(location) = \(value): \(reason)" }
    }

    public static func parse(_ data: Data, source: String) throws(ParseError) -> [Int] {
        let text = TextInput.text(data)
        if text.drop(while: { $0.isWhitespace }).first == "[" {
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
                throw ParseError(source: source, location: "file", value: "", reason: "not a valid JSON array")
            }
            return try array.enumerated().map { (index, item) throws(ParseError) -> Int in
                if let number = item as? NSNumber, !number.isBoolean,
                    number.doubleValue.rounded() == number.doubleValue,
                    abs(number.doubleValue) < 1e15
                {
                    return Int(number.doubleValue)
                }
                throw ParseError(
                    source: source, location: "[\(index)]", value: "\(item)",
                    reason: "must be a whole number below 10^15")
            }
        }
        var lengths: [Int] = []
        for (number, rawLine) in TextInput.lines(data).enumerated() {
            let trimmed = withoutBlanks(rawLine.prefix { $0 != "#" })
            guard !trimmed.isEmpty else { continue }
            guard let value = Int(trimmed) else {
                throw ParseError(
                    source: source, location: "line \(number + 1)", value: String(trimmed),
                    reason: "must be a whole number")
            }
            lengths.append(value)
        }
        return lengths
    }

    /// The line without leading and trailing spaces and tabs (CharacterSet.whitespaces, scanned by scalar: about
    /// twenty times faster than Foundation's trimming on a million lines).
    private static func withoutBlanks(_ line: Substring) -> Substring {
        func isBlank(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = line.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isBlank($0) }),
            let last = scalars.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return Substring(scalars[first...last])
    }
}
