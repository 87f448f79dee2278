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

    func run() throws {
        let summary = try PlanTools.validate(try InputFile.readOrFail(plan), source: plan)
        print("\(plan): valid \(summary.kind.rawValue) plan (\(summary.description))")
    }
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
