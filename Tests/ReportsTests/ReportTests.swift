import BatchBalance
import CostModel
import ExecutionPlan
import ExpertPlacement
import Foundation
import InputFiles
import Reports
import SequenceParallel
import Testing
import TraceAnalysis

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reports are well-formed XHTML whose figures can be read back: bar lengths proportional to predicted seconds, one
/// block per group over its ranks, one bar per rank; the same plan gives the same bytes.
@Suite struct ReportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every rect of a class, with its geometry and data attributes.
    static func rects(_ html: String, className: String) throws -> [[String: String]] {
        try elements(html, tag: "rect", className: className)
    }

    /// Every line of a class, with its attributes.
    static func lines(_ html: String, className: String) throws -> [[String: String]] {
        try elements(html, tag: "line", className: className)
    }

    private static func elements(_ html: String, tag: String, className: String) throws -> [[String: String]] {
        let document = try XMLDocument(xmlString: html, options: [])
        let nodes = try document.nodes(forXPath: "//*[local-name()='\(tag)'][@class='\(className)']")
        return nodes.compactMap { node in
            guard let element = node as? XMLElement else { return nil }
            var attributes: [String: String] = [:]
            for attribute in element.attributes ?? [] { attributes[attribute.name ?? ""] = attribute.stringValue ?? "" }
            return attributes
        }
    }

    static func number(_ attributes: [String: String], _ key: String) throws -> Double {
        let text = try #require(attributes[key])
        return try #require(Double(text))
    }

    /// Lengths ∝ seconds: every bar's width over its seconds is the same (to the SVG's 0.1-pixel rounding).
    static func expectProportional(_ bars: [[String: String]]) throws {
        let pairs = try bars.map { (try number($0, "width"), try number($0, "data-seconds")) }.filter { $0.1 > 0 }
        let ratio = try #require(pairs.max { $0.1 < $1.1 }).0 / (pairs.map(\.1).max() ?? 1)
        for (width, seconds) in pairs { #expect(abs(width - seconds * ratio) <= 0.11, "\(width) px for \(seconds) s") }
    }

    @Test func sequenceParallelReportMatchesThePlan() throws {
        let text = try String(
            contentsOf: Self.root.appendingPathComponent("Examples/batches/wikipedia-batch0.txt"), encoding: .utf8)
        let lengths = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let cost = SequenceParallelCost.flexSPGPT7B()
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths).executionPlan()
        let html = try SequenceParallelReport.html(plan, lengths: lengths, cost: cost)
        #expect(try SequenceParallelReport.html(plan, lengths: lengths, cost: cost) == html)
        // Nothing to fetch and nothing to run: the only URLs are the XML namespaces.
        #expect(!html.contains("<script") && !html.contains("https://") && !html.contains("src="))
        let bars = try Self.rects(html, className: "bar")
        #expect(bars.count == 1 + plan.baselines.count)
        #expect(try Self.number(bars[0], "data-seconds") == plan.predicted.cost.stepSeconds)
        try Self.expectProportional(bars)
        // One block per group, over its ranks, as long as its sequences take, on one scale across micro-batches.
        let groups = try Self.rects(html, className: "group")
        let planned = plan.body.microBatches.flatMap(\.groups)
        #expect(groups.count == planned.count)
        for (rect, group) in zip(groups, planned) {
            #expect(rect["data-degree"] == "\(group.degree)" && rect["data-first-rank"] == "\(group.firstRank)")
            let seconds = group.sequences.reduce(0.0) { $0 + cost.time(Double(lengths[$1]), degree: group.degree) }
            #expect(abs(try Self.number(rect, "data-seconds") - seconds) < 1e-9)
        }
        try Self.expectProportional(groups)
        let heights = try groups.map { try Self.number($0, "height") / (try Self.number($0, "data-degree")) }
        #expect(Set(heights.map { ($0 * 10).rounded() }).count <= 2)
    }

    @Test func batchBalanceReportMatchesThePlan() throws {
        let path = Self.root.appendingPathComponent("Examples/samples/multimodal-256.jsonl")
        let samples = try SamplesFile.parse(Data(contentsOf: path), source: path.path)
        let cost = BatchBalanceCost(
            llm: PhaseCost(secondsPerToken: 1.84e-4, secondsPerToken2: 5.13e-9),
            encoder: PhaseCost(secondsPerToken: 4e-5, secondsPerToken2: 2e-8))
        for options in [
            BatchBalancer.Options(ranks: 8), .init(ranks: 16, separateEncoder: true, keepEncoderPhase: true),
        ] {
            let plan = try BatchBalancer(cost: cost, options: options).plan(samples).executionPlan()
            let html = try BatchBalanceReport.html(plan)
            let ranks = try Self.rects(html, className: "llm")
            #expect(ranks.count == options.ranks)
            for (rect, rank) in zip(ranks, plan.body.ranks) {
                #expect(try Self.number(rect, "data-seconds") == rank.predictedSeconds)
            }
            try Self.expectProportional(ranks)
            #expect(try Self.rects(html, className: "encoder").isEmpty == (plan.body.encoder == nil))
            try Self.expectProportional(try Self.rects(html, className: "bar"))
            // With the samples' costs, each rank's LLM bar parted into its micro-batches, which add up to the rank.
            let withImages = plan.body.encoder == nil
            let seconds = plan.body.ranks.map { rank in
                rank.microBatches.map { batch in
                    batch.reduce(0.0) { total, sample in
                        total + cost.llm.seconds(Double(samples[sample].tokens))
                            + (withImages
                                ? samples[sample].images.reduce(0.0) { $0 + (cost.encoder?.seconds(Double($1)) ?? 0) }
                                : 0)
                    }
                }
            }
            let parted = try BatchBalanceReport.html(plan, microBatchSeconds: seconds)
            let segments = try Self.rects(parted, className: "micro-batch")
            #expect(segments.count == plan.body.ranks.reduce(0) { $0 + $1.microBatches.count })
            try Self.expectProportional(segments + (try Self.rects(parted, className: "llm")))
            #expect(throws: ReportError.self) {
                try BatchBalanceReport.html(plan, microBatchSeconds: seconds.map { $0.map { $0 * 1.1 } })
            }
        }
    }

    @Test func inputsThatDoNotMatchAreRefused() throws {
        let lengths = (0..<64).map { 512 + 97 * $0 }
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 8)
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths).executionPlan()
        #expect(throws: ReportError.self) {
            try SequenceParallelReport.html(plan, lengths: Array(lengths.dropLast()), cost: cost)
        }
        var other = cost
        other.beta1 *= 2
        #expect(throws: ReportError.self) { try SequenceParallelReport.html(plan, lengths: lengths, cost: other) }
    }
}

