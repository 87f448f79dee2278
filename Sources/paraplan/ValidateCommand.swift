import ArgumentParser
import ParaPlan

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Checks a plan against the paraplan/v1 schema and its kind's invariants.",
        discussion: "Exits 0 when the plan is valid, 2 with the first problem named otherwise."
    )

    @Argument(help: "The plan file (JSON).")
    var plan: String

    @Flag(help: "Print JSON: {\"valid\", \"kind\", \"description\"}; an invalid plan gives a JSON error on stderr.")
    var json = false

    func run() throws {
        let summary = try PlanTools.validate(try InputFile.readOrFail(plan), source: plan)
        if json {
            try printJSON(Verdict(valid: true, kind: summary.kind.rawValue, description: summary.description))
        } else {
            print("\(plan): valid \(summary.kind.rawValue) plan (\(summary.description))")
        }
    }
}

private struct Verdict: Encodable {
    let valid: Bool
    let kind: String
    let description: String
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Prints the JSON Schema of paraplan/v1 plans."
    )

    func run() {
        print(PlanSchema.text)
    }
}
