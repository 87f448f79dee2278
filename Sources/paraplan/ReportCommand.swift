import ArgumentParser
import Foundation
import ParaPlan

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Writes a plan's report: one self-contained HTML file with figures (no network, no scripts).",
        discussion: """
            Sequence-parallel plans take the lengths and the cost they were planned with (each micro-batch's groups are \
            drawn as long as their sequences take); batch-balance plans need only the plan; expert-placement plans the \
            loads unless they were planned with origins; GNN-pipeline plans the graph (or its statistics), GNN model \
            and cluster they were made with. Exit 2 for bad input.
            """
    )

    @Argument(help: "The plan (JSON); several plans of one kind and batch are compared side by side.")
    var plans: [String] = []

    @Option(
        help:
            "An estimate written by `paraplan estimate --json` (repeat to compare several on one scale); drawn after the plans."
    )
    var estimate: [String] = []

    @Option(help: "The sequence lengths a sequence-parallel plan was made for.")
    var lengths: String?

    @Option(help: "The samples a batch-balance plan was made for, with its cost: its micro-batches are drawn too.")
    var samples: String?

    @Option(
        help: "The expert loads an expert-placement plan was made from (needed unless it was planned with --origins).")
    var loads: String?

    @Option(
        parsing: .unconditional,
        help: "With an expert-placement plan: its expert groups, to draw EPLB's hierarchical placement too.")
    var groups: Int?

    @OptionGroup var costSource: ProfileOrModelOptions

    @OptionGroup var gnnGraph: GNNPlanGraphOptions

    @Option(help: "Where to write the HTML (- for standard output).")
    var output: String

    func run() throws {
        let estimates = try estimate.map { path throws in (label: path, data: try InputFile.readOrFail(path)) }
        guard !plans.isEmpty || !estimates.isEmpty else {
            throw CLIError(code: .badInput, message: "plans: give at least one plan file or --estimate")
        }
        let planReport = plans.isEmpty ? nil : try planReport()
        try OutputFile.write(try ReportRequest.withEstimates(planReport, estimates: estimates), to: output)
    }

    private func planReport() throws -> Data {
        var inputs: [(label: String, data: Data)] = []
        var kinds: [PlanKind] = []
        for path in plans {
            let data = try InputFile.readOrFail(path)
            inputs.append((path, data))
            kinds.append(try TimelineRequest.kind(of: data, source: path))
        }
        guard let kind = kinds.first else {
            throw CLIError(code: .badInput, message: "plans: give at least one plan file or --estimate")
        }
        if let other = kinds.firstIndex(where: { $0 != kind }) {
            throw CLIError(
                code: .badInput,
                message: "\(plans[other]): \(kinds[other].withArticle) plan, but \(plans[0]) is "
                    + "\(kind.withArticle) plan: a report compares plans of one kind")
        }
        switch kind {
        case .sequenceParallel:
            let batch = try PlanLengths.read(lengths)
            return try ReportRequest.sequenceParallel(plans: inputs, lengths: batch, cost: try costSource.source())
        case .batchBalance:
            if let samples, inputs.count == 1 {
                return try ReportRequest.batchBalance(
                    plan: inputs[0].data, planSource: inputs[0].label,
                    samples: try InputFile.readOrFail(samples), samplesSource: samples,
                    cost: try costSource.source())
            } else {
                return try ReportRequest.batchBalance(plans: inputs)
            }
        case .expertPlacement:
            return try ReportRequest.expertPlacement(
                plans: inputs, loads: try loads.map { path throws in try InputFile.readOrFail(path) },
                loadsSource: loads ?? "loads", groups: groups)
        case .gnnPipeline:
            let (planner, results) = try gnnGraph.evaluate(plans: inputs, costSource: costSource)
            return ReportRequest.gnnPipeline(planner, comparing: results)
        }
    }
}