/// An estimate's report: its time and memory parts add up to the estimate, each as long as its value.
@Suite struct IterationReportTests {
    @Test(arguments: [(2, 4, 2), (8, 1, 1), (1, 2, 1)])
    func partsAddUpToTheEstimate(tp: Int, pp: Int, interleave: Int) throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:4")
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: 32 / (tp * pp), microBatch: 1,
            globalBatch: 64, sequenceLength: 4096, sequenceParallel: tp > 1, interleave: interleave)
        let estimate = try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
        let html = IterationReport.html(model: model, cluster: cluster, strategy: strategy, estimate: estimate)
        let parts = try ReportTests.rects(html, className: "part")
        let values = try parts.map { try ReportTests.number($0, "data-value") }
        // The time bar's parts come first (one per non-zero part of the breakdown), then the memory bar's.
        let b = estimate.breakdown
        let split = [
            b.compute, b.tensorParallel, b.contextParallel, b.expertParallel, b.pipelineTransfers, b.pipelineBubble,
            b.synchronisation, b.dataParallel, b.optimizer,
        ].filter { $0 > 0 }.count
        let time = values.prefix(split).reduce(0, +)
        let memory = values.dropFirst(split).reduce(0, +)
        #expect(abs(time - estimate.iterationSeconds) <= 1e-9 * estimate.iterationSeconds)
        #expect(abs(memory - estimate.memory.peak / 1_073_741_824) <= 1e-9 * memory)
        // Within each bar, lengths ∝ values.
        try ReportTests.expectProportional(
            Array(parts.prefix(split)).map {
                var p = $0
                p["data-seconds"] = p["data-value"]
                return p
            })
        try ReportTests.expectProportional(
            Array(parts.dropFirst(split)).map {
                var p = $0
                p["data-seconds"] = p["data-value"]
                return p
            })
    }
}

