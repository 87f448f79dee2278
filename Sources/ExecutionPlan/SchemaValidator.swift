import Foundation

/// Checks a JSON document against a JSON Schema, for the keywords ParaPlan's schema uses:
/// type, const, enum, required, properties, additionalProperties, items, minItems, maxItems, minimum, maximum,
/// exclusiveMinimum, minLength, pattern, $ref (to "#/$defs/…"), allOf, and if/then/else. Reports the first failure.
public struct SchemaValidator: Sendable {
    private let root: JSONValue

    public init(schema: JSONValue) { root = schema }

    public static let plan: SchemaValidator = {
        // The embedded schema is a constant checked by tests; failing to parse it is a build defect.
        let schema = (try? JSONDecoder().decode(JSONValue.self, from: Data(PlanSchema.text.utf8))) ?? .object([:])
        return SchemaValidator(schema: schema)
    }()

    public func firstViolation(in document: JSONValue) -> PlanProblem? {
        check(document, against: root, path: "$")
    }

    private func check(_ value: JSONValue, against schema: JSONValue, path: String) -> PlanProblem? {
        guard case .object(let keywords) = schema else { return nil }
        if case .string(let reference)? = keywords["$ref"] {
            guard let target = resolve(reference) else {
                return PlanProblem(path: path, value: reference, reason: "schema reference not found")
            }
            if let problem = check(value, against: target, path: path) { return problem }
        }
        if let problem = checkType(value, keywords, path: path) { return problem }
        if let expected = keywords["const"], expected != value {
            return PlanProblem(path: path, value: value.brief, reason: "must be \(expected.brief)")
        }
        if case .array(let allowed)? = keywords["enum"], !allowed.contains(value) {
            return PlanProblem(
                path: path, value: value.brief, reason: "must be one of \(allowed.map(\.brief).joined(separator: ", "))"
            )
        }
        if let problem = checkNumber(value, keywords, path: path) { return problem }
        if let problem = checkString(value, keywords, path: path) { return problem }
        if let problem = checkObject(value, keywords, path: path) { return problem }
        if let problem = checkArray(value, keywords, path: path) { return problem }
        if case .array(let parts)? = keywords["allOf"] {
            for part in parts {
                if let problem = check(value, against: part, path: path) { return problem }
            }
        }
        if let condition = keywords["if"] {
            let branch = check(value, against: condition, path: path) == nil ? keywords["then"] : keywords["else"]
            if let branch, let problem = check(value, against: branch, path: path) { return problem }
        }
        return nil
    }

    private func resolve(_ reference: String) -> JSONValue? {
        let prefix = "#/$defs/"
        guard reference.hasPrefix(prefix) else { return nil }
        return root["$defs"]?[String(reference.dropFirst(prefix.count))]
    }

    private func checkType(_ value: JSONValue, _ keywords: [String: JSONValue], path: String) -> PlanProblem? {
        let allowed: [String]
        switch keywords["type"] {
        case .string(let name)?: allowed = [name]
        case .array(let names)?: allowed = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        default: return nil
        }
        if allowed.contains(where: value.schemaTypes.contains) { return nil }
        return PlanProblem(path: path, value: value.brief, reason: "must be \(allowed.joined(separator: " or "))")
    }

    private func checkNumber(_ value: JSONValue, _ keywords: [String: JSONValue], path: String) -> PlanProblem? {
        guard case .number(let number) = value else { return nil }
        if case .number(let minimum)? = keywords["minimum"], number < minimum {
            return PlanProblem(path: path, value: value.brief, reason: "must be ≥ \(JSONValue.number(minimum).brief)")
        }
        if case .number(let bound)? = keywords["exclusiveMinimum"], number <= bound {
            return PlanProblem(path: path, value: value.brief, reason: "must be > \(JSONValue.number(bound).brief)")
        }
        if case .number(let maximum)? = keywords["maximum"], number > maximum {
            return PlanProblem(path: path, value: value.brief, reason: "must be ≤ \(JSONValue.number(maximum).brief)")
        }
        return nil
    }

    private func checkString(_ value: JSONValue, _ keywords: [String: JSONValue], path: String) -> PlanProblem? {
        guard case .string(let text) = value else { return nil }
        if case .number(let minimum)? = keywords["minLength"], Double(text.count) < minimum {
            return PlanProblem(path: path, value: value.brief, reason: "must have at least \(Int(minimum)) characters")
        }
        if case .string(let pattern)? = keywords["pattern"] {
            let matches =
                (try? NSRegularExpression(pattern: pattern))
                .map { $0.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil } ?? false
            if !matches { return PlanProblem(path: path, value: value.brief, reason: "must match \(pattern)") }
        }
        return nil
    }

    private func checkObject(_ value: JSONValue, _ keywords: [String: JSONValue], path: String) -> PlanProblem? {
        guard case .object(let members) = value else { return nil }
        if case .array(let required)? = keywords["required"] {
            for case .string(let name) in required where members[name] == nil {
                return PlanProblem(path: path + "." + name, value: "", reason: "is required")
            }
        }
        let properties: [String: JSONValue]
        if case .object(let declared)? = keywords["properties"] { properties = declared } else { properties = [:] }
        for name in members.keys.sorted() {
            guard let member = members[name] else { continue }
            if let propertySchema = properties[name] {
                if let problem = check(member, against: propertySchema, path: path + "." + name) { return problem }
            } else if keywords["additionalProperties"] == .bool(false) {
                return PlanProblem(path: path + "." + name, value: "", reason: "is not a known field here")
            }
        }
        return nil
    }

    private func checkArray(_ value: JSONValue, _ keywords: [String: JSONValue], path: String) -> PlanProblem? {
        guard case .array(let items) = value else { return nil }
        if case .number(let minimum)? = keywords["minItems"], Double(items.count) < minimum {
            return PlanProblem(path: path, value: value.brief, reason: "must have at least \(Int(minimum)) items")
        }
        if case .number(let maximum)? = keywords["maxItems"], Double(items.count) > maximum {
            return PlanProblem(path: path, value: value.brief, reason: "must have at most \(Int(maximum)) items")
        }
        if let itemSchema = keywords["items"] {
            for (index, item) in items.enumerated() {
                if let problem = check(item, against: itemSchema, path: "\(path)[\(index)]") { return problem }
            }
        }
        return nil
    }
}
