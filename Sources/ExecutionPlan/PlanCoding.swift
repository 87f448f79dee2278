import Foundation

/// Encoding that makes equal plans byte-identical: sorted keys, no escaped slashes, numbers in their
/// shortest round-trip form, no timestamps.
public enum PlanCoding {
    public static func encode<Body: PlanBody>(_ plan: Plan<Body>, compact: Bool = false) throws -> Data {
        var data = compact ? try CanonicalJSON.encode(plan) : try prettyEncoder.encode(plan)
        data.append(0x0A)
        return data
    }

    public static func decode<Body: PlanBody>(_ type: Body.Type, from data: Data) throws -> Plan<Body> {
        try JSONDecoder().decode(Plan<Body>.self, from: data)
    }

    static let canonicalEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let prettyEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }()
}
