import BatchBalance
import CostModel
import ExecutionPlan
import Foundation
import GNNPipeline
import InputFiles
import PlanTimeline
import SequenceParallel

/// `paraplan trace`: a plan's predicted schedule as a Chrome trace for Perfetto, from the plan and the inputs and
/// cost it was planned with.
public enum TimelineRequest {
    /// A sequence-parallel plan's timeline; the plan is checked as `validate` checks it, the lengths against its
    /// input digest, and the cost against its predicted times.
    public static func sequenceParallel(
        plan data: Data, planSource: String, lengths: [Int],
        cost source: PlannerCostSource
    ) throws(FrontendError) -> Data {
        let plan: Plan<SequenceParallelPlan> = try decoded(data, source: planSource)
        let cost = try source.resolve(
            load: { (data, path) throws(CostModelError) in try SequenceParallelCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in
                try SequenceParallelCost.derive(model: model, cluster: cluster)
            })
        do {
            return try SequenceParallelTimeline.render(plan, lengths: lengths, cost: cost)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    /// A batch-balancing plan's timeline from the samples file's contents (as `plan batch-balance` reads it).
    public static func batchBalance(
        plan data: Data, planSource: String, samples: Data, samplesSource: String,
        cost source: PlannerCostSource
    ) throws(FrontendError) -> Data {
        let plan: Plan<BatchBalancePlan> = try decoded(data, source: planSource)
        let (batch, cost) = try TimelineRequest.samplesAndCost(samples, source: samplesSource, cost: source)
        do {
            return try BatchBalanceTimeline.render(
                plan, tokens: batch.map(\.tokens), images: batch.map(\.images),
                loadedRanks: batch.map(\.loadedRank), cost: cost)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    /// A GNN layout's epoch schedule, made when planning (`plan gnn-pipeline --trace`).
    public static func gnnPipeline(_ planner: GNNPipelinePlanner, _ result: GNNPipelineResult) -> Data {
        GNNPipelineTimeline.render(
            cost: GNNPipelineCost(
                model: planner.model, cluster: planner.cluster, vertices: result.vertices,
                edges: result.edges), layout: result.layout)
    }

    /// An iteration estimate's pipeline schedule (`estimate --trace`).
    public static func estimate(_ outcome: EstimateRequest.Outcome) -> Data {
        EstimateTimeline.render(strategy: outcome.strategy, estimate: outcome.estimate)
    }

    /// A batch as `plan batch-balance` reads its samples file, and the batch-balancing cost from a profile or a model
    /// and cluster (`trace` and `report` draw a plan from both).
    static func samplesAndCost(
        _ samples: Data, source samplesSource: String,
        cost source: PlannerCostSource
    ) throws(FrontendError) -> (samples: [Sample], cost: BatchBalanceCost) {
        let batch: [Sample]
        do {
            batch = try SamplesFile.parse(samples, source: samplesSource)
        } catch {
            throw .badInput(message: error.description)
        }
        let cost = try source.resolve(
            load: { (data, path) throws(CostModelError) in try BatchBalanceCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in
                try BatchBalanceCost.derive(model: model, cluster: cluster)
            })
        return (batch, cost)
    }

    /// The plan's kind, once it validates (so the CLI can say which inputs the kind needs).
    public static func kind(of data: Data, source: String) throws(FrontendError) -> PlanKind {
        switch PlanValidator.validate(data) {
        case .success(let summary): return summary.kind
        case .failure(let problem): throw .badInput(source, "not a valid plan (\(problem.description))")
        }
    }

    static func decoded<Body: PlanBody>(_ data: Data, source: String) throws(FrontendError) -> Plan<Body> {
        let kind = try kind(of: data, source: source)
        guard kind == Body.kind, let plan = try? PlanCoding.decode(Body.self, from: data) else {
            throw .badInput(source, "\(kind.withArticle) plan; this needs \(Body.kind.withArticle) plan")
        }
        return plan
    }
}
