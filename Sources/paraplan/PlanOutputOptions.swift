import ArgumentParser
import Foundation
import ParaPlan

/// `--output` and `--compact`, shared by every command that writes a plan.
struct PlanOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Write the plan to this file instead of standard output.")
    var output: String?

    @Flag(help: "One-line JSON instead of pretty-printed (keys are sorted either way).")
    var compact = false

    func write<Body: PlanBody>(_ plan: Plan<Body>) throws {
        try write(data: try PlanTools.encode(plan, compact: compact))
    }

    func write(data: Data) throws {
        guard let output else {
            FileHandle.standardOutput.write(data)
            return
        }
        guard FileManager.default.createFile(atPath: output, contents: data) else {
            throw CLIError.badInput(output, "cannot write the plan here")
        }
    }
}
