import ExecutionPlan
import Foundation

/// The report of an expert-placement plan (docs/reports.md §Expert placement): its expert time against EPLB's and
/// the bound, the per-GPU load of the most loaded layer, its slot map coloured by load, and with origins the tokens
/// each node sends each node.
public enum ExpertPlacementReport {
    /// `loads[l][e]`: the tokens routed to each expert, as the plan was made from (derived from the plan's node tokens
    /// when it has them); checked against every layer's maximum load. `baselines` gives each GPU's tokens under the
    /// baselines' placements for one layer's loads (the Frontend passes EPLB's; the report itself places nothing).
    public static func html(
        _ plan: Plan<ExpertPlacementPlan>, loads given: [[Double]]?,
        baselines: (([Double]) -> [(name: String, tokens: [Double])])? = nil
    ) throws(ReportError) -> String {
        let body = plan.body
        let loads = try self.loads(plan, given: given)
        let gpus = body.layers.first?.gpus.count ?? 0
        let gpuLoads = try self.gpuLoads(plan, loads: loads)
        let cost = plan.predicted.cost
        var document = HTMLDocument(
            title: "Expert placement: \(body.layers.count) layers × \(body.experts) experts on \(gpus) GPUs")
        var facts: [(String, String)] = [
            ("expert time", String(format: "%.3f ms", cost.expertSeconds * 1e3)),
            ("max / mean load", String(format: "%.4f", cost.loadRatio)),
            ("slots", "\(body.slotsPerGPU) per GPU, \(body.gpusPerNode) GPUs per node"),
        ]
        if let inter = cost.interNodeTokens { facts.append(("inter-node tokens", String(format: "%.0f", inter))) }
        for baseline in plan.baselines {
            facts.append(
                (
                    "baseline \(baseline.name)",
                    String(
                        format: "%.3f ms (%.2f× the plan), max / mean %.4f",
                        baseline.cost.expertSeconds * 1e3,
                        baseline.cost.expertSeconds / cost.expertSeconds, baseline.cost.loadRatio)
                ))
        }
        document.facts(facts)
        document.heading("Expert time")
        document.figure(
            Figures.stepBars(
                title: "Expert time per step, summed over layers",
                items: [("this plan", cost.expertSeconds, true)]
                    + plan.baselines.map { ($0.name, $0.cost.expertSeconds, false) },
                bound: plan.predicted.lowerBoundSeconds),
            caption: "The busiest GPU's expert time in each layer, summed, for the plan and for EPLB's policies "
                + "(placed by DeepSeek's algorithm, scored by the same cost); the dashed line is a lower bound.")
        let worst =
            body.layers.indices.max {
                body.layers[$0].maxLoad / max(body.layers[$0].meanLoad, 1e-12)
                    < body.layers[$1].maxLoad / max(body.layers[$1].meanLoad, 1e-12)
            } ?? 0
        // Every layer has its section; the reader jumps to one through the links, the most imbalanced first.
        let order = [worst] + body.layers.indices.filter { $0 != worst }
        document.links("Layers:", order.map { ($0 == worst ? "\($0) (most imbalanced)" : "\($0)", "layer-\($0)") })
        let total = gpuLoads.reduce([Double](repeating: 0, count: gpus)) { sum, layer in zip(sum, layer).map { $0 + $1 }
        }
        document.heading("All layers")
        document.figure(
            gpuFigure(
                total, mean: body.layers.reduce(0) { $0 + $1.meanLoad }, layer: nil, gpusPerNode: body.gpusPerNode),
            caption: "Tokens each GPU computes over all layers; the dashed line is the mean. Layers run one after "
                + "another, so each waits for its own busiest GPU: the per-layer figures below say which.")
        for layer in order {
            document.heading(
                layer == worst ? "Layer \(layer), the most imbalanced" : "Layer \(layer)", anchor: "layer-\(layer)")
            let compared = baselines?(loads[layer]).filter { $0.tokens.count == gpuLoads[layer].count } ?? []
            let series =
                compared.isEmpty
                ? "" : ", under the plan (blue) and each EPLB placement (grey, equal shares per replica)"
            document.figure(
                gpuFigure(
                    gpuLoads[layer], mean: body.layers[layer].meanLoad, layer: layer, gpusPerNode: body.gpusPerNode,
                    baselines: compared),
                caption: "Tokens each GPU computes in layer \(layer)\(series); the dashed line is the mean. The layer "
                    + "waits for the highest bar.")
            document.figure(
                slotMap(body.layers[layer], weights: loads[layer], layer: layer),
                caption: "Layer \(layer)'s slots: one cell per GPU (across) and slot (down), coloured by the tokens "
                    + "the replica in it receives (darker is more); the number is the expert.")
            if let nodeTokens = body.layers[layer].nodeTokens, let dispatch = body.layers[layer].dispatch {
                document.figure(
                    nodeMatrix(body.layers[layer], nodeTokens: nodeTokens, dispatch: dispatch, layer: layer),
                    caption: "Tokens node i (row) sends node j (column) in layer \(layer) when every node follows "
                        + "the plan's dispatch; off the diagonal is inter-node traffic.")
            }
        }
        return document.markup
    }

