import ArgumentParser
import Foundation
import ParaPlan

/// `paraplan plan <kind>`: one subcommand per planner.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Generates an execution plan.",
        subcommands: [
            PlanSequenceParallelCommand.self, PlanBatchBalanceCommand.self, PlanExpertPlacementCommand.self,
            PlanGNNPipelineCommand.self,
        ]
    )
}

struct PlanSequenceParallelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sequence-parallel",
        abstract: "Plans one step's micro-batches and mixed-degree Ulysses SP groups for variable-length sequences.",
        discussion:
            "Give a profile (FlexSP's coefficients) or --model and --cluster to derive one. Exit 3 when a sequence is too long for any group."
    )

    @Option(help: "Sequence lengths: one whole number per line (# comments) or a JSON array.")
    var lengths: String

    @OptionGroup var costSource: ProfileOrModelOptions

    @Option(
        parsing: .unconditional,
        help: """
            Stop searching after this many milliseconds and return the best plan so far (flagged); one plan is always \
            built (about 1.4 s per million sequences).
            """)
    var timeBudgetMs: Int?

    @Option(
        help:
            "Each GPU's measured speed: a cluster file with speedFactors, or whatif --speed-factors output. A group runs at its slowest member's speed; slow GPUs get lighter groups or none. Default: the --cluster file's speedFactors, if any."
    )
    var speedFactors: String?

    @Flag(
        help: """
            Replace the plan's lower bound by a tighter one where the step takes one or two micro-batches, computed after \
            planning: seconds, about a minute for 8,192 sequences on 1,024 GPUs. A certificate of the plan's quality.
            """)
    var tightBound = false

    @OptionGroup var outputOptions: PlanOutputOptions

    func run() throws {
        try outputOptions.checkCompactHasOutput()
        let request = SequenceParallelRequest(
            cost: try costSource.source(), timeBudgetMs: timeBudgetMs,
            speedFactors: speedFactors.map { .named($0) })
        let planner = try request.makePlanner()
        let batch: [Int]
        do {
            batch = try LengthsFile.parse(try InputFile.readOrFail(lengths), source: lengths)
        } catch let error as LengthsFile.ParseError {
            throw CLIError(code: .badInput, message: error.description)
        }
        let result = try SequenceParallelRequest.plan(planner, lengths: batch, source: lengths, tightBound: tightBound)
        outputOptions.summary(SequenceParallelSummary.render(result))
        if outputOptions.output != nil {
            try outputOptions.write(try result.executionPlan())
        }
    }
}

enum SequenceParallelSummary {
    static func render(_ result: SequenceParallelResult) -> String {
        var lines = [
            "\(counted(result.lengths.count, "sequence")) on \(counted(result.gpus, "GPU")): "
                + "\(counted(result.microBatches.count, "micro-batch", "micro-batches"))"
                + String(format: ", predicted step %.4f s", result.stepSeconds)
        ]
        for (index, batch) in result.microBatches.enumerated() {
            var degrees: [Int: (groups: Int, sequences: Int, scheme: String)] = [:]
            for group in batch.groups {
                let scheme = group.ring.map { ", Ulysses \(group.ulysses ?? 1) × ring \($0)" } ?? ""
                degrees[group.degree, default: (0, 0, scheme)].groups += 1
                degrees[group.degree, default: (0, 0, scheme)].sequences += group.sequences.count
            }
            let parts = degrees.keys.sorted(by: >).map { degree in
                let entry = degrees[degree] ?? (0, 0, "")
                return "\(entry.groups) × SP=\(degree) (\(counted(entry.sequences, "seq"))\(entry.scheme))"
            }
            lines.append(
                String(format: "  micro-batch %d: %.4f s  ", index, batch.predictedSeconds)
                    + parts.joined(separator: ", "))
        }
        if let bound = result.lowerBoundSeconds {
            lines.append(
                String(
                    format: "lower bound %.4f s (plan within %.1f %%)", bound,
                    (result.stepSeconds - bound) / result.stepSeconds * 100))
        }
        for baseline in result.baselines {
            lines.append(
                String(
                    format: "baseline %@: %.4f s (%.2f× the plan)", baseline.name, baseline.stepSeconds,
                    baseline.stepSeconds / result.stepSeconds))
        }
        lines.append(
            String(
                format: "planned in %.1f ms%@", result.planningSeconds * 1000,
                result.complete ? "" : " (time budget reached: best plan found so far)"))
        return lines.joined(separator: "\n")
    }
}
