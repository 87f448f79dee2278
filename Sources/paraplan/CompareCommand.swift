import ArgumentParser
import Foundation
import ParaPlan

/// Strategies side by side: plans of one kind (say one batch under different options) and every baseline each one
/// reports, ranked by predicted time.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Ranks plans of one kind and the baselines they report by predicted time.",
        discussion: "Each plan is validated first. Columns: the plan file, the strategy (\"plan\" or a baseline's name), "
            + "the predicted time, its ratio to the fastest row and to its plan's lower bound, and for expert "
            + "placement max/mean load and inter-node tokens."
    )

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case table, markdown, csv, json, html
    }

    @Argument(help: "Plan files (JSON), all of one kind.")
    var plans: [String]

    @Option(help: "table (aligned, for a terminal), markdown, csv, json, or html (batch-balance plans: the report of paraplan report, plans side by side).")
    var format: ReportFormat = .table

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func run() throws {
        var inputs: [(label: String, data: Data)] = []
        for path in plans { inputs.append((path, try InputFile.readOrFail(path))) }
        let comparison = try PlanTools.compare(inputs)
        if format == .html {
            // The same report as `paraplan report`; sequence-parallel plans also need their lengths and cost.
            guard comparison.kind == .batchBalance else {
                throw CLIError(code: .badInput, message: "--format html: \(comparison.kind.withArticle) plan needs `paraplan report` "
                               + "(sequence-parallel plans with --lengths and their cost); compare draws batch-balance plans")
            }
            try OutputFile.write(try ReportRequest.batchBalance(plans: inputs), to: output ?? "-")
            return
        }
        let text: String
        switch format {
        case .table: text = comparison.table()
        case .markdown: text = comparison.markdown()
        case .csv: text = comparison.csv()
        case .html: text = ""
        case .json:
            do {
                text = try comparison.json()
            } catch {
                throw CLIError(code: .internalFailure, message: "could not encode the comparison: \(error)")
            }
        }
        guard let output else {
            print(text)
            return
        }
        try OutputFile.write(Data((text + "\n").utf8), to: output)
    }
}