    /// Per layer, each GPU's tokens; every layer's busiest GPU must be the plan's.
    static func gpuLoads(_ plan: Plan<ExpertPlacementPlan>, loads: [[Double]]) throws(ReportError) -> [[Double]] {
        let gpuLoads = zip(plan.body.layers, loads).map { layer, weights in
            zip(layer.gpus, layer.shares).map { slots, shares in
                zip(slots, shares).reduce(0.0) { $0 + weights[$1.0] * $1.1 }
            }
        }
        for (l, (layer, perGPU)) in zip(plan.body.layers, gpuLoads).enumerated() {
            let peak = perGPU.max() ?? 0
            guard abs(peak - layer.maxLoad) <= 1e-6 * max(1, layer.maxLoad) else {
                throw ReportError(
                    String(
                        format: "loads: layer %d's most loaded GPU has %.1f tokens here, the plan says %.1f "
                            + "(other loads, or planned with speed factors?)", l, peak, layer.maxLoad))
            }
        }
        return gpuLoads
    }

    static func loads(_ plan: Plan<ExpertPlacementPlan>, given: [[Double]]?) throws(ReportError) -> [[Double]] {
        let body = plan.body
        if let given {
            guard given.count == body.layers.count, given.allSatisfy({ $0.count == body.experts }) else {
                throw ReportError(
                    "loads: \(given.count) layers of \(given.first?.count ?? 0) experts, the plan has "
                        + "\(body.layers.count) of \(body.experts)")
            }
            return given
        }
        var derived: [[Double]] = []
        for layer in body.layers {
            guard let nodeTokens = layer.nodeTokens else {
                throw ReportError(
                    "--loads: required (the plan was made without origins, so it does not carry its loads)")
            }
            derived.append((0..<body.experts).map { e in nodeTokens.reduce(0) { $0 + (e < $1.count ? $1[e] : 0) } })
        }
        return derived
    }