/// Several plans of one batch side by side, every figure of a kind on one scale.
@Suite struct ComparisonReportTests {
    @Test func batchBalancePlansShareOneScale() throws {
        let path = ReportTests.root.appendingPathComponent("Examples/samples/multimodal-256.jsonl")
        let samples = try SamplesFile.parse(Data(contentsOf: path), source: path.path)
        let cost = BatchBalanceCost(
            llm: PhaseCost(secondsPerToken: 1.84e-4, secondsPerToken2: 5.13e-9),
            encoder: PhaseCost(secondsPerToken: 4e-5, secondsPerToken2: 2e-8))
        let even = try BatchBalancer(cost: cost, options: .init(ranks: 8, equalCounts: true)).plan(samples)
            .executionPlan()
        let free = try BatchBalancer(cost: cost, options: .init(ranks: 16)).plan(samples).executionPlan()
        let html = BatchBalanceReport.comparison([("equal counts", even), ("16 ranks", free)])
        let bars = try ReportTests.rects(html, className: "bar")
        #expect(bars.map { $0["data-label"] } == ["equal counts", "16 ranks"])
        try ReportTests.expectProportional(bars)
        let ranks = try ReportTests.rects(html, className: "llm")
        #expect(ranks.count == 24)
        try ReportTests.expectProportional(ranks)
    }

    @Test func sequenceParallelPlansShareOneTimeScale() throws {
        let lengths = (0..<96).map { 256 + ($0 * 7919) % 12_000 }
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 16)
        let full = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths).executionPlan()
        var single = cost
        single.degrees = [1, 2, 4]
        let narrow = try SequenceParallelPlanner(cost: single).plan(lengths: lengths).executionPlan()
        let html = try SequenceParallelReport.comparison(
            [("all degrees", full), ("up to 4", narrow)], lengths: lengths, cost: cost)
        let groups = try ReportTests.rects(html, className: "group")
        #expect(groups.count == (full.body.microBatches + narrow.body.microBatches).reduce(0) { $0 + $1.groups.count })
        try ReportTests.expectProportional(groups)
        #expect(throws: ReportError.self) {
            try SequenceParallelReport.comparison(
                [("a", full), ("b", narrow)], lengths: Array(lengths.dropLast()), cost: cost)
        }
    }
}

/// An expert-placement plan's report: per-GPU tokens, slots and the node matrix read back equal the plan's numbers.
@Suite struct ExpertPlacementReportTests {
    static let cost = ExpertCost(
        secondsPerToken: 1e-7, bytesPerToken: 14336, expertBytes: 88e6, moeLayers: 8, experts: 64,
        gpuMemoryBytes: 80e9, source: "test")

    /// The example's 8 layers × 64 experts on 2 nodes of 8 GPUs, with origins.
    static func plan(slotsPerGPU: Int = 5) throws -> Plan<ExpertPlacementPlan> {
        let folder = ReportTests.root.appendingPathComponent("Examples/moe")
        let loads = try ExpertLoadsFile.parse(
            Data(contentsOf: folder.appendingPathComponent("loads-64-experts.json")), source: "loads")
        let origins = try ExpertLoadsFile.parseOrigins(
            Data(contentsOf: folder.appendingPathComponent("origins-64-experts.json")),
            source: "origins")
        return try ExpertPlacementPlanner(
            cost: cost, topology: .init(nodes: 2, gpusPerNode: 8, slotsPerGPU: slotsPerGPU),
            options: .init(groups: 8)
        ).plan(loads: loads, origins: origins).executionPlan()
    }

