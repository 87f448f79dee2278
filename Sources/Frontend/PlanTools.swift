import CostModel
import ExecutionPlan
import Foundation

/// `validate`, `format` and `compare` on plan text, with the CLI's messages.
public enum PlanTools {
    /// The plan's kind and a one-line description, or the first problem found, prefixed with `source`.
    public static func validate(_ data: Data, source: String) throws(FrontendError) -> PlanValidator.Summary {
        switch PlanValidator.validate(data) {
        case .success(let summary): return summary
        case .failure(let problem): throw .badInput(source, problem.description)
        }
    }

    /// The plan re-encoded canonically (pretty, or one line), after validation.
    public static func format(_ data: Data, source: String, compact: Bool) throws(FrontendError) -> Data {
        let summary = try validate(data, source: source)
        switch summary.kind {
        case .sequenceParallel: return try reencode(SequenceParallelPlan.self, data, source: source, compact: compact)
        case .batchBalance: return try reencode(BatchBalancePlan.self, data, source: source, compact: compact)
        case .expertPlacement: return try reencode(ExpertPlacementPlan.self, data, source: source, compact: compact)
        case .gnnPipeline: return try reencode(GNNPipelinePlan.self, data, source: source, compact: compact)
        }
    }

    private static func reencode<Body: PlanBody>(_ body: Body.Type, _ data: Data, source: String, compact: Bool)
        throws(FrontendError) -> Data
    {
        let decoded: Plan<Body>
        do {
            decoded = try PlanCoding.decode(body, from: data)
        } catch {
            throw .badInput(source, "does not decode as \(Body.kind.withArticle) plan")
        }
        return try encode(decoded, compact: compact)
    }

    /// A plan's bytes as the CLI writes them; encoding a plan the planners built cannot fail short of a bug.
    public static func encode<Body: PlanBody>(_ plan: Plan<Body>, compact: Bool) throws(FrontendError) -> Data {
        do {
            return try PlanCoding.encode(plan, compact: compact)
        } catch {
            throw FrontendError(code: .internalFailure, message: "could not encode the plan: \(error)")
        }
    }

    public static func compare(_ plans: [(label: String, data: Data)]) throws(FrontendError) -> PlanComparison {
        guard !plans.isEmpty else { throw .badInput("plans", "give at least one plan file") }
        do {
            return try PlanComparison.of(plans)
        } catch {
            throw .badInput(error.plan, error.reason)
        }
    }
}
