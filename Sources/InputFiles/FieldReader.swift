import CostModel
import Foundation
import Yams

/// Typed access to a parsed YAML/JSON mapping; every failure names the file, the field and the value.
struct FieldReader {
    let source: String
    let values: [String: Any]
    private(set) var prefix = ""

    init(source: String, values: [String: Any], prefix: String = "") {
        self.source = source
        self.values = values
        self.prefix = prefix
    }

    /// Parses `data` as JSON (for .json) or YAML (anything else) into a mapping.
    static func parse(_ data: Data, source: String) throws(CostModelError) -> FieldReader {
        let parsed: Any?
        if let problem = DocumentDepth.problem(data) {
            throw CostModelError(source: source, field: "file", value: "", reason: problem)
        }
        if source.lowercased().hasSuffix(".json") {
            parsed = try? JSONSerialization.jsonObject(with: data)
            if parsed == nil {
                throw CostModelError(source: source, field: "file", value: "", reason: "not valid JSON")
            }
            // JSON is YAML too: its composed tree shows a repeated key, which JSONSerialization keeps one of silently.
            if let node = try? Yams.compose(yaml: String(decoding: data, as: UTF8.self)),
                let problem = keyProblem(in: node, path: "")
            {
                throw CostModelError(source: source, field: problem.path, value: "", reason: problem.reason)
            }
        } else {
            let text = String(decoding: data, as: UTF8.self)
            do {
                // Repeated keys first: YAML keeps the last value silently, where a reader would expect either.
                if let node = try Yams.compose(yaml: text), let problem = keyProblem(in: node, path: "") {
                    throw CostModelError(source: source, field: problem.path, value: "", reason: problem.reason)
                }
                parsed = try Yams.load(yaml: text)
            } catch let error as CostModelError {
                throw error
            } catch {
                throw CostModelError(
                    source: source, field: "file", value: "",
                    reason: "not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
            }
        }
        guard let mapping = parsed as? [String: Any] else {
            throw CostModelError(
                source: source, field: "file", value: "", reason: "must be a mapping of keys to values")
        }
        return FieldReader(source: source, values: mapping)
    }

    /// The first key that is repeated in its mapping or is not a plain value (YAML allows a mapping or a list as a
    /// key, which no ParaPlan file has and which the YAML library cannot turn into a dictionary key), if any.
    private static func keyProblem(in node: Node, path: String) -> (path: String, reason: String)? {
        switch node {
        case .mapping(let mapping):
            var seen = Set<String>()
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    return (path + "[\(seen.count)]", "a key must be a plain name, not a mapping or a list")
                }
                guard seen.insert(name).inserted else {
                    return (path + name, "the key is repeated in its mapping; give it once")
                }
                if let inner = keyProblem(in: value, path: path + name + ".") { return inner }
            }
            return nil
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let inner = keyProblem(in: item, path: path + "[\(index)].") { return inner }
            }
            return nil
        default:
            return nil
        }
    }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func fail(_ key: String, _ value: Any?, _ reason: String) -> CostModelError {
        CostModelError(source: source, field: prefix + key, value: value.map { "\($0)" } ?? "", reason: reason)
    }

    func rejectUnknown(allowed: Set<String>) throws(CostModelError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(unknown, nil, "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func int(_ key: String) throws(CostModelError) -> Int {
        guard let raw = values[key], !(raw is NSNull) else { throw fail(key, nil, "missing") }
        if let number = raw as? NSNumber, !number.isBoolean {
            let value = number.doubleValue
            if value.rounded() == value, abs(value) < 1e15 { return Int(value) }
        }
        throw fail(key, raw, "must be a whole number below 10^15")
    }

    func int(_ key: String, default fallback: Int) throws(CostModelError) -> Int {
        has(key) ? try int(key) : fallback
    }

    /// A width or count from 0 to 2^20: larger ones would overflow the integer products a vision encoder's cost takes,
    /// and no encoder is that wide.
    func size(_ key: String, default fallback: Int? = nil) throws(CostModelError) -> Int {
        let value: Int
        if let fallback { value = try int(key, default: fallback) } else { value = try int(key) }
        guard value >= 0, value <= 1 << 20 else { throw fail(key, value, "must be between 0 and 1048576") }
        return value
    }

    func double(_ key: String) throws(CostModelError) -> Double {
        guard let raw = values[key], !(raw is NSNull) else { throw fail(key, nil, "missing") }
        if let number = raw as? NSNumber {
            if number.isBoolean { throw fail(key, raw, "must be a number") }
            return number.doubleValue
        }
        if let text = raw as? String, let value = Double(text) { return value }
        throw fail(key, raw, "must be a number")
    }

    func optionalDouble(_ key: String) throws(CostModelError) -> Double? {
        has(key) ? try double(key) : nil
    }

    func bool(_ key: String, default fallback: Bool) throws(CostModelError) -> Bool {
        guard let raw = values[key], !(raw is NSNull) else { return fallback }
        if let number = raw as? NSNumber, number.isBoolean { return number.boolValue }
        if let value = raw as? Bool { return value }
        throw fail(key, raw, "must be true or false")
    }

    func string(_ key: String) throws(CostModelError) -> String? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        if let value = raw as? String { return value }
        throw fail(key, raw, "must be a string")
    }

    func doubles(_ key: String) throws(CostModelError) -> [Double]? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let items = raw as? [Any] else { throw fail(key, raw, "must be a list of numbers") }
        var result: [Double] = []
        for (index, item) in items.enumerated() {
            guard let number = item as? NSNumber, !number.isBoolean else {
                throw fail("\(key)[\(index)]", item, "must be a number")
            }
            result.append(number.doubleValue)
        }
        return result
    }

    func strings(_ key: String) throws(CostModelError) -> [String]? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let items = raw as? [Any] else { throw fail(key, raw, "must be a list of strings") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item as? String else { throw fail("\(key)[\(index)]", item, "must be a string") }
            result.append(text)
        }
        return result
    }

    func nested(_ key: String) throws(CostModelError) -> FieldReader? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let mapping = raw as? [String: Any] else { throw fail(key, raw, "must be a mapping") }
        return FieldReader(source: source, values: mapping, prefix: prefix + key + ".")
    }
}

extension NSNumber {
    /// JSON and YAML booleans arrive as NSNumber too; on Linux `is Bool` also matches the numbers 0 and 1, so the
    /// number's type code is what tells them apart.
    public var isBoolean: Bool { String(cString: objCType) == "c" }
}
