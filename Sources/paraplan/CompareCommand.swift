import ArgumentParser
import Foundation
import ParaPlan

/// Strategies side by side: plans of one kind (say one batch under different options) and every baseline each one
/// reports, ranked by predicted time.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Ranks plans of one kind and the baselines they report by predicted time.",
        discussion:
            "Each plan is validated first. Columns: the plan file, the strategy (\"plan\" or a baseline's name), "
            + "the predicted time, its ratio to the fastest row and to its plan's lower bound, and for expert "
            + "placement max/mean load and inter-node tokens."
    )

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case table, markdown, csv, json, html
    }

    @Argument(help: "Plan files (JSON), all of one kind.")
    var plans: [String]

    @Option(
        help:
            "table (aligned, for a terminal), markdown, csv, json, or html (the report of paraplan report, plans side by side; sequence-parallel plans with --lengths and their cost, expert placements with --loads unless planned with origins, GNN layouts with their graph, model and cluster)."
    )
    var format: ReportFormat = .table

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(
        help: "With --format html and sequence-parallel plans: the lengths they were made for (their cost as well).")
    var lengths: String?

    @Option(help: "With --format html and expert-placement plans made without origins: the loads they were made from.")
    var loads: String?

    @OptionGroup var costSource: ProfileOrModelOptions

    @OptionGroup var gnnGraph: GNNPlanGraphOptions

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
                try OutputFile.write(
                    try ReportRequest.sequenceParallel(
                        plans: inputs, lengths: try PlanLengths.read(lengths),
                        cost: try costSource.source()), to: output ?? "-")
            case .expertPlacement:
                try OutputFile.write(
                    try ReportRequest.expertPlacement(
                        plans: inputs,
                        loads: try loads.map { path throws in
                            try InputFile.readOrFail(path)
                        }, loadsSource: loads ?? "loads"), to: output ?? "-")
            case .gnnPipeline:
                let (planner, results) = try gnnGraph.evaluate(plans: inputs, costSource: costSource)
                try OutputFile.write(ReportRequest.gnnPipeline(planner, comparing: results), to: output ?? "-")
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
