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

    private func rewrite<Body: PlanBody>(_ body: Body.Type, _ data: Data) throws {
        let decoded: Plan<Body>
        do {
            decoded = try PlanCoding.decode(body, from: data)
        } catch {
            throw CLIError.badInput(plan, "does not decode as a \(Body.kind.rawValue) plan")
        }
        try outputOptions.write(decoded)
    }

    func run() throws {
        let data = try InputFile.readOrFail(plan)
        let summary: PlanValidator.Summary
        switch PlanValidator.validate(data) {
        case .success(let valid): summary = valid
        case .failure(let problem): throw CLIError.badInput(plan, problem.description)
        }
        switch summary.kind {
        case .sequenceParallel: try rewrite(SequenceParallelPlan.self, data)
        case .batchBalance: try rewrite(BatchBalancePlan.self, data)
        case .expertPlacement: try rewrite(ExpertPlacementPlan.self, data)
        case .gnnPipeline: try rewrite(GNNPipelinePlan.self, data)
        }
    }
}