    /// `layer` nil: the sum over layers.
    /// `scale`: a maximum shared with other figures (comparisons), else this figure's own.
    static func gpuFigure(
        _ loads: [Double], mean: Double, layer: Int?, gpusPerNode: Int,
        baselines: [(name: String, tokens: [Double])] = [], scale: Double? = nil, label: String? = nil
    ) -> String {
        let left = 60.0
        let right = 20.0
        let top = 40.0
        let width = 720.0
        let plot = width - left - right
        let height = 220.0
        let maximum = max(scale ?? 0, loads.max() ?? 0, mean, baselines.flatMap(\.tokens).max() ?? 0, 1e-12)
        let slotWidth = plot / Double(max(loads.count, 1))
        // The plan's bar, then each baseline's, side by side in each GPU's slot.
        let barWidth = slotWidth / Double(1 + baselines.count)
        let title =
            (label.map { "\($0): " } ?? "")
            + (layer.map { "Tokens per GPU, layer \($0)" } ?? "Tokens per GPU, all layers")
        var svg = SVG(width: width, height: height + 50)
        svg.heading(title)
        for (gpu, tokens) in loads.enumerated() {
            let h = tokens / maximum * (height - top)
            svg.rect(
                x: left + Double(gpu) * slotWidth, y: height - h, width: max(1, barWidth - 1), height: h,
                fill: Palette.colour((gpu / max(gpusPerNode, 1)) % 2 == 0 ? 0 : 4), className: "gpu",
                tooltip: "GPU \(gpu) (node \(gpu / max(gpusPerNode, 1))): " + String(format: "%.0f tokens", tokens),
                data: [("tokens", "\(tokens)"), ("gpu", "\(gpu)"), ("layer", layer.map(String.init) ?? "all")])
        }
        for (series, baseline) in baselines.enumerated() {
            for (gpu, tokens) in baseline.tokens.enumerated() {
                let h = tokens / maximum * (height - top)
                svg.rect(
                    x: left + Double(gpu) * slotWidth + Double(series + 1) * barWidth, y: height - h,
                    width: max(1, barWidth - 1),
                    height: h, fill: series == 0 ? "#9E9E9E" : "#C8C8C8", className: "baseline-gpu",
                    tooltip: "\(baseline.name), GPU \(gpu): " + String(format: "%.0f tokens", tokens),
                    data: [
                        ("tokens", "\(tokens)"), ("gpu", "\(gpu)"), ("baseline", baseline.name),
                        ("layer", layer.map(String.init) ?? "all"),
                    ])
            }
        }
        if !baselines.isEmpty {
            Figures.legend(
                &svg,
                entries: [("this plan", Palette.colour(0))]
                    + baselines.enumerated().map { ($0.element.name, $0.offset == 0 ? "#9E9E9E" : "#C8C8C8") },
                x: left + 200, y: 18)
        }
        let meanY = height - mean / maximum * (height - top)
        svg.line(
            x1: left, y1: meanY, x2: left + plot, y2: meanY, stroke: Palette.bound, width: 1.5, dashed: true,
            className: "mean",
            data: [("tokens", "\(mean)")])
        svg.text(
            String(format: "mean %.0f", mean), x: left + plot, y: meanY - 4, anchor: "end", size: 10,
            fill: Palette.bound)
        svg.line(x1: left, y1: height, x2: left + plot, y2: height)
        svg.text("GPU 0", x: left, y: height + 14, size: 10)
        svg.text("GPU \(loads.count - 1)", x: left + plot, y: height + 14, anchor: "end", size: 10)
        svg.text("tokens", x: left - 6, y: top + 4, anchor: "end", size: 10, fill: "#555")
        svg.text(String(format: "%.0f", maximum), x: left - 6, y: top + 16, anchor: "end", size: 10)
        svg.text(
            "nodes alternate in colour", x: left + plot / 2, y: height + 30, anchor: "middle", size: 10, fill: "#555")
        return svg.markup(title: title)
    }

    static func slotMap(_ layer: ExpertPlacementPlan.Layer, weights: [Double], layer index: Int) -> String {
        let gpus = layer.gpus.count
        let slots = layer.gpus.map(\.count).max() ?? 0
        let left = 60.0
        let top = 40.0
        let width = 720.0
        let cell = min(28, (width - left - 20) / Double(max(gpus, 1)))
        let tokens = zip(layer.gpus, layer.shares).map { zip($0, $1).map { weights[$0.0] * $0.1 } }
        let maximum = max(tokens.flatMap { $0 }.max() ?? 0, 1e-12)
        let title = "Slot map, layer \(index)"
        var svg = SVG(width: width, height: top + Double(slots) * cell + 40)
        svg.heading(title)
        for (gpu, experts) in layer.gpus.enumerated() {
            for (slot, expert) in experts.enumerated() {
                let value = tokens[gpu][slot]
                // White to the plan's blue: more tokens, darker.
                let shade = Int((1 - value / maximum) * 200) + 30
                let fill = String(format: "#%02X%02X%02X", min(255, shade), min(255, shade + 20), 255)
                svg.rect(
                    x: left + Double(gpu) * cell, y: top + Double(slot) * cell, width: cell - 1, height: cell - 1,
                    fill: fill,
                    className: "slot",
                    tooltip: "GPU \(gpu) slot \(slot): expert \(expert), " + String(format: "%.0f tokens", value),
                    data: [("expert", "\(expert)"), ("tokens", "\(value)"), ("layer", "\(index)")])
                if cell >= 16 {
                    svg.text(
                        "\(expert)", x: left + (Double(gpu) + 0.5) * cell, y: top + (Double(slot) + 0.65) * cell,
                        anchor: "middle",
                        size: min(10, cell / 2.2), fill: value / maximum > 0.5 ? "#FFFFFF" : "#222")
                }
            }
        }
        svg.text("slot", x: left - 6, y: top + 10, anchor: "end", size: 10, fill: "#555")
        svg.text("GPU 0 … \(gpus - 1)", x: left, y: top + Double(slots) * cell + 16, size: 10, fill: "#555")
        return svg.markup(title: title)
    }

