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

    @Option(help: "table (aligned, for a terminal), markdown, csv, json, or html (the report of paraplan report, plans side by side; sequence-parallel plans with --lengths and their cost).")
    var format: ReportFormat = .table

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "With --format html and sequence-parallel plans: the lengths they were made for (their cost as well).")
    var lengths: String?

    @OptionGroup var costSource: ProfileOrModelOptions

    func run() throws {
        var inputs: [(label: String, data: Data)] = []
        for path in plans { inputs.append((path, try InputFile.readOrFail(path))) }
        let comparison = try PlanTools.compare(inputs)
        if format == .html {
            // The same report as `paraplan report`; sequence-parallel plans also need their lengths and cost.
            switch comparison.kind {
            case .batchBalance:
                try OutputFile.write(try ReportRequest.batchBalance(plans: inputs), to: output ?? "-")
            case .sequenceParallel:
                try OutputFile.write(try ReportRequest.sequenceParallel(plans: inputs, lengths: try PlanLengths.read(lengths),
                                                                       cost: try costSource.source()), to: output ?? "-")
            default:
                throw CLIError(code: .badInput, message: "--format html: \(comparison.kind.withArticle) plan has no side-by-side "
                               + "report; compare draws sequence-parallel and batch-balance plans")
            }
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
