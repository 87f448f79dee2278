import CostModel
import SequenceParallel

/// `plan sequence-parallel`'s options, and the planner built from them once and reused every step.
public struct SequenceParallelRequest: Sendable {
    public var cost: PlannerCostSource
    public var timeBudgetMs: Int?

    public init(cost: PlannerCostSource, timeBudgetMs: Int? = nil) {
        self.cost = cost
        self.timeBudgetMs = timeBudgetMs
    }

    public func makePlanner() throws(FrontendError) -> SequenceParallelPlanner {
        let resolved = try cost.resolve(
            load: { (data, path) throws(CostModelError) in try SequenceParallelCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in try SequenceParallelCost.derive(model: model, cluster: cluster) })
        if let timeBudgetMs, timeBudgetMs <= 0 {
            throw .badInput("--time-budget-ms", value: "\(timeBudgetMs)", "must be a positive number of milliseconds")
        }
        do {
            return try SequenceParallelPlanner(cost: resolved, options: .init(timeBudget: timeBudgetMs.map { .milliseconds($0) }))
        } catch {
            throw .badInput(message: error)
        }
    }

    /// One step's plan; `source` names the lengths in errors (the file, or `lengths`).
    public static func plan(_ planner: SequenceParallelPlanner, lengths: [Int], source: String) throws(FrontendError)
        -> SequenceParallelResult {
        do {
            return try planner.plan(lengths: lengths)
        } catch {
            switch error {
            case .sequenceTooLong: throw .infeasible(source, error.description)
            default: throw .badInput(source, error.description)
            }
        }
    }
}