    static func nodeMatrix(
        _ layer: ExpertPlacementPlan.Layer, nodeTokens: [[Double]], dispatch: [[[[Double]]]], layer index: Int
    ) -> String {
        let nodes = nodeTokens.count
        let gpusPerNode = max(1, layer.gpus.count / max(nodes, 1))
        // Replicas numbered as they appear scanning the GPUs and their slots: each one's node.
        var replicaNode: [[Int]] = Array(repeating: [], count: nodeTokens.first?.count ?? 0)
        for (gpu, experts) in layer.gpus.enumerated() {
            for expert in experts { replicaNode[expert].append(gpu / gpusPerNode) }
        }
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: nodes), count: nodes)
        for from in 0..<min(nodes, dispatch.count) {
            for (expert, pairs) in dispatch[from].enumerated() where expert < nodeTokens[from].count {
                for pair in pairs where pair.count == 2 {
                    let replica = Int(pair[0])
                    guard expert < replicaNode.count, replica >= 0, replica < replicaNode[expert].count else {
                        continue
                    }
                    matrix[from][replicaNode[expert][replica]] += nodeTokens[from][expert] * pair[1]
                }
            }
        }
        let cell = min(60, 360 / Double(max(nodes, 1)))
        let left = 90.0
        let top = 50.0
        let maximum = max(matrix.flatMap { $0 }.max() ?? 0, 1e-12)
        let title = "Tokens from node to node, layer \(index)"
        var svg = SVG(width: 720, height: top + Double(nodes) * cell + 30)
        svg.heading(title)
        for from in 0..<nodes {
            svg.text("from node \(from)", x: left - 6, y: top + (Double(from) + 0.6) * cell, anchor: "end", size: 10)
            for to in 0..<nodes {
                let value = matrix[from][to]
                let shade = Int((1 - value / maximum) * 200) + 30
                svg.rect(
                    x: left + Double(to) * cell, y: top + Double(from) * cell, width: cell - 1, height: cell - 1,
                    fill: from == to
                        ? String(format: "#%02X%02X%02X", shade, 255, shade)
                        : String(format: "#%02X%02X%02X", 255, shade, shade),
                    className: "traffic", tooltip: "node \(from) → node \(to): " + String(format: "%.0f tokens", value),
                    data: [("from", "\(from)"), ("to", "\(to)"), ("tokens", "\(value)"), ("layer", "\(index)")])
                if cell >= 30 {
                    svg.text(
                        String(format: "%.0f", value), x: left + (Double(to) + 0.5) * cell,
                        y: top + (Double(from) + 0.6) * cell,
                        anchor: "middle", size: 9)
                }
            }
            svg.text("to \(from)", x: left + (Double(from) + 0.5) * cell, y: top - 6, anchor: "middle", size: 10)
        }
        svg.text(
            "green: stays on its node; red: crosses nodes (darker is more)", x: left,
            y: top + Double(nodes) * cell + 18,
            size: 10, fill: "#555")
        return svg.markup(title: title)
    }
}
