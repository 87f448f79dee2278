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
    @Option(help: "Layouts to print.") var top: Int = 10
    @Flag(help: "Print every variant (micro-batch, interleaving, recompute) of a split, not only its fastest.") var allVariants = false
    @Flag(help: "Print JSON (sorted keys).") var json = false

    func run() throws {
        let (model, cluster, profile) = try inputs.resolve()
        guard top >= 1, top <= Limits.sequences else { throw CLIError.badInput("--top", value: "\(top)", "must be a whole number from 1 to \(Limits.sequences)") }
        let template = ParallelStrategy(dataParallel: cluster.gpuCount, globalBatch: shape.globalBatch, sequenceLength: shape.seqLen,
                                        zeroStage: shape.zero, overlapTensorParallel: shape.tpCommOverlap, fp8: shape.fp8)
        // A bad batch, length, ZeRO stage or FP8 on this GPU is named before the search runs.
        try costModelCall { () throws(CostModelError) in try template.validateBatchShape(cluster: cluster) }
        var contextDegrees: [Int] = []
        for item in cp.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let degree = Int(text), degree >= 1, degree <= Limits.gpus else {
                throw CLIError.badInput("--cp", value: text, "must list whole numbers from 1 to \(Limits.gpus), comma-separated")
            }
            contextDegrees.append(degree)
        }
        let headroom = try shape.validatedMemoryHeadroom()
        let options = EstimateOptions(profile: profile, memoryHeadroom: headroom)
        let search = StaticLayoutSearch(model: model, cluster: cluster, options: options)
        let usable = options.usableMemoryBytes(of: cluster.gpu) / 1_073_741_824
        let outcome = search.search(template: template, contextParallel: contextDegrees)
        guard !outcome.ranked.isEmpty else {
            let least = outcome.leastMemoryBytes.map { String(format: "the smallest needs %.1f GiB", $0 / 1_073_741_824) } ?? "none is valid for this batch shape"
            throw CLIError.infeasible("--model", "no layout of \(cluster.gpuCount) GPUs fits in \(String(format: "%.1f", usable)) GiB usable per GPU (\(String(format: "%.0f", headroom * 100)) % headroom, --memory-headroom): \(least)")
        }
        let shown = Array((allVariants ? outcome.ranked : outcome.bestPerSplit).prefix(top))
        if json {
            let report = LayoutsReport(tried: outcome.tried, fitting: outcome.ranked.count, layouts: shown.map(LayoutsReport.Entry.init))
            try printJSON(report)
        } else {
            print(LayoutsText.render(model: model, cluster: cluster, template: template, outcome: outcome, shown: shown, usableGiB: usable))
        }
    }
}

struct LayoutsReport: Encodable {
    struct Entry: Encodable {
        let strategy: ParallelStrategy
        let iterationSeconds: Double
        let mfu: Double
        let tokensPerSecondPerGPU: Double
        let memoryBytes: Double

        init(_ ranked: StaticLayoutSearch.Ranked) {
            strategy = ranked.strategy
            iterationSeconds = ranked.estimate.iterationSeconds
            mfu = ranked.estimate.mfu
            tokensPerSecondPerGPU = ranked.estimate.tokensPerSecondPerGPU
            memoryBytes = ranked.estimate.memory.peak
        }
    }

    let tried: Int
    let fitting: Int
    let layouts: [Entry]
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
