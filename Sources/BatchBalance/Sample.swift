import Foundation

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

/// Samples from JSON Lines (`{"tokens": 2410, "images": [576, 1024], "rank": 3}`) or CSV with a `tokens` column (and
/// optional `rank`). A sample's index is its line number from 0 (JSONL) or its data row from 0 (CSV).
public enum SamplesFile {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let source: String
        public let location: String
        public let reason: String
        public var description: String { "\(source): \(location): \(reason)" }
    }

    public static func parse(_ data: Data, source: String) throws(ParseError) -> [Sample] {
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let first = lines.first { !$0.isEmpty } ?? ""
        return first.hasPrefix("{") ? try jsonLines(lines, source: source) : try csv(lines, source: source)
    }

    private static func jsonLines(_ lines: [String], source: String) throws(ParseError) -> [Sample] {
        var samples: [Sample] = []
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let location = "line \(number + 1)"
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw ParseError(source: source, location: location, reason: "not a JSON object")
            }
            if let unknown = object.keys.sorted().first(where: { !["tokens", "images", "rank"].contains($0) }) {
                throw ParseError(source: source, location: location, reason: "unknown key \"\(unknown)\" (expected tokens, images, rank)")
            }
            guard let tokens = whole(object["tokens"]) else {
                throw ParseError(source: source, location: location, reason: "tokens = \(object["tokens"].map { "\($0)" } ?? "missing"): must be a whole number below 10^15")
            }
            var images: [Int] = []
            if let raw = object["images"] {
                guard let list = raw as? [Any] else { throw ParseError(source: source, location: location, reason: "images must be a list") }
                for (index, item) in list.enumerated() {
                    guard let value = whole(item) else {
                        throw ParseError(source: source, location: location, reason: "images[\(index)] = \(item): must be a whole number below 10^15")
                    }
                    images.append(value)
                }
            }
            var rank: Int?
            if let raw = object["rank"] {
                guard let value = whole(raw) else { throw ParseError(source: source, location: location, reason: "rank = \(raw): must be a whole number below 10^15") }
                rank = value
            }
            samples.append(Sample(tokens: tokens, images: images, loadedRank: rank))
        }
        return samples
    }

    private static func csv(_ lines: [String], source: String) throws(ParseError) -> [Sample] {
        let rows = lines.enumerated().filter { !$0.element.isEmpty }
        guard let header = rows.first else { return [] }
        let columns = header.element.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let tokenColumn = columns.firstIndex(of: "tokens") else {
            throw ParseError(source: source, location: "line \(header.offset + 1)", reason: "CSV needs a tokens column (or use JSON Lines)")
        }
        let rankColumn = columns.firstIndex(of: "rank")
        var samples: [Sample] = []
        for (number, line) in rows.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard tokenColumn < cells.count, let tokens = Int(cells[tokenColumn]) else {
                let cell = tokenColumn < cells.count ? cells[tokenColumn] : "missing"
                throw ParseError(source: source, location: "line \(number + 1)", reason: "tokens = \(cell): must be a whole number")
            }
            var rank: Int?
            if let rankColumn, rankColumn < cells.count, !cells[rankColumn].isEmpty {
                guard let value = Int(cells[rankColumn]) else {
                    throw ParseError(source: source, location: "line \(number + 1)", reason: "rank = \(cells[rankColumn]): must be a whole number")
                }
                rank = value
            }
            samples.append(Sample(tokens: tokens, loadedRank: rank))
        }
        return samples
    }

    private static func whole(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !number.isBoolean else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }
}
