import ArgumentParser
import Foundation
import ParaPlan

@main
struct ParaPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paraplan",
        abstract: "Plans how a distributed training job uses its GPUs, and checks the plans.",
        discussion: """
            Exit codes: 0 success, 1 internal failure, 2 bad input, 3 infeasible or unbounded problem.
            Shell completion: paraplan --generate-completion-script bash|zsh|fish.
            """,
        version: ParaPlanInfo.version,
        subcommands: [
            PlanCommand.self, EstimateCommand.self, LayoutsCommand.self, CompareCommand.self, PresetsCommand.self,
            ValidateCommand.self, FormatCommand.self, SolveCommand.self, SchemaCommand.self, WhatIfCommand.self,
            TraceCommand.self, ReportCommand.self,
        ]
    )

    /// Every failure leaves as one line on stderr and a documented exit code; never a trap or a trace.
    static func main() {
        MemoryTuning.keepFreedMemory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            fail(error.message, code: error.code)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help, --version
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail(message + " (see 'paraplan --help')", code: .badInput)
        }
    }

    /// One line on stderr: text, or under `--json` a JSON object `{"error": {"exitCode", "message"}}` for scripts.
    static func fail(_ message: String, code: CLIError.Code) -> Never {
        let flat = message.replacingOccurrences(of: "\n", with: " ")
        var line = "paraplan: " + flat + "\n"
        if CommandLine.arguments.dropFirst().contains("--json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let error = ["error": JSONError(exitCode: Int(code.rawValue), message: flat)]
            if let data = try? encoder.encode(error) { line = String(decoding: data, as: UTF8.self) + "\n" }
        }
        FileHandle.standardError.write(Data(line.utf8))
        Foundation.exit(code.rawValue)
    }

    private struct JSONError: Encodable {
        let exitCode: Int
        let message: String
    }
}
