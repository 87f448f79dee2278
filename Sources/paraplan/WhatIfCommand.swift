import ArgumentParser
import Foundation
import Frontend
import TraceAnalysis

struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Measures a recorded training job's straggler slowdown and names its cause (what-if analysis).",
        discussion: """
            The trace is the straggler-analysis artifact's per-operation CSV (columns dp_rank, stage, rank, step, \
            optype, start_ts, duration, seq_id, mc, mb_id, gmc); the meta file gives dp_size, pp_size, tp_size, \
            dsp_size and vpp_size. Slowdown = mean step time without launch delays / mean step time with every \
            operation at its peers' typical duration. Method: docs/whatif.md.
            """
    )

    @Option(help: "The trace (CSV, one row per recorded operation).")
    var trace: String

    @Option(help: "The job's meta file (YAML key: value lines).")
    var meta: String

    @Option(
        help: "The model's transformer layers (split evenly over the stages in the trace): price the best re-split.")
    var layers: Int?

    @Option(
        help: "Write each GPU's measured speed (slow machines below 1) as a cluster file's speedFactors to this file.")
    var speedFactors: String?

    @Option(help: "With --speed-factors: the GPU preset, to write a whole cluster file (estimate --cluster reads it).")
    var gpu: String?

    @Option(help: "With --speed-factors and --gpu: GPUs per node (default 8).")
    var gpusPerNode = 8

    @Flag(help: "Print the report as JSON instead of a summary.")
    var json = false

    @Option(name: [.short, .long], help: "Write the JSON report to this file; - for standard output.")
    var output: String?

    @Option(help: "Write the worker × step heatmap of slowdowns as SVG to this file.")
    var heatmap: String?

    @Option(
        name: .customLong("report"),
        help: "Write an HTML report: steps, attribution, the heatmap and the remedies as figures.")
    var htmlReport: String?

    @Option(help: "Write the replayed job (as recorded) as a Chrome trace for Perfetto to this file.")
    var timeline: String?

    @Option(help: "Write the ideal job (every operation at its typical duration) as a Chrome trace to this file.")
    var idealTimeline: String?

    func run() throws {
        let (analysis, report) = try WhatIfRequest.analysis(trace: trace, meta: meta, layers: layers)
        if let timeline { try OutputFile.write(analysis.timeline(.recorded), to: timeline) }
        if let idealTimeline { try OutputFile.write(analysis.timeline(.ideal), to: idealTimeline) }
        if let speedFactors {
            try OutputFile.write(
                try WhatIfRequest.speedFactorsFile(report, gpu: gpu, gpusPerNode: gpusPerNode), to: speedFactors)
        }
        let data = try WhatIfRequest.json(report)
        if let output { try OutputFile.write(data + Data("\n".utf8), to: output) }
        if let heatmap { try OutputFile.write(Data(HeatmapSVG.render(report).utf8), to: heatmap) }
        if let htmlReport { try OutputFile.write(ReportRequest.whatIf(report), to: htmlReport) }
        if json {
            if output != "-" { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        let lines = summary(report)
        if output == "-" {
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        } else {
            lines.forEach { print($0) }
        }
    }

    private func summary(_ report: WhatIfReport) -> [String] {
        func f(_ value: Double) -> String { String(format: "%.3f", value) }
        let steps = report.stepSeconds
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
        var lines = [
            "\(trace): \(report.job.name), \(report.operations) operations, \(steps.steps.count) steps, "
                + "dp \(report.job.dataParallel) × pp \(report.job.pipelineParallel) × tp \(report.job.tensorParallel)",
            "slowdown S = \(f(report.slowdown)) (mean step \(f(mean(steps.withoutLaunchDelays))) s without launch delays, "
                + "\(f(mean(steps.ideal))) s ideal); launch delays add \(f(report.launchSlowdown))×",
            "replay reproduces the recorded steps within \(String(format: "%.2g", report.replayError * 100)) %",
            "cause: \(report.culprit)",
            "M_W \(f(report.mw.recovered)) (\(report.mw.workers.count) worker\(report.mw.workers.count == 1 ? "" : "s")), "
                + "M_S \(f(report.ms.recovered)) (last stage)",
        ]
        let types = report.attribution.byOpType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        lines.append("by operation type: " + types.prefix(4).map { "\($0.key) \(f($0.value))" }.joined(separator: ", "))
        lines.append(
            "by worker: "
                + report.attribution.byWorker.prefix(4)
                .map { "dp \($0.dataParallelRank) stage \($0.stage) \(f($0.slowdown))" }.joined(separator: ", "))
        let findings = report.slowMachines
        if findings.slowMachines.isEmpty {
            lines.append(
                "slow machines: none; a worker was slower than its stage's peers in \(findings.stepsWithSlowWorkers) "
                    + "of \(steps.steps.count) steps, \(findings.distinctSlowWorkers) distinct workers")
        }
        for machine in findings.slowMachines.prefix(4) {
            lines.append(
                "slow machine: dp \(machine.dataParallelRank) stage \(machine.stage), compute \(f(machine.computeRatio))× "
                    + "its peers in \(machine.slowSteps) of \(steps.steps.count) steps since step \(machine.sinceStep)")
        }
        if let deviation = report.computeDeviation {
            lines.append(
                String(
                    format: "compute spread between peers: %.2f %% per step (a calibration profile's computeDeviation)",
                    deviation * 100))
        }
        if let deviation = report.operationDeviation {
            lines.append(
                String(
                    format: "compute spread between peers: %.2f %% per micro-batch operation "
                        + "(a calibration profile's operationDeviation)", deviation * 100))
        }
        let remedies = report.remedies
        var remedy =
            "remedies: balanced batches \(f(remedies.balancedBatches.speedUp))×, "
            + "balanced stages \(f(remedies.balancedStages.speedUp))×"
        if let replaced = remedies.replacedSlowMachines { remedy += ", slow machines replaced \(f(replaced.speedUp))×" }
        if let around = remedies.plannedAroundSlowMachines { remedy += ", planned around \(f(around.speedUp))×" }
        lines.append(remedy)
        if let rebalance = remedies.rebalancedMicroBatches {
            lines.append(
                "micro-batches rebalanced over the DP ranks by plan batch-balance: \(f(rebalance.remedy.speedUp))×, "
                    + "\(rebalance.movedMicroBatches) moved (balanced batches, \(f(remedies.balancedBatches.speedUp))×, is the most "
                    + "any balancer can win)")
        }
        if let split = remedies.resplitStages {
            lines.append(
                "re-split of layers: \(split.layersBefore.map(String.init).joined(separator: "/")) → "
                    + "\(split.layersAfter.map(String.init).joined(separator: "/")) per stage, "
                    + "\(f(split.remedy.speedUp))× (a layer: \(f(split.layerSeconds)) s of compute per worker and step)"
            )
        }
        return lines
    }
}
