/// Names safe for the CPLEX LP and free MPS formats: no spaces or operators, not starting with a
/// digit or a period, and unique (a clash gets the item's index appended).
struct ModelNames {
    let variables: [String]
    let constraints: [String]

    init(_ model: LinearModel) {
        var used: Set<String> = ["obj"]
        variables = model.variables.enumerated().map {
            Self.unique(Self.sanitize($1.name, fallback: "x\($0)"), $0, &used)
        }
        constraints = model.constraints.enumerated().map {
            Self.unique(Self.sanitize($1.name, fallback: "c\($0)"), $0, &used)
        }
    }

    /// A name no variable or constraint has, for a helper column.
    func unusedName(_ base: String) -> String {
        let taken = Set(variables + constraints)
        var candidate = base
        while taken.contains(candidate) { candidate = "_" + candidate }
        return candidate
    }

    private static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")

    /// Words the CPLEX LP reader takes as keywords wherever they appear.
    private static let reservedWords: Set<String> = [
        "free", "inf", "infinity", "st", "s.t.", "st.", "subject", "to", "such", "that", "bounds", "bound",
        "general", "generals", "gen", "integer", "integers", "binary", "binaries", "bin", "end",
        "minimize", "minimise", "minimum", "min", "maximize", "maximise", "maximum", "max",
    ]

    private static func sanitize(_ name: String, fallback: String) -> String {
        var cleaned = String(name.prefix(200).map { allowed.contains($0) ? $0 : "_" })
        if cleaned.isEmpty { return fallback }
        if let first = cleaned.first,
            first.isNumber || first == "." || first == "e" || first == "E"
                || reservedWords.contains(cleaned.lowercased())
        {
            cleaned = "_" + cleaned
        }
        return cleaned
    }

    private static func unique(_ name: String, _ index: Int, _ used: inout Set<String>) -> String {
        var candidate = name
        var suffix = index
        while used.contains(candidate) {
            candidate = "\(name)_\(suffix)"
            suffix += 1
        }
        used.insert(candidate)
        return candidate
    }
}

/// Shortest round-trip text of a number, as both formats read it.
func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}
