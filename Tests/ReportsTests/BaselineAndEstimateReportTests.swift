import BatchBalance
import CostModel
import ExecutionPlan
import Foundation
import Reports
import Testing

/// `plan batch-balance --report`: every baseline's ranks drawn on one scale with the plan's, and each baseline's bars
/// give back the step the plan records for it.
@Suite struct BaselineRanksReportTests {
    @Test(arguments: [(8, false, false), (16, true, true), (8, true, false), (12, false, true)])
    func baselineBarsGiveBackTheirSteps(ranks: Int, separateEncoder: Bool, syncEveryPhase: Bool) throws {
        let path = ReportTests.root.appendingPathComponent("Examples/samples/multimodal-256.jsonl")
        let samples = try SamplesFile.parse(Data(contentsOf: path), source: path.path)
        let cost = BatchBalanceCost(
            llm: PhaseCost(secondsPerToken: 1.84e-4, secondsPerToken2: 5.13e-9),
            encoder: PhaseCost(secondsPerToken: 4e-5, secondsPerToken2: 2e-8))
        let options = BatchBalancer.Options(
            ranks: ranks, separateEncoder: separateEncoder, syncEveryPhase: syncEveryPhase,
            keepEncoderPhase: separateEncoder)
        let result = try BatchBalancer(cost: cost, options: options).plan(samples)
        let plan = try result.executionPlan()
        #expect(result.baselineRanks.map(\.name) == plan.baselines.map(\.name))
        let baselines = result.baselineRanks.map {
            BatchBalanceReport.BaselineRanks(
                name: $0.name, llmSeconds: $0.llmSeconds, encoderSeconds: $0.encoderSeconds,
                phasesWaited: $0.phasesWaited)
        }
        let html = try BatchBalanceReport.html(plan, baselineRanks: baselines)
        #expect(try BatchBalanceReport.html(plan, baselineRanks: baselines) == html)
        // The plan's ranks, then the plan again on the shared scale, then each baseline's ranks.
        let llm = try ReportTests.rects(html, className: "llm")
        #expect(llm.count == ranks * (2 + baselines.count))
        let shared = Array(llm.dropFirst(ranks))
        try ReportTests.expectProportional(shared)
        for (index, baseline) in plan.baselines.enumerated() {
            let bars = Array(shared.dropFirst(ranks * (index + 1)).prefix(ranks))
            let llmSeconds = try bars.map { try ReportTests.number($0, "data-seconds") }
            let encoderSeconds = result.baselineRanks[index].encoderSeconds ?? [Double](repeating: 0, count: ranks)
            let waited = result.baselineRanks[index].phasesWaited
            let step =
                waited
                ? (llmSeconds.max() ?? 0) + (encoderSeconds.max() ?? 0)
                : zip(llmSeconds, encoderSeconds).map { $0 + $1 }.max() ?? 0
            #expect(abs(step - baseline.cost.stepSeconds) <= 1e-9 * baseline.cost.stepSeconds, "\(baseline.name)")
        }
        // The step figure's bound, then one on each baseline's ranks.
        let bounds = try ReportTests.lines(html, className: "bound")
        #expect(bounds.count == 1 + baselines.count)
        #expect(throws: ReportError.self) {
            var short = baselines
            short[0].llmSeconds.removeLast()
            return try BatchBalanceReport.html(plan, baselineRanks: short)
        }
    }
}

/// `report --estimate`: several estimates on one scale, each bar's parts adding up to its estimate.
@Suite struct EstimateComparisonReportTests {
    @Test func estimatesShareOneScale() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:4")
        var summaries: [(label: String, summary: IterationReport.Summary)] = []
        for (tp, pp) in [(2, 4), (8, 1), (1, 2)] {
            let strategy = ParallelStrategy(
                tensorParallel: tp, pipelineParallel: pp, dataParallel: 32 / (tp * pp), microBatch: 1,
                globalBatch: 64, sequenceLength: 4096, sequenceParallel: tp > 1)
            let estimate = try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
            summaries.append(
                (
                    "tp\(tp)-pp\(pp)",
                    IterationReport.Summary(
                        subject: "llama-3-8b", strategy: strategy, iterationSeconds: estimate.iterationSeconds,
                        mfu: estimate.mfu,
                        breakdown: estimate.breakdown, memory: estimate.memory,
                        usableMemoryBytes: estimate.usableMemoryBytes,
                        fitsInMemory: estimate.fitsInMemory)
                ))
        }
        let html = IterationReport.comparison(summaries)
        let parts = try ReportTests.rects(html, className: "part")
        let totals = try ReportTests.lines(html, className: "total")
        #expect(totals.count == 2 * summaries.count)
        for (row, entry) in summaries.enumerated() {
            let mine = parts.filter { $0["data-row"] == "\(row)" }
            let time = try mine.prefix { $0["data-label"] != "parameters" }.map {
                try ReportTests.number($0, "data-value")
            }
            #expect(abs(time.reduce(0, +) - entry.summary.iterationSeconds) <= 1e-9 * entry.summary.iterationSeconds)
            let memory = try mine.drop { $0["data-label"] != "parameters" }.map {
                try ReportTests.number($0, "data-value")
            }
            #expect(abs(memory.reduce(0, +) - entry.summary.memory.peak / 1_073_741_824) <= 1e-9 * memory.reduce(0, +))
        }
        // One scale per figure: every time part, across estimates, is as long as its value.
        let timeParts = parts.filter {
            ["compute", "exposed TP", "pipeline bubble", "pipeline transfers", "exposed DP", "optimizer"]
                .contains($0["data-label"] ?? "")
        }
        try ReportTests.expectProportional(
            timeParts.map {
                var p = $0
                p["data-seconds"] = p["data-value"]
                return p
            })
        // A plan report with the estimates after it stays well-formed.
        let single = IterationReport.html(summaries[0].summary)
        let appended = IterationReport.appending(summaries, to: single)
        _ = try ReportTests.rects(appended, className: "part")
        #expect(appended.contains("Iteration estimates compared"))
    }
}
