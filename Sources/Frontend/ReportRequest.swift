import CostModel
import ExecutionPlan
import Foundation
import Reports

/// `paraplan report`: a plan's self-contained HTML report (docs/reports.md).
public enum ReportRequest {
    /// A sequence-parallel plan's report, with the lengths and cost it was planned with.
    public static func sequenceParallel(plan data: Data, planSource: String, lengths: [Int],
                                        cost source: PlannerCostSource) throws(FrontendError) -> Data {
        let plan: Plan<SequenceParallelPlan> = try TimelineRequest.decoded(data, source: planSource)
        let cost = try source.resolve(
            load: { (data, path) throws(CostModelError) in try SequenceParallelCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in try SequenceParallelCost.derive(model: model, cluster: cluster) })
        do {
            return Data(try SequenceParallelReport.html(plan, lengths: lengths, cost: cost).utf8)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    /// An iteration estimate's report (`estimate --report`).
    public static func estimate(_ outcome: EstimateRequest.Outcome) -> Data {
        Data(IterationReport.html(model: outcome.model, cluster: outcome.cluster, strategy: outcome.strategy,
                                 estimate: outcome.estimate).utf8)
    }

    /// A batch-balancing plan's report, from the plan alone.
    public static func batchBalance(plan data: Data, planSource: String) throws(FrontendError) -> Data {
        let plan: Plan<BatchBalancePlan> = try TimelineRequest.decoded(data, source: planSource)
        return Data(BatchBalanceReport.html(plan).utf8)
    }
}
