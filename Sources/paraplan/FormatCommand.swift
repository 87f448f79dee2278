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
        let data = try InputFile.readOrFail(plan)
        let summary: PlanValidator.Summary
        switch PlanValidator.validate(data) {
        case .success(let valid): summary = valid
        case .failure(let problem): throw CLIError.badInput(plan, problem.description)
        }
        switch summary.kind {
        case .sequenceParallel:
            let decoded: Plan<SequenceParallelPlan>
            do {
                decoded = try PlanCoding.decode(SequenceParallelPlan.self, from: data)
            } catch {
                throw CLIError.badInput(plan, "does not decode as a sequence-parallel plan")
            }
            try outputOptions.write(decoded)
        case .batchBalance:
            guard let decoded = try? PlanCoding.decode(BatchBalancePlan.self, from: data) else {
                throw CLIError.badInput(plan, "does not decode as a batch-balance plan")
            }
            try outputOptions.write(decoded)
        case .expertPlacement, .gnnPipeline:
            throw CLIError.badInput(plan, field: "kind", value: summary.kind.rawValue,
                                    "this version has no body type for this kind to format")
        }
    }
}