    @Test func figuresReproduceThePlan() throws {
        let plan = try Self.plan()
        let html = try ExpertPlacementReport.html(plan, loads: nil)
        let body = plan.body
        let worst =
            body.layers.indices.max {
                body.layers[$0].maxLoad / body.layers[$0].meanLoad
                    < body.layers[$1].maxLoad / body.layers[$1].meanLoad
            } ?? 0
        let layer = body.layers[worst]
        let gpus = try ReportTests.rects(html, className: "gpu").filter { $0["data-layer"] == "\(worst)" }
        #expect(gpus.count == layer.gpus.count)
        // Every layer has its figures, and the sum over layers carries every token of the step.
        #expect(try ReportTests.rects(html, className: "gpu").count == (body.layers.count + 1) * layer.gpus.count)
        let all = try ReportTests.rects(html, className: "gpu").filter { $0["data-layer"] == "all" }
        let stepTokens = body.layers.reduce(0.0) { $0 + ($1.nodeTokens ?? []).reduce(0.0) { $0 + $1.reduce(0, +) } }
        #expect(
            abs(try all.reduce(0.0) { $0 + (try ReportTests.number($1, "data-tokens")) } - stepTokens) <= 1e-6
                * stepTokens)
        #expect(html.contains("href=\"#layer-\(worst)\"") && html.contains("id=\"layer-\(worst)\""))
        let tokens = try gpus.map { try ReportTests.number($0, "data-tokens") }
        #expect(abs((tokens.max() ?? 0) - layer.maxLoad) <= 1e-6 * layer.maxLoad)
        #expect(
            try ReportTests.rects(html, className: "slot").filter { $0["data-layer"] == "\(worst)" }.count
                == layer.gpus.reduce(0) { $0 + $1.count })
        // The node matrix carries every token of the layer, and off its diagonal exactly the inter-node tokens.
        let cells = try ReportTests.rects(html, className: "traffic").filter { $0["data-layer"] == "\(worst)" }
        let total = try cells.reduce(0.0) { $0 + (try ReportTests.number($1, "data-tokens")) }
        let crossing = try cells.filter { $0["data-from"] != $0["data-to"] }.reduce(0.0) {
            $0 + (try ReportTests.number($1, "data-tokens"))
        }
        let layerTokens = (layer.nodeTokens ?? []).reduce(0.0) { $0 + $1.reduce(0, +) }
        #expect(abs(total - layerTokens) <= 1e-6 * layerTokens)
        #expect(abs(crossing - (layer.interNodeTokens ?? -1)) <= 1e-6 * max(1, crossing))
        #expect(try ReportTests.rects(html, className: "bar").count == 1 + plan.baselines.count)
        // With EPLB's placements beside the plan: each GPU's tokens
        // under each, every series carrying the layer's tokens.
        let planner = try ExpertPlacementPlanner(
            cost: Self.cost, topology: .init(nodes: 2, gpusPerNode: 8, slotsPerGPU: 5),
            options: .init(groups: 8))
        let compared = try ExpertPlacementReport.html(
            plan, loads: nil, baselines: { planner.baselineGPUTokens(layer: $0) })
        let series = try ReportTests.rects(compared, className: "baseline-gpu").filter {
            $0["data-layer"] == "\(worst)"
        }
        #expect(series.count == 2 * layer.gpus.count)
        let layerTotal = (layer.nodeTokens ?? []).reduce(0.0) { $0 + $1.reduce(0, +) }
        for name in ["eplb-hierarchical", "eplb-global"] {
            let total = try series.filter { $0["data-baseline"] == name }.reduce(0.0) {
                $0 + (try ReportTests.number($1, "data-tokens"))
            }
            #expect(abs(total - layerTotal) <= 1e-6 * layerTotal, "\(name)")
        }
    }

    @Test func loadsAreNeededWithoutOriginsAndChecked() throws {
        let plan = try Self.plan()
        var stripped = plan
        for index in stripped.body.layers.indices { stripped.body.layers[index].nodeTokens = nil }
        #expect(throws: ReportError.self) { try ExpertPlacementReport.html(stripped, loads: nil) }
        let wrong = plan.body.layers.map { _ in [Double](repeating: 100, count: plan.body.experts) }
        #expect(throws: ReportError.self) { try ExpertPlacementReport.html(plan, loads: wrong) }
    }
}

/// A layout search's report: one point per split's fastest layout at its time and memory, the printed ones numbered.
@Suite struct LayoutSearchReportTests {
    @Test func pointsAreTheSearchsLayouts() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:2")
        let search = StaticLayoutSearch(model: model, cluster: cluster)
            .search(template: ParallelStrategy(globalBatch: 64, sequenceLength: 4096))
        let points = search.bestPerSplit
        let shown = Array(points.prefix(5))
        let html = LayoutSearchReport.html(
            model: model, cluster: cluster, layouts: points, shown: shown,
            usableBytes: cluster.gpu.memoryBytes * 0.9, tried: search.tried)
        let rects = try ReportTests.rects(html, className: "layout")
        #expect(rects.count == points.count)
        for rect in rects {
            let seconds = try ReportTests.number(rect, "data-seconds")
            #expect(points.contains { $0.estimate.iterationSeconds == seconds })
        }
        let numbered = try rects.filter { $0["data-number"] != "" }
            .sorted { Int($0["data-number"] ?? "") ?? 0 < Int($1["data-number"] ?? "") ?? 0 }
            .map { try ReportTests.number($0, "data-seconds") }
        #expect(numbered == shown.map(\.estimate.iterationSeconds))
    }
}

