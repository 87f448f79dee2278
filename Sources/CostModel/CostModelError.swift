/// A bad input to the cost model, naming where it came from, the field and the value.
public struct CostModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// File path, preset name or flag the value came from.
    public var source: String
    public var field: String
    public var value: String
    public var reason: String

    public init(source: String, field: String, value: String, reason: String) {
        self.source = source
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String {
        var text = source.isEmpty ? "" : source + ": "
        text += field
        if !value.isEmpty { text += " = " + value }
        return text + ": " + reason
    }
}

extension CostModelError {
    public static func check(
        _ condition: Bool, _ source: String, _ field: String, _ value: some CustomStringConvertible, _ reason: String
    ) throws(CostModelError) {
        if !condition { throw CostModelError(source: source, field: field, value: value.description, reason: reason) }
    }

    public static func positive(_ value: Double, _ source: String, _ field: String) throws(CostModelError) {
        try check(value.isFinite && value > 0, source, field, value, "must be a positive finite number")
    }

    /// A hardware rate (FLOP/s, bytes/s) or size (bytes): between `low` and `high`, which bracket every real machine by
    /// orders of magnitude. Without them 1e-300 bytes/s gave infinite times and 1e300 underflowing ones.
    public static func physical(
        _ value: Double, _ source: String, _ field: String, low: Double = 1e3, high: Double = 1e18
    ) throws(CostModelError) {
        try check(
            value.isFinite && value >= low && value <= high, source, field, value,
            "must be a number from \(low) to \(high)")
    }

    public static func positive(_ value: Int, _ source: String, _ field: String) throws(CostModelError) {
        try check(value > 0, source, field, value, "must be a positive whole number")
    }
}
