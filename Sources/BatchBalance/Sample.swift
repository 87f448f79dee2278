import CostModel
import Foundation
import InputFiles

/// One training sample: its LLM sequence length (images included), the token counts of its images, and the rank
/// that loaded it (for counting what moves).
public struct Sample: Sendable, Equatable {
    public var tokens: Int
    public var images: [Int]
    public var loadedRank: Int?

    public init(tokens: Int, images: [Int] = [], loadedRank: Int? = nil) {
        self.tokens = tokens
        self.images = images
        self.loadedRank = loadedRank
    }
}

/// Samples from JSON Lines (`{"tokens": 2410, "images": [576, 1024], "rank": 3}`) or CSV with a `tokens` column and
/// optional `images` (image token counts separated by spaces, semicolons or quoted commas, brackets allowed) and `rank`
/// columns; other CSV columns are ignored. A sample's index is its line number from 0 (JSONL) or its data row from 0
/// (CSV), blank lines not counted. UTF-8 with or without a byte-order mark; LF, CRLF or CR line ends.
public enum SamplesFile {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let source: String
        public let location: String
        public let reason: String
        public var description: String { "\(source): \(location): \(reason)" }
    }

    public static func parse(_ data: Data, source: String) throws(ParseError) -> [Sample] {
        let lines = TextInput.lines(data).map { $0.trimmingCharacters(in: .whitespaces) }
        let first = lines.first { !$0.isEmpty } ?? ""
        return first.hasPrefix("{") ? try jsonLines(lines, source: source) : try csv(lines, source: source)
    }

    /// A JSON value as the file wrote it: a string in quotes, so `"5"` is not mistaken for the number 5.
    static func shown(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text.prefix(40))\"" }
        if value is NSNull { return "null" }
        if let number = value as? NSNumber, number.isBoolean { return number.boolValue ? "true" : "false" }
        return "\(value)".prefix(40).description
    }

    private static func jsonLines(_ lines: [String], source: String) throws(ParseError) -> [Sample] {
        var samples: [Sample] = []
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let location = "line \(number + 1)"
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw ParseError(source: source, location: location, reason: "not a JSON object")
            }
            if let unknown = object.keys.sorted().first(where: { !["tokens", "images", "rank"].contains($0) }) {
                throw ParseError(
                    source: source, location: location,
                    reason: "unknown key \"\(unknown)\" (expected tokens, images, rank)")
            }
            guard let tokens = whole(object["tokens"]) else {
                throw ParseError(
                    source: source, location: location,
                    reason:
                        "tokens = \(object["tokens"].map(Self.shown) ?? "missing"): must be a whole number below 10^15")
            }
            var images: [Int] = []
            if let raw = object["images"] {
                guard let list = raw as? [Any] else {
                    throw ParseError(source: source, location: location, reason: "images must be a list")
                }
                for (index, item) in list.enumerated() {
                    guard let value = whole(item) else {
                        throw ParseError(
                            source: source, location: location,
                            reason: "images[\(index)] = \(Self.shown(item)): must be a whole number below 10^15")
                    }
                    images.append(value)
                }
            }
            var rank: Int?
            if let raw = object["rank"] {
                guard let value = whole(raw) else {
                    throw ParseError(
                        source: source, location: location,
                        reason: "rank = \(Self.shown(raw)): must be a whole number below 10^15")
                }
                rank = value
            }
            samples.append(Sample(tokens: tokens, images: images, loadedRank: rank))
        }
        return samples
    }

    private static func csv(_ lines: [String], source: String) throws(ParseError) -> [Sample] {
        let rows = lines.enumerated().filter { !$0.element.isEmpty }
        guard let header = rows.first else { return [] }
        let headerLocation = "line \(header.offset + 1)"
        guard let columns = TextInput.csvCells(Substring(header.element))?.map({ $0.lowercased() }) else {
            throw ParseError(source: source, location: headerLocation, reason: "a quote is not closed")
        }
        guard let tokenColumn = columns.firstIndex(of: "tokens") else {
            throw ParseError(
                source: source, location: headerLocation, reason: "CSV needs a tokens column (or use JSON Lines)")
        }
        let imagesColumn = columns.firstIndex(of: "images")
        let rankColumn = columns.firstIndex(of: "rank")
        var samples: [Sample] = []
        for (number, line) in rows.dropFirst() {
            let location = "line \(number + 1)"
            guard let cells = TextInput.csvCells(Substring(line)) else {
                throw ParseError(source: source, location: location, reason: "a quote is not closed")
            }
            guard tokenColumn < cells.count, let tokens = Int(cells[tokenColumn]) else {
                let cell = tokenColumn < cells.count ? cells[tokenColumn] : "missing"
                throw ParseError(source: source, location: location, reason: "tokens = \(cell): must be a whole number")
            }
            var images: [Int] = []
            if let imagesColumn, imagesColumn < cells.count {
                images = try imageList(cells[imagesColumn], source: source, location: location)
            }
            var rank: Int?
            if let rankColumn, rankColumn < cells.count, !cells[rankColumn].isEmpty {
                guard let value = Int(cells[rankColumn]) else {
                    throw ParseError(
                        source: source, location: location,
                        reason: "rank = \(cells[rankColumn]): must be a whole number")
                }
                rank = value
            }
            samples.append(Sample(tokens: tokens, images: images, loadedRank: rank))
        }
        return samples
    }

    /// A CSV `images` cell: `576 1024`, `576;1024` or `"[576, 1024]"` (how pandas writes a list); empty for none.
    private static func imageList(_ cell: String, source: String, location: String) throws(ParseError) -> [Int] {
        var body = Substring(cell)
        if body.first == "[", body.last == "]" { body = body.dropFirst().dropLast() }
        var images: [Int] = []
        for (index, item) in body.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }).enumerated() {
            guard let value = Int(item) else {
                throw ParseError(
                    source: source, location: location, reason: "images[\(index)] = \(item): must be a whole number")
            }
            images.append(value)
        }
        return images
    }

    private static func whole(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !number.isBoolean else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }
}