/// A what-if analysis' report: one bar per step at its recorded time, the attribution and remedies read back.
@Suite struct WhatIfHTMLReportTests {
    @Test func figuresCarryTheReportsNumbers() throws {
        let folder = ReportTests.root.appendingPathComponent("Examples/traces")
        let operations = try TraceReader.operations(
            csv: Data(contentsOf: folder.appendingPathComponent("trace-ST.csv")), source: "ST")
        let shape = try TraceReader.shape(
            meta: Data(contentsOf: folder.appendingPathComponent("meta-ST.yaml")), source: "meta")
        let report = try WhatIfAnalysis(operations: operations, shape: shape).report(layers: 32)
        let html = WhatIfHTMLReport.html(report)
        #expect(WhatIfHTMLReport.html(report) == html)
        #expect(html.contains("0.70 % per step, 1.52 % per micro-batch operation"))
        let steps = try ReportTests.rects(html, className: "step")
        #expect(steps.count == report.stepSeconds.steps.count)
        for (rect, seconds) in zip(steps, report.stepSeconds.withoutLaunchDelays) {
            #expect(try ReportTests.number(rect, "data-seconds") == seconds)
        }
        // Step bars stand up: their heights are ∝ seconds.
        try ReportTests.expectProportional(
            steps.map {
                var bar = $0
                bar["width"] = bar["height"]
                return bar
            })
        let values = try ReportTests.rects(html, className: "value")
        #expect(
            values.count == report.attribution.byOpType.count + report.attribution.byDPRank.count
                + report.attribution.byStage.count)
        let remedies = try ReportTests.rects(html, className: "bar")
        #expect(
            remedies.contains {
                $0["data-label"] == "balanced stages"
                    && $0["data-seconds"] == "\(report.remedies.balancedStages.seconds)"
            })
        #expect(remedies.contains { $0["data-label"] == "layers re-split" })
        try ReportTests.expectProportional(remedies)
        #expect(html.contains("Slowdown by worker and step"))
    }
}

/// A GNN layout's report and its lock-step schedule: the schedule ends at the estimate's epoch, every chunk runs
/// forward and backward on every stage, and the volume bars carry the estimate's bytes.
@Suite struct GNNPipelineReportTests {
    @Test(arguments: [(1, 4, 4), (2, 4, 2), (4, 1, 8), (8, 2, 1)])
    func scheduleEndsAtTheEpoch(ways: Int, chunksPerWay: Int, stages: Int) throws {
        let path = ReportTests.root.appendingPathComponent("Examples/gnn/gcnii-16.yaml")
        let model = try GNNModel.load(data: Data(contentsOf: path), source: path.path)
        let cost = GNNPipelineCost(
            model: model, cluster: try Cluster.preset("dgx-a100:2"), vertices: 100_000, edges: 1_500_000)
        let perStage = model.layers / stages
        let layout = GNNPipelineCost.Layout(
            ways: ways, stageLayers: (0..<stages).map { ($0 * perStage)..<(($0 + 1) * perStage) },
            chunksPerWay: chunksPerWay, mirrors: 20_000 * (ways - 1))
        let estimate = cost.estimate(layout)
        let schedule = cost.schedule(layout)
        let end = (schedule.chunks.map { $0.start + $0.seconds }.max() ?? 0)
        #expect(end <= schedule.allReduceStart * (1 + 1e-12))
        #expect(
            abs(schedule.allReduceStart + schedule.allReduceSeconds - estimate.epochSeconds) <= 1e-12
                * estimate.epochSeconds)
        #expect(schedule.chunks.count == 2 * stages * chunksPerWay)
        let html = GNNPipelineReport.html(
            model: model, cost: cost, layout: layout, estimate: estimate,
            baselines: [
                (
                    "other",
                    cost.estimate(
                        GNNPipelineCost.Layout(
                            ways: 1, stageLayers: [0..<model.layers],
                            chunksPerWay: 1, mirrors: 0))
                )
            ],
            lowerBound: estimate.epochSeconds / 2)
        #expect(try ReportTests.rects(html, className: "forward").count == stages * chunksPerWay)
        #expect(try ReportTests.rects(html, className: "backward").count == stages * chunksPerWay)
        let volume = try ReportTests.rects(html, className: "volume").prefix(3).reduce(0.0) {
            $0 + (try ReportTests.number($1, "data-bytes"))
        }
        #expect(abs(volume - estimate.communicationBytes) <= 1e-9 * max(1, estimate.communicationBytes))
    }
}
