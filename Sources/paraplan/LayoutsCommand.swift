import ArgumentParser
import Foundation
import ParaPlan

/// Ranks every static layout of a model on a cluster for one batch shape (docs/cost-model.md §Layout search).
struct LayoutsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layouts",
        abstract: "Ranks static layouts (TP × PP × CP × DP, EP, micro-batch, interleaving, recompute) by predicted iteration time.",
        discussion: "Every layout of the cluster's GPUs that Megatron-LM could run for the batch shape is estimated; those "
            + "that fit in memory are ranked fastest first. ZeRO stage, FP8 and overlap switches are kept as given. "
            + "Exit 3 when no layout fits."
    )

    @OptionGroup var inputs: CostInputOptions

    @OptionGroup var shape: BatchShapeOptions
    @Option(help: "Context-parallel degrees to try, comma-separated (e.g. 1,2,4,8). CP is outside the runs the cost model is validated against, so only 1 by default.")
    var cp: String = "1"
    @Option(parsing: .unconditional, help: "Layouts to print.") var top: Int = 10
    @Flag(help: "Print every variant (micro-batch, interleaving, recompute) of a split, not only its fastest.") var allVariants = false
    @Flag(help: "Print JSON (sorted keys).") var json = false

    func run() throws {
        var request = LayoutsRequest(inputs: try inputs.request(), shape: try shape.shape())
        request.contextParallel = try LayoutsRequest.contextDegrees(cp)
        (request.top, request.allVariants) = (top, allVariants)
        let outcome = try request.run()
        if json {
            try printJSON(outcome.report)
        } else {
            print(LayoutsText.render(model: outcome.model, cluster: outcome.cluster, template: outcome.template, outcome: outcome.search,
                                     shown: outcome.shown, usableGiB: outcome.usableGiB))
        }
    }
}

enum LayoutsText {
    static func render(model: TransformerModel, cluster: Cluster, template: ParallelStrategy, outcome: StaticLayoutSearch.Outcome,
                       shown: [StaticLayoutSearch.Ranked], usableGiB: Double) -> String {
        let header = ["rank", "TP", "PP", "CP", "DP", "EP", "micro", "VP", "recompute", "iteration s", "MFU %", "tokens/s/GPU", "memory GiB"]
        let rows = shown.enumerated().map { index, entry -> [String] in
            let s = entry.strategy, e = entry.estimate
            return ["\(index + 1)", "\(s.tensorParallel)", "\(s.pipelineParallel)", "\(s.contextParallel)", "\(s.dataParallel)",
                    "\(s.expertParallel)", "\(s.microBatch)", "\(s.interleave)", s.recompute.rawValue,
                    String(format: "%.3f", e.iterationSeconds), String(format: "%.1f", e.mfu * 100),
                    String(format: "%.0f", e.tokensPerSecondPerGPU), String(format: "%.1f", e.memory.peak / 1_073_741_824)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        let title = "\(model.name) on \(cluster.nodes) × \(cluster.gpusPerNode) \(cluster.gpu.name) (\(cluster.gpuCount) GPUs), "
            + "global batch \(template.globalBatch) × \(template.sequenceLength) tokens, ZeRO \(template.zeroStage)\(template.fp8 ? ", FP8" : ""): "
            + "\(outcome.tried) layouts estimated, \(outcome.ranked.count) fit in \(String(format: "%.1f", usableGiB)) GiB usable per GPU; the fastest of each split (--all-variants for every one)"
        // Say where the ranking leans on parts of the cost model no published run checks (docs/cost-model.md).
        var notes: [String] = []
        if model.moe != nil { notes.append("note: MoE layouts rest on expert compute and all-to-all costs no published run in the validation set checks") }
        if shown.contains(where: { $0.strategy.contextParallel > 1 }) {
            notes.append("note: context parallelism is outside the validation set too")
        }
        return ([title, line(header)] + rows.map(line) + notes).joined(separator: "\n")
    }
}
