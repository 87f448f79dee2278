import ArgumentParser
import Foundation
import ParaPlan

/// Ranks every static layout of a model on a cluster for one batch shape (docs/cost-model.md §Layout search).
struct LayoutsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layouts",
        abstract:
            "Ranks static layouts (TP × PP × CP × DP, EP, micro-batch, interleaving, recompute) by predicted iteration time.",
        discussion:
            "Every layout of the cluster's GPUs that Megatron could run for the batch shape is estimated; those "
            + "that fit in memory are ranked fastest first. ZeRO stage, FP8 and overlap switches are kept as given. "
            + "--cluster hgx-h100:16 is 16 nodes of 8 GPUs (128 GPUs). Exit 3 when no layout fits."
    )

    @OptionGroup var inputs: CostInputOptions

    @OptionGroup var shape: BatchShapeOptions
    @Option(help: "Context-parallel degrees to try, comma-separated (e.g. 1,2,4,8). Only 1 by default.")
    var cp: String = "1"
    @Option(help: "Fix the tensor-parallel degree: one or a comma-separated list (e.g. 8 or 4,8).") var tp: String?
    @Option(help: "Fix the pipeline-parallel degree (a list, as for --tp).") var pp: String?
    @Option(help: "Fix the expert-parallel degree (a list, as for --tp).") var ep: String?
    @Option(help: "Fix the micro-batch size (a list, as for --tp).") var microBatch: String?
    @Flag(
        help:
            "Only layouts whose layers split evenly over the virtual stages (Megatron-LM's flags without a pipeline layout)."
    )
    var evenStages = false
    @Flag(help: "Do not try activation offloading (by default the least that fits a layout without a pipeline).")
    var noCpuOffload = false
    @Option(parsing: .unconditional, help: "Layouts to print.") var top: Int = 10
    @Option(
        help:
            "Also write an HTML report: every split's fastest layout as time against memory, the printed ones numbered."
    )
    var report: String?
    @Flag(help: "Print every variant (micro-batch, interleaving, recompute) of a split, not only its fastest.")
    var allVariants = false
    @Flag(help: "Print JSON (sorted keys); the same as --format json.") var json = false
    @Option(
        help:
            "table (default), json, megatron (Megatron-LM arguments per layout) or nemo (NeMo 2 / Megatron-Bridge keys)."
    )
    var format: LayoutFormat = .table

    func run() throws {
        var request = LayoutsRequest(inputs: try inputs.request(), shape: try shape.shape())
        request.contextParallel = try LayoutsRequest.contextDegrees(cp)
        request.tensorParallel = try tp.map { text throws(FrontendError) in
            try LayoutsRequest.degrees(text, flag: "--tp")
        }
        request.pipelineParallel = try pp.map { text throws(FrontendError) in
            try LayoutsRequest.degrees(text, flag: "--pp")
        }
        request.expertParallel = try ep.map { text throws(FrontendError) in
            try LayoutsRequest.degrees(text, flag: "--ep")
        }
        request.microBatches = try microBatch.map { text throws(FrontendError) in
            try LayoutsRequest.degrees(text, flag: "--micro-batch")
        }
        (request.top, request.allVariants, request.evenStagesOnly) = (top, allVariants, evenStages)
        request.noCpuOffload = noCpuOffload
        let outcome = try request.run()
        if let report { try OutputFile.write(ReportRequest.layouts(outcome), to: report) }
        switch json ? .json : format {
        case .json: try printJSON(outcome.report)
        case .megatron, .nemo:
            for (index, entry) in outcome.shown.enumerated() {
                print(
                    String(
                        format: "# rank %d: %.3f s predicted, %.1f GiB per GPU", index + 1,
                        entry.estimate.iterationSeconds,
                        entry.estimate.memory.peak / 1_073_741_824))
                print(LayoutFormat.render(format, model: outcome.model, strategy: entry.strategy))
            }
        case .table:
            print(
                LayoutsText.render(
                    model: outcome.model, cluster: outcome.cluster, template: outcome.template, outcome: outcome.search,
                    shown: outcome.shown, usableGiB: outcome.usableGiB))
        }
    }
}

