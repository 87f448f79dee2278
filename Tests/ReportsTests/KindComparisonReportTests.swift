import CostModel
import ExecutionPlan
import ExpertPlacement
import Foundation
import InputFiles
import Reports
import Testing

/// Expert placements and GNN layouts compared: every figure of a kind on one scale across plans.
@Suite struct KindComparisonReportTests {
    @Test func expertPlacementsShareOneTokenScale() throws {
        let plans = try [5, 6].map { slots in try ExpertPlacementReportTests.plan(slotsPerGPU: slots) }
        let html = try ExpertPlacementReport.comparison([("five", plans[0]), ("six", plans[1])], loads: nil)
        #expect(try ExpertPlacementReport.comparison([("five", plans[0]), ("six", plans[1])], loads: nil) == html)
        let gpus = try ReportTests.rects(html, className: "gpu")
        let perPlan = plans[0].body.layers[0].gpus.count
        // All layers, then the worst layer, one figure per plan each.
        #expect(gpus.count == 4 * perPlan)
        let byHeight = { (rects: ArraySlice<[String: String]>) in
            try rects.map { (try ReportTests.number($0, "height"), try ReportTests.number($0, "data-tokens")) }
        }
        // One scale across the plans' all-layer figures: height over tokens is the same for every bar.
        let totals = try byHeight(gpus.prefix(2 * perPlan)).filter { $0.1 > 0 }
        let ratio = try #require(totals.max { $0.1 < $1.1 }).0 / (totals.map(\.1).max() ?? 1)
        for (height, tokens) in totals { #expect(abs(height - tokens * ratio) <= 0.11) }
        let bars = try ReportTests.rects(html, className: "bar")
        #expect(bars.count == 2 + plans[0].baselines.count)
        try ReportTests.expectProportional(bars)
        // Plans of other shapes are refused.
        var other = plans[1]
        other.body.experts += 1
        #expect(throws: ReportError.self) {
            try ExpertPlacementReport.comparison([("five", plans[0]), ("other", other)], loads: nil)
        }
    }

    @Test func gnnLayoutsShareOneTimeAxis() throws {
        let path = ReportTests.root.appendingPathComponent("Examples/gnn/gcnii-16.yaml")
        let model = try GNNModel.load(data: Data(contentsOf: path), source: path.path)
        let cost = GNNPipelineCost(
            model: model, cluster: try Cluster.preset("dgx-a100:2"), vertices: 100_000, edges: 1_500_000)
        let layouts = [(2, 4), (4, 2), (1, 16)].map {
            ways, perWay -> (label: String, layout: GNNPipelineCost.Layout, estimate: GNNPipelineCost.Estimate) in
            let stages = 16 / ways
            let perStage = model.layers / stages
            let layout = GNNPipelineCost.Layout(
                ways: ways, stageLayers: (0..<stages).map { ($0 * perStage)..<(($0 + 1) * perStage) },
                chunksPerWay: perWay, mirrors: ways == 1 ? 0 : 20_000 * ways)
            return ("\(ways) ways", layout, cost.estimate(layout))
        }
        let html = GNNPipelineReport.comparison(
            model: model, cost: cost, layouts: layouts, baselines: [], lowerBound: cost.lowerBoundSeconds)
        let blocks =
            try ReportTests.rects(html, className: "forward") + (try ReportTests.rects(html, className: "backward"))
        // One time axis: every block's width over its seconds is the same across the three schedules.
        try ReportTests.expectProportional(blocks)
        let expected = layouts.reduce(0) { $0 + 2 * $1.layout.stages * $1.layout.chunksPerWay }
        #expect(blocks.count == expected)
        let volumes = try ReportTests.rects(html, className: "volume")
        #expect(volumes.count == 3 * layouts.count)
    }
}
