import ArgumentParser
import Foundation
import ParaPlan

/// Rewrites a valid plan in canonical form (sorted keys, shortest numbers), e.g. after editing it by hand,
/// so that equal plans compare equal byte for byte.
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "format",
        abstract: "Validates a plan and writes it in canonical form (pretty, or --compact)."
    )

    @Argument(help: "The plan file (JSON).")
    var plan: String

    @OptionGroup var outputOptions: PlanOutputOptions

    func run() throws {
        try outputOptions.write(
            data: try PlanTools.format(try InputFile.readOrFail(plan), source: plan, compact: outputOptions.compact))
    }
}
