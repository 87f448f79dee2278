import CostModel
import InputFiles
import SequenceParallel

/// `plan sequence-parallel`'s options, and the planner built from them once and reused every step.
public struct SequenceParallelRequest: Sendable {
    public var cost: PlannerCostSource
    public var timeBudgetMs: Int?
    /// Each GPU's measured speed (a cluster file or `whatif --speed-factors` output); without it, a cluster file's
    /// own `speedFactors` when the cost is derived from one.
    public var speedFactors: InputSource?

    public init(cost: PlannerCostSource, timeBudgetMs: Int? = nil, speedFactors: InputSource? = nil) {
        self.cost = cost
        self.timeBudgetMs = timeBudgetMs
        self.speedFactors = speedFactors
    }

    public func makePlanner() throws(FrontendError) -> SequenceParallelPlanner {
        let resolved = try cost.resolve(
            load: { (data, path) throws(CostModelError) in try SequenceParallelCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in
                try SequenceParallelCost.derive(model: model, cluster: cluster)
            })
        if let timeBudgetMs, timeBudgetMs <= 0 {
            throw .badInput("--time-budget-ms", value: "\(timeBudgetMs)", "must be a positive number of milliseconds")
        }
        var speeds = try speedFactors.map { source throws(FrontendError) in
            try CostInputs.speedFactors(source, ranks: resolved.gpus)
        }
        if speeds == nil, case .derived(_, let clusterSource) = cost,
            let factors = try CostInputs.cluster(clusterSource).speedFactors
        {
            speeds = SpeedFactors.perRank(factors, ranks: resolved.gpus)
        }
        do {
            return try SequenceParallelPlanner(
                cost: resolved,
                options: .init(
                    timeBudget: timeBudgetMs.map { .milliseconds($0) },
                    speedFactors: speeds))
        } catch {
            throw .badInput(message: error)
        }
    }

    /// One step's plan; `source` names the lengths in errors (the file, or `lengths`). With `tightBound` its lower
    /// bound is `SequenceParallelPlanner.tightLowerBound`, computed after planning (seconds to a minute).
    public static func plan(
        _ planner: SequenceParallelPlanner, lengths: [Int], source: String,
        tightBound: Bool = false
    ) throws(FrontendError) -> SequenceParallelResult {
        do {
            var result = try planner.plan(lengths: lengths)
            if tightBound, let tight = try planner.tightLowerBound(lengths: lengths) {
                result.lowerBoundSeconds = min(max(tight, result.lowerBoundSeconds ?? 0), result.stepSeconds)
            }
            return result
        } catch {
            switch error {
            case .sequenceTooLong: throw .infeasible(source, error.description)
            default: throw .badInput(source, error.description)
            }
        }
    }
}
