import ArgumentParser
import Foundation
import ParaPlan

/// `--output` and `--compact`, shared by every command that writes a plan.
struct PlanOutputOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: "Write the plan to this file; - for standard output (the summary then goes to standard error).")
    var output: String?

    @Flag(help: "One-line JSON instead of pretty-printed (keys are sorted either way); needs --output.")
    var compact = false

    /// The `plan` commands print only a summary without `--output`, so `--compact` alone would do nothing.
    func checkCompactHasOutput() throws {
        if compact, output == nil {
            throw CLIError.badInput(
                "--compact", "needs --output (- for standard output): the plan is written only there")
        }
    }

    /// The human summary: on standard output, or standard error when the plan itself goes to standard output.
    func summary(_ text: String) {
        if output == "-" {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            print(text)
        }
    }

    func write<Body: PlanBody>(_ plan: Plan<Body>) throws {
        try write(data: try PlanTools.encode(plan, compact: compact))
    }

    func write(data: Data) throws {
        guard let output else {
            FileHandle.standardOutput.write(data)
            return
        }
        try OutputFile.write(data, to: output)
    }
}
