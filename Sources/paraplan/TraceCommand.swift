import ArgumentParser
import Foundation
import ParaPlan

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Writes a plan's predicted schedule as a Chrome trace (open it in Perfetto or chrome://tracing).",
        discussion: """
            Sequence-parallel plans, with the lengths and the cost they were planned with: one process per node, per \
            rank a compute track and an all-to-all track, and a step track with each micro-batch and its overhead. \
            Batch-balance plans, with the samples and cost: per rank an encoder track and an LLM micro-batch track. \
            GNN-pipeline plans, with the graph (or its statistics), GNN model and cluster: the lock-step epoch per stage. \
            Times are the cost model's predictions at nominal speed. Exit 2 for bad input (a plan that does not \
            validate, lengths of another batch, a cost that does not price the plan as planned).
            """
    )

    @Argument(help: "The plan (JSON).")
    var plan: String

    @Option(help: "The sequence lengths the plan was made for (as plan sequence-parallel reads them).")
    var lengths: String?

    @Option(help: "The samples a batch-balancing plan was made for (as plan batch-balance reads them).")
    var samples: String?

    @OptionGroup var costSource: ProfileOrModelOptions

    @OptionGroup var gnnGraph: GNNPlanGraphOptions

    @Option(help: "Where to write the trace (- for standard output).")
    var output: String

    func run() throws {
        let data = try InputFile.readOrFail(plan)
        switch try TimelineRequest.kind(of: data, source: plan) {
        case .sequenceParallel:
            let batch = try PlanLengths.read(lengths)
            let trace = try TimelineRequest.sequenceParallel(
                plan: data, planSource: plan, lengths: batch, cost: try costSource.source())
            try OutputFile.write(trace, to: output)
        case .batchBalance:
            guard let samples else {
                throw CLIError(code: .badInput, message: "--samples: required for a batch-balance plan")
            }
            let trace = try TimelineRequest.batchBalance(
                plan: data, planSource: plan, samples: try InputFile.readOrFail(samples),
                samplesSource: samples, cost: try costSource.source())
            try OutputFile.write(trace, to: output)
        case .gnnPipeline:
            let (planner, result) = try gnnGraph.evaluate(plan: data, planSource: plan, costSource: costSource)
            try OutputFile.write(TimelineRequest.gnnPipeline(planner, result), to: output)
        case let kind:
            throw CLIError(
                code: .badInput,
                message: "\(plan): \(kind.withArticle) plan: trace draws sequence-parallel, "
                    + "batch-balance and GNN-pipeline plans (an expert placement has no schedule to draw)")
        }
    }
}

/// The lengths a sequence-parallel plan was made for, read as `plan sequence-parallel` reads them (`trace`, `report`).
enum PlanLengths {
    static func read(_ path: String?) throws -> [Int] {
        guard let path else {
            throw CLIError(code: .badInput, message: "--lengths: required for a sequence-parallel plan")
        }
        do {
            return try LengthsFile.parse(try InputFile.readOrFail(path), source: path)
        } catch let error as LengthsFile.ParseError {
            throw CLIError(code: .badInput, message: error.description)
        }
    }
}
