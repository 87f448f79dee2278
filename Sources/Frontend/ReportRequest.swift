import BatchBalance
import CostModel
import ExecutionPlan
import ExpertPlacement
import Foundation
import GNNPipeline
import InputFiles
import Reports
import TraceAnalysis

/// `paraplan report`: a plan's self-contained HTML report (docs/reports.md).
public enum ReportRequest {
    /// A sequence-parallel plan's report, with the lengths and cost it was planned with.
    public static func sequenceParallel(
        plan data: Data, planSource: String, lengths: [Int],
        cost source: PlannerCostSource
    ) throws(FrontendError) -> Data {
        try sequenceParallel(plans: [(planSource, data)], lengths: lengths, cost: source)
    }

    /// One or more sequence-parallel plans of one batch (several are compared side by side).
    public static func sequenceParallel(
        plans: [(label: String, data: Data)], lengths: [Int],
        cost source: PlannerCostSource
    ) throws(FrontendError) -> Data {
        var decoded: [(label: String, plan: Plan<SequenceParallelPlan>)] = []
        for (entry, label) in zip(plans, displayLabels(plans.map(\.label))) {
            decoded.append((label, try TimelineRequest.decoded(entry.data, source: entry.label)))
        }
        let cost = try source.resolve(
            load: { (data, path) throws(CostModelError) in try SequenceParallelCost.load(data: data, source: path) },
            derive: { (model, cluster) throws(CostModelError) in
                try SequenceParallelCost.derive(model: model, cluster: cluster)
            })
        do {
            return Data(try SequenceParallelReport.comparison(decoded, lengths: lengths, cost: cost).utf8)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    /// A layout search's report (`layouts --report`): every split's fastest layout, the shown ones numbered.
    public static func layouts(_ outcome: LayoutsRequest.Outcome) -> Data {
        Data(
            LayoutSearchReport.html(
                model: outcome.model, cluster: outcome.cluster, layouts: outcome.search.bestPerSplit,
                shown: outcome.shown, usableBytes: outcome.usableGiB * 1_073_741_824, tried: outcome.search.tried
            ).utf8)
    }

    /// A GNN layout's report, made when planning (`plan gnn-pipeline --report`).
    public static func gnnPipeline(_ planner: GNNPipelinePlanner, _ result: GNNPipelineResult) -> Data {
        let cost = GNNPipelineCost(
            model: planner.model, cluster: planner.cluster, vertices: result.vertices, edges: result.edges)
        return Data(
            GNNPipelineReport.html(
                model: planner.model, cost: cost, layout: result.layout, estimate: result.estimate,
                baselines: result.baselines, lowerBound: result.lowerBoundSeconds
            ).utf8)
    }

    /// A what-if analysis' report (`whatif --report`).
    public static func whatIf(_ report: WhatIfReport) -> Data { Data(WhatIfHTMLReport.html(report).utf8) }

    /// Several expert placements of one set of loads side by side (`loads` unless the first plan carries its node
    /// tokens); one plan gives its own report.
    public static func expertPlacement(
        plans: [(label: String, data: Data)], loads: Data?, loadsSource: String,
        groups: Int? = nil
    ) throws(FrontendError) -> Data {
        guard plans.count > 1 else {
            return try expertPlacement(
                plan: plans.first?.data ?? Data(), planSource: plans.first?.label ?? "plan", loads: loads,
                loadsSource: loadsSource, groups: groups)
        }
        var decoded: [(label: String, plan: Plan<ExpertPlacementPlan>)] = []
        for (entry, label) in zip(plans, displayLabels(plans.map(\.label))) {
            decoded.append((label, try TimelineRequest.decoded(entry.data, source: entry.label)))
        }
        let matrix = try loadsMatrix(loads, source: loadsSource)
        do {
            return Data(try ExpertPlacementReport.comparison(decoded, loads: matrix).utf8)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    private static func loadsMatrix(_ loads: Data?, source: String) throws(FrontendError) -> [[Double]]? {
        guard let loads else { return nil }
        do {
            return try ExpertLoadsFile.parse(loads, source: source)
        } catch {
            throw .badInput(message: error.description)
        }
    }

    /// Several GNN layouts of one graph, model and cluster side by side (each plan evaluated from those inputs).
    public static func gnnPipeline(
        _ planner: GNNPipelinePlanner, comparing results: [(label: String, result: GNNPipelineResult)]
    ) -> Data {
        guard let first = results.first?.result else { return Data() }
        guard results.count > 1 else { return gnnPipeline(planner, first) }
        let cost = GNNPipelineCost(
            model: planner.model, cluster: planner.cluster, vertices: first.vertices, edges: first.edges)
        let labels = displayLabels(results.map(\.label))
        return Data(
            GNNPipelineReport.comparison(
                model: planner.model, cost: cost,
                layouts: zip(labels, results).map { ($0, $1.result.layout, $1.result.estimate) },
                baselines: first.baselines, lowerBound: first.lowerBoundSeconds
            ).utf8)
    }

    /// An expert-placement plan's report; `loads` (the loads file's contents) unless the plan carries its node tokens.
    public static func expertPlacement(
        plan data: Data, planSource: String, loads: Data?, loadsSource: String,
        groups: Int? = nil
    ) throws(FrontendError) -> Data {
        let plan: Plan<ExpertPlacementPlan> = try TimelineRequest.decoded(data, source: planSource)
        let matrix = try loadsMatrix(loads, source: loadsSource)
        // EPLB's placements of a layer, for its per-GPU comparison; the plan's topology, and `groups` for the
        // hierarchical policy.
        let body = plan.body
        let nodes = body.layers.first.map { $0.gpus.count / max(body.gpusPerNode, 1) } ?? 0
        let baselines = { (weights: [Double]) -> [(name: String, tokens: [Double])] in
            let cost = ExpertCost(
                secondsPerToken: body.secondsPerToken, bytesPerToken: body.bytesPerToken ?? 0, expertBytes: 1,
                moeLayers: body.layers.count, experts: body.experts, gpuMemoryBytes: .infinity, source: "plan")
            guard
                let planner = try? ExpertPlacementPlanner(
                    cost: cost,
                    topology: ExpertTopology(
                        nodes: nodes, gpusPerNode: body.gpusPerNode, slotsPerGPU: body.slotsPerGPU),
                    options: .init(groups: groups))
            else { return [] }
            return planner.baselineGPUTokens(layer: weights)
        }
        do {
            return Data(try ExpertPlacementReport.html(plan, loads: matrix, baselines: baselines).utf8)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    /// A batch-balancing plan's report with its micro-batches drawn, from the samples and cost it was planned with.
    public static func batchBalance(
        plan data: Data, planSource: String, samples: Data, samplesSource: String,
        cost source: PlannerCostSource
    ) throws(FrontendError) -> Data {
        let plan: Plan<BatchBalancePlan> = try TimelineRequest.decoded(data, source: planSource)
        let (batch, cost) = try TimelineRequest.samplesAndCost(samples, source: samplesSource, cost: source)
        let seconds = try microBatchSeconds(
            plan.body, batch: batch, cost: cost, planSource: planSource, samplesSource: samplesSource)
        do {
            return Data(try BatchBalanceReport.html(plan, microBatchSeconds: seconds).utf8)
        } catch {
            throw .badInput(message: error.message)
        }
    }

    /// A batch-balancing plan's report written when planning (`plan batch-balance --report`): its micro-batches, and
    /// each baseline's ranks, which the plan file does not keep.
    public static func batchBalance(
        _ balancer: BatchBalancer, _ result: BatchBalanceResult,
        samples: [Sample]
    ) throws(FrontendError) -> Data {
        do {
            let plan = try result.executionPlan()
            // With speed factors a rank's seconds are its work over its speed: its micro-batches are not drawn.
            let seconds =
                balancer.options.speedFactors == nil
                ? try microBatchSeconds(
                    plan.body, batch: samples, cost: balancer.cost, planSource: "plan", samplesSource: "samples")
                : nil
            let baselines = result.baselineRanks.map {
                BatchBalanceReport.BaselineRanks(
                    name: $0.name, llmSeconds: $0.llmSeconds, encoderSeconds: $0.encoderSeconds,
                    phasesWaited: $0.phasesWaited)
            }
            return Data(try BatchBalanceReport.html(plan, microBatchSeconds: seconds, baselineRanks: baselines).utf8)
        } catch let error as FrontendError {
            throw error
        } catch let error as ReportError {
            throw .badInput(message: error.message)
        } catch {
            throw FrontendError(code: .internalFailure, message: "plan: \(error)")
        }
    }

    /// Each rank's micro-batches priced: a sample's LLM work, with its images' encoder work when the plan has no
    /// encoder phase of its own.
    static func microBatchSeconds(
        _ body: BatchBalancePlan, batch: [Sample], cost: BatchBalanceCost, planSource: String,
        samplesSource: String
    ) throws(FrontendError) -> [[Double]] {
        let withImages = body.encoder == nil
        var seconds: [[Double]] = []
        for rank in body.ranks {
            var perMicroBatch: [Double] = []
            for microBatch in rank.microBatches {
                guard microBatch.allSatisfy({ $0 >= 0 && $0 < batch.count }) else {
                    throw .badInput(samplesSource, "not the batch \(planSource) was made for (\(batch.count) samples)")
                }
                perMicroBatch.append(
                    microBatch.reduce(0.0) { total, sample in
                        total + cost.llm.seconds(Double(batch[sample].tokens))
                            + (withImages
                                ? batch[sample].images.reduce(0.0) { $0 + (cost.encoder?.seconds(Double($1)) ?? 0) }
                                : 0)
                    })
            }
            seconds.append(perMicroBatch)
        }
        return seconds
    }

    /// One or more batch-balancing plans (several are compared side by side), from the plans alone.
    public static func batchBalance(plans: [(label: String, data: Data)]) throws(FrontendError) -> Data {
        var decoded: [(label: String, plan: Plan<BatchBalancePlan>)] = []
        for (entry, label) in zip(plans, displayLabels(plans.map(\.label))) {
            decoded.append((label, try TimelineRequest.decoded(entry.data, source: entry.label)))
        }
        return Data(BatchBalanceReport.comparison(decoded).utf8)
    }

    /// File names rather than paths in figures, unless two plans share a name.
    static func displayLabels(_ paths: [String]) -> [String] {
        let names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        return Set(names).count == names.count ? names : paths
    }

    /// `report --estimate`: the estimates' sections after a plan report, or their own report when no plan is given.
    /// Labels are the files' names.
    public static func withEstimates(_ planReport: Data?, estimates: [(label: String, data: Data)])
        throws(FrontendError) -> Data
    {
        var summaries: [(label: String, summary: IterationReport.Summary)] = []
        for (entry, label) in zip(estimates, displayLabels(estimates.map(\.label))) {
            summaries.append((label, try EstimateFile.summary(entry.data, source: entry.label)))
        }
        guard let planReport else { return Data(IterationReport.comparison(summaries).utf8) }
        return Data(IterationReport.appending(summaries, to: String(decoding: planReport, as: UTF8.self)).utf8)
    }

    /// An iteration estimate's report (`estimate --report`).
    public static func estimate(_ outcome: EstimateRequest.Outcome) -> Data {
        Data(
            IterationReport.html(
                model: outcome.model, cluster: outcome.cluster, strategy: outcome.strategy,
                estimate: outcome.estimate
            ).utf8)
    }

}
