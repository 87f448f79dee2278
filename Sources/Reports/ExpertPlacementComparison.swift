import ExecutionPlan
import Foundation

/// Several expert placements of one set of loads (other slot counts, move limits or tolerances) side by side: their
/// expert times on one scale, then each plan's per-GPU tokens over all layers and in the layer the first plan finds
/// most imbalanced, every figure of a kind on one token scale.
extension ExpertPlacementReport {
    public static func comparison(_ plans: [(label: String, plan: Plan<ExpertPlacementPlan>)], loads given: [[Double]]?)
        throws(ReportError) -> String
    {
        guard let first = plans.first?.plan else { return HTMLDocument(title: "Expert placements").markup }
        let body = first.body
        for entry in plans
        where entry.plan.body.layers.count != body.layers.count || entry.plan.body.experts != body.experts {
            throw ReportError(
                "\(entry.label): \(entry.plan.body.layers.count) layers of \(entry.plan.body.experts) experts, but "
                    + "\(plans[0].label) has \(body.layers.count) of \(body.experts): not placements of one set of loads"
            )
        }
        let loads = try self.loads(first, given: given)
        var perPlan: [[[Double]]] = []
        for entry in plans { perPlan.append(try gpuLoads(entry.plan, loads: loads)) }
        let worst =
            body.layers.indices.max {
                body.layers[$0].maxLoad / max(body.layers[$0].meanLoad, 1e-12)
                    < body.layers[$1].maxLoad / max(body.layers[$1].meanLoad, 1e-12)
            } ?? 0
        let totals = perPlan.map { layers in
            layers.reduce([Double](repeating: 0, count: layers.first?.count ?? 0)) { sum, layer in
                zip(sum, layer).map { $0 + $1 }
            }
        }
        var document = HTMLDocument(
            title: "Expert placements compared: \(body.layers.count) layers × \(body.experts) experts, "
                + "\(plans.count) plans")
        let fastest = plans.map { $0.plan.predicted.cost.expertSeconds }.min() ?? 1
        document.facts(
            plans.map { entry in
                let cost = entry.plan.predicted.cost
                return (
                    entry.label,
                    String(
                        format: "%.3f ms (%.3f× the fastest), max / mean %.4f, %d slots per GPU on %d GPUs",
                        cost.expertSeconds * 1e3, cost.expertSeconds / fastest, cost.loadRatio,
                        entry.plan.body.slotsPerGPU, entry.plan.body.layers.first?.gpus.count ?? 0)
                        + (cost.interNodeTokens.map { String(format: ", %.0f inter-node tokens", $0) } ?? "")
                )
            })
        document.heading("Expert time")
        document.figure(
            Figures.stepBars(
                title: "Expert time per step of each plan, summed over layers",
                items: plans.map { ($0.label, $0.plan.predicted.cost.expertSeconds, true) }
                    + first.baselines.map { ("\($0.name) (\(plans[0].label))", $0.cost.expertSeconds, false) },
                bound: plans.compactMap { $0.plan.predicted.lowerBoundSeconds }.max()),
            caption: "The plans on one scale, and the first plan's EPLB baselines; the dashed line is the highest "
                + "of their lower bounds.")
        let mean = body.layers.reduce(0) { $0 + $1.meanLoad }
        let totalScale = totals.flatMap { $0 }.max() ?? 0
        document.heading("All layers")
        for (entry, total) in zip(plans, totals) {
            document.figure(
                gpuFigure(
                    total, mean: mean, layer: nil, gpusPerNode: entry.plan.body.gpusPerNode, scale: totalScale,
                    label: entry.label),
                caption: "\(entry.label): tokens each GPU computes over all layers, on the scale every plan shares; "
                    + "the dashed line is the mean.")
        }
        let layerScale = perPlan.compactMap { $0[worst].max() }.max() ?? 0
        document.heading("Layer \(worst), the most imbalanced")
        for (entry, layers) in zip(plans, perPlan) {
            document.figure(
                gpuFigure(
                    layers[worst], mean: body.layers[worst].meanLoad, layer: worst,
                    gpusPerNode: entry.plan.body.gpusPerNode, scale: layerScale, label: entry.label),
                caption: "\(entry.label): tokens each GPU computes in layer \(worst), on one scale; the layer waits "
                    + "for the highest bar.")
        }
        return document.markup
    }
}