enum LayoutsText {
    static func render(
        model: TransformerModel, cluster: Cluster, template: ParallelStrategy, outcome: StaticLayoutSearch.Outcome,
        shown: [StaticLayoutSearch.Ranked], usableGiB: Double
    ) -> String {
        let header = [
            "rank", "TP", "PP", "CP", "DP", "EP", "micro", "VP", "stages", "recompute", "iteration s", "MFU %",
            "tokens/s/GPU",
            "memory GiB",
        ]
        let rows = shown.enumerated().map { index, entry -> [String] in
            let s = entry.strategy
            let e = entry.estimate
            return [
                "\(index + 1)", "\(s.tensorParallel)", "\(s.pipelineParallel)", "\(s.contextParallel)",
                "\(s.dataParallel)",
                "\(s.expertParallel)", "\(s.microBatch)", "\(s.interleave)",
                s.unevenPipeline(model: model) ? "uneven*" : "even",
                s.cpuOffloadLayers.map { "offload \($0)" } ?? s.recompute.rawValue,
                String(format: "%.3f", e.iterationSeconds), String(format: "%.1f", e.mfu * 100),
                String(format: "%.0f", e.tokensPerSecondPerGPU), String(format: "%.1f", e.memory.peak / 1_073_741_824),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        let title =
            "\(model.name) on \(cluster.nodes) × \(cluster.gpusPerNode) \(cluster.gpu.name) (\(cluster.gpuCount) GPUs), "
            + "global batch \(template.globalBatch) × \(template.sequenceLength) tokens, ZeRO \(template.zeroStage)\(template.fp8 ? ", FP8" : "")"
            + "\(EstimateText.graphText(template)): "
            + "\(outcome.tried) layouts estimated, \(outcome.ranked.count) fit in \(String(format: "%.1f", usableGiB)) GiB usable per GPU; "
            + "the fastest of each split (--all-variants for every one)"
        // Say where the ranking leans on parts of the cost model the validation checks least (docs/cost-model.md).
        var notes: [String] = []
        if shown.contains(where: { $0.strategy.unevenPipeline(model: model) }) {
            notes.append(
                "* uneven: the layers do not split evenly over the virtual stages; Megatron-Core runs it with "
                    + "--pipeline-model-parallel-layout (--format megatron prints it); --even-stages leaves such layouts out"
            )
        }
        if model.moe == nil {
            notes.append("accuracy: " + PublishedAccuracy.note(moe: false, fp8: template.fp8))
        } else {
            let fitted = PublishedAccuracy.fittedMoE
            let heldOut = PublishedAccuracy.heldOutMoE
            notes.append(
                String(
                    format: "note: MoE layouts rest on expert costs fitted to %d published MoE runs (%.0f %% "
                        + "error on average); on %d held-out MoE runs the estimate is %.0f %% off on average, up "
                        + "to %.0f %% (docs/cost-model.md)", fitted.runs, fitted.meanError * 100, heldOut.runs,
                    heldOut.meanError * 100, heldOut.worstError * 100))
            if template.fp8 { notes.append("note: " + PublishedAccuracy.fp8Note + " (docs/cost-model.md#fp8)") }
        }
        if shown.contains(where: { $0.strategy.contextParallel > 1 }) {
            notes.append("note: context parallelism is checked by three published runs only")
        }
        return ([title, line(header)] + rows.map(line) + notes).joined(separator: "\n")
    }
}

/// A layout written for the runtime that takes it.
enum LayoutFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, megatron, nemo

    static func render(_ format: LayoutFormat, model: TransformerModel, strategy: ParallelStrategy) -> String {
        if format == .nemo {
            return MegatronArguments.configKeys(model: model, strategy: strategy).map {
                "recipe.\($0.key) = \($0.value)"
            }
            .joined(separator: "\n")
        }
        return MegatronArguments.commandLine(model: model, strategy: strategy).map(shellQuoted).joined(separator: " ")
    }

    /// Arguments with characters a shell would read are single-quoted (the layout string's `|`).
    static func shellQuoted(_ argument: String) -> String {
        argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,".contains($0) } ? argument : "'" + argument + "'"
    }
}
