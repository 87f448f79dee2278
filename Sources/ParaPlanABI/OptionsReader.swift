import ExecutionPlan
import Foundation
import Frontend

/// A JSON object of options, keyed by the CLI's flag names without their dashes (`micro-batches`), read strictly:
/// unknown keys, wrong types and numbers that are not whole are errors naming the option.
struct OptionsReader {
    private let values: [String: JSONValue]

    init(json text: String, allowed: Set<String>) throws(FrontendError) {
        let parsed: JSONValue
        do {
            parsed = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw .badInput("options", "not valid JSON")
        }
        guard case .object(let members) = parsed else { throw .badInput("options", "must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badInput(
                "options", value: unknown, "unknown option; expected one of \(allowed.sorted().joined(separator: ", "))"
            )
        }
        values = members.filter { $0.value != .null }
    }

    private func flag(_ key: String) -> String { "--" + key }

    func has(_ key: String) -> Bool { values[key] != nil }

    /// Labelled texts, `[{"label": ..., <textKey>: ...}]` (estimates for `report`), at most `limit` of them.
    func labelledTexts(_ key: String, textKey: String, limit: Int = 64) throws(FrontendError) -> [(
        label: String, text: String
    )]? {
        guard let value = values[key] else { return nil }
        guard case .array(let items) = value, items.count <= limit else {
            throw .badInput(key, "must be a list of at most \(limit) {\"label\", \"\(textKey)\"} objects")
        }
        var texts: [(label: String, text: String)] = []
        for (index, item) in items.enumerated() {
            guard case .string(let label)? = item["label"], case .string(let text)? = item[textKey] else {
                throw .badInput("\(key)[\(index)]", "must hold a label and the \(textKey)'s text")
            }
            texts.append((label, text))
        }
        return texts
    }

    /// Whole numbers up to 2^53 (what a JSON number holds exactly); larger ones are out of every limit anyway.
    func int(_ key: String) throws(FrontendError) -> Int? {
        guard let value = values[key] else { return nil }
        guard case .number(let number) = value, number.isFinite, number.rounded() == number,
            abs(number) <= 9_007_199_254_740_992
        else {
            throw .badInput(flag(key), value: Self.brief(value), "must be a whole number")
        }
        return Int(number)
    }

    func int(_ key: String, default fallback: Int) throws(FrontendError) -> Int { try int(key) ?? fallback }

    func required(_ key: String) throws(FrontendError) -> Int {
        guard let value = try int(key) else { throw .badInput(flag(key), "required") }
        return value
    }

    func double(_ key: String) throws(FrontendError) -> Double? {
        guard let value = values[key] else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            throw .badInput(flag(key), value: Self.brief(value), "must be a finite number")
        }
        return number
    }

    func bool(_ key: String) throws(FrontendError) -> Bool {
        guard let value = values[key] else { return false }
        guard case .bool(let flag) = value else {
            throw .badInput(self.flag(key), value: Self.brief(value), "must be true or false")
        }
        return flag
    }

    func string(_ key: String) throws(FrontendError) -> String? {
        guard let value = values[key] else { return nil }
        guard case .string(let text) = value else {
            throw .badInput(flag(key), value: Self.brief(value), "must be a string")
        }
        return text
    }

    /// A preset name or path (a string), or a document given inline (an object), labelled with the option's name.
    func source(_ key: String) throws(FrontendError) -> InputSource? {
        guard let value = values[key] else { return nil }
        switch value {
        case .string(let name): return .named(name)
        case .object:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? encoder.encode(value) else { throw .badInput(flag(key), "cannot be encoded as JSON") }
            return .inline(data, label: key)
        default:
            throw .badInput(flag(key), value: Self.brief(value), "must be a preset name, a file path or a mapping")
        }
    }

    /// A list of whole numbers, as an array or as the CLI's comma-separated text.
    func ints(_ key: String) throws(FrontendError) -> [Int]? {
        guard let value = values[key] else { return nil }
        switch value {
        case .string(let text): return try LayoutsRequest.degrees(text, flag: flag(key))
        case .number: return [try required(key)]
        case .array(let items):
            guard items.count <= 1_024 else {
                throw .badInput(flag(key), value: "\(items.count) items", "give at most 1024")
            }
            var numbers: [Int] = []
            for item in items {
                guard case .number(let number) = item, number.isFinite, number.rounded() == number, abs(number) <= 1e15
                else {
                    throw .badInput(flag(key), value: Self.brief(item), "must list whole numbers")
                }
                numbers.append(Int(number))
            }
            return numbers
        default:
            throw .badInput(flag(key), value: Self.brief(value), "must be a list of whole numbers")
        }
    }

    static func brief(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? "\(Int(number))" : "\(number)"
        case .string(let text): "\"\(text.prefix(60))\""
        case .array(let items): "an array of \(items.count)"
        case .object: "an object"
        }
    }
}
