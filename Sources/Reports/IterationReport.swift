import CostModel
import Foundation

/// The report of an iteration estimate (docs/reports.md §Estimates): where an iteration's time goes and where a GPU's
/// memory goes, each as one stacked bar with its parts.
public enum IterationReport {
    /// What one estimate's report shows, from the estimate in memory or from an `estimate --json` file.
    public struct Summary: Sendable {
        /// e.g. "llama-3-8b on 16 h100-sxm GPUs".
        public var subject: String
        /// The layout and batch lines; nil when the estimate file does not record them.
        public var layout: String?
        public var batch: String?
        public var iterationSeconds: Double
        public var mfu: Double
        public var breakdown: IterationEstimate.Breakdown
        public var memory: MemoryEstimate
        public var usableMemoryBytes: Double
        public var fitsInMemory: Bool
        /// The layout's pipeline ranks (1 when the estimate file does not record its layout).
        public var pipelineRanks: Int

        public init(
            subject: String, strategy: ParallelStrategy?, iterationSeconds: Double, mfu: Double,
            breakdown: IterationEstimate.Breakdown, memory: MemoryEstimate, usableMemoryBytes: Double,
            fitsInMemory: Bool
        ) {
            self.subject = subject
            layout = strategy.map {
                "TP \($0.tensorParallel) × PP \($0.pipelineParallel) × DP \($0.dataParallel) × CP \($0.contextParallel), "
                    + "EP \($0.expertParallel), interleave \($0.interleave)"
            }
            batch = strategy.map {
                "micro-batch \($0.microBatch), global batch \($0.globalBatch), sequence \($0.sequenceLength)"
            }
            self.iterationSeconds = iterationSeconds
            self.mfu = mfu
            self.breakdown = breakdown
            self.memory = memory
            self.usableMemoryBytes = usableMemoryBytes
            self.fitsInMemory = fitsInMemory
            pipelineRanks = strategy?.pipelineParallel ?? 1
        }

        /// A model read from a file is named by its path: its file name reads better in a title.
        public static func subject(model: String, gpus: Int, gpu: String) -> String {
            let name = model.contains("/") ? URL(fileURLWithPath: model).lastPathComponent : model
            return "\(name) on \(gpus) \(gpu) GPUs"
        }

        var timeParts: [(String, Double)] {
            let b = breakdown
            return [
                ("compute", b.compute), ("exposed TP", b.tensorParallel), ("exposed CP", b.contextParallel),
                ("EP all-to-all", b.expertParallel), ("pipeline transfers", b.pipelineTransfers),
                ("pipeline bubble", b.pipelineBubble), ("slowest worker", b.synchronisation),
                ("exposed DP", b.dataParallel), ("optimizer", b.optimizer),
            ] + (b.cpuOffload > 0 ? [("CPU offload", b.cpuOffload)] : [])
                + (b.fp8AmaxReduction > 0 ? [("FP8 amax all-reduces", b.fp8AmaxReduction)] : [])
        }

        var memoryParts: [(String, Double)] {
            let rest = memory.peak - memory.parameters - memory.gradients - memory.optimizer - memory.activations
            return [
                ("parameters", memory.parameters), ("gradients", memory.gradients),
                ("optimizer states", memory.optimizer),
                ("activations", memory.activations), ("logits and workspace", max(0, rest)),
            ]
        }

        var facts: [(String, String)] {
            let gib = 1_073_741_824.0
            return [
                ("layout", layout ?? "not recorded in the estimate file"),
                ("batch", batch ?? "not recorded in the estimate file"),
                ("iteration", secondsLabel(iterationSeconds)), ("MFU", String(format: "%.1f %%", mfu * 100)),
                (
                    "memory per GPU",
                    String(
                        format: "%.1f GiB of %.1f GiB usable%@%@", memory.peak / gib, usableMemoryBytes / gib,
                        memory.pipelineRankText(ranks: pipelineRanks),
                        fitsInMemory ? "" : " (does not fit)")
                ),
            ]
        }
    }

    public static func html(
        model: TransformerModel, cluster: Cluster, strategy: ParallelStrategy, estimate: IterationEstimate
    ) -> String {
        html(
            Summary(
                subject: Summary.subject(model: model.name, gpus: cluster.gpuCount, gpu: cluster.gpu.name),
                strategy: strategy,
                iterationSeconds: estimate.iterationSeconds, mfu: estimate.mfu, breakdown: estimate.breakdown,
                memory: estimate.memory, usableMemoryBytes: estimate.usableMemoryBytes,
                fitsInMemory: estimate.fitsInMemory))
    }

    public static func html(_ summary: Summary) -> String {
        var document = HTMLDocument(title: "Iteration estimate: \(summary.subject)")
        sections(summary, into: &document)
        return document.markup
    }

    static func sections(_ summary: Summary, into document: inout HTMLDocument) {
        let gib = 1_073_741_824.0
        document.facts(summary.facts)
        document.heading("Iteration time")
        document.figure(
            stacked(
                title: "Where the iteration's time goes", parts: summary.timeParts, unit: "seconds", scale: 1,
                total: summary.iterationSeconds, totalLabel: secondsLabel(summary.iterationSeconds)),
            caption: timeCaption)
        document.heading("Memory")
        document.figure(
            stacked(
                title: "Where a GPU's memory goes", parts: summary.memoryParts, unit: "GiB", scale: 1 / gib,
                total: summary.usableMemoryBytes,
                totalLabel: String(
                    format: "usable %.1f GiB",
                    summary.usableMemoryBytes / gib)),
            caption: "The peak per GPU by part; the dashed line is the memory usable under the headroom. A bar "
                + "past it does not fit.")
    }

    static let timeCaption =
        "The busiest pipeline stage's iteration, in the order the parts add up: compute, the "
        + "communication compute does not hide, the pipeline bubble, the wait for the slowest worker (peers' compute "
        + "strays from step to step), then the data-parallel reductions and the optimizer after the last micro-batch."

    /// One horizontal bar of parts left to right, a legend under it, and a dashed line at `total`.
    static func stacked(
        title: String, parts: [(String, Double)], unit: String, scale: Double, total: Double,
        totalLabel: String
    ) -> String {
        let left = 20.0
        let right = 30.0
        let width = 720.0
        let plot = width - left - right
        let top = 40.0
        let shown = parts.filter { $0.1 > 0 }
        let sum = shown.reduce(0) { $0 + $1.1 }
        let maximum = max(sum, total, 1e-12) * scale
        var svg = SVG(width: width, height: top + 34 + 26 * Double((shown.count + 2) / 3) + 36)
        svg.heading(title)
        var x = left
        for (index, part) in shown.enumerated() {
            let length = part.1 * scale / maximum * plot
            svg.rect(
                x: x, y: top, width: length, height: 26, fill: Palette.colour(index), className: "part",
                tooltip: "\(part.0): " + String(format: "%.4g", part.1 * scale) + " \(unit)",
                data: [("value", "\(part.1 * scale)"), ("label", part.0)], stroke: "#FFFFFF")
            x += length
        }
        let line = left + total * scale / maximum * plot
        svg.line(
            x1: line, y1: top - 6, x2: line, y2: top + 32, stroke: Palette.bound, width: 1.5, dashed: true,
            className: "total",
            data: [("value", "\(total * scale)")])
        svg.text(
            totalLabel, x: min(line, left + plot - 60), y: top - 9, anchor: "middle", size: 10, fill: Palette.bound)
        Figures.axis(&svg, left: left, plot: plot, y: top + 30, maximum: maximum, unit: unit)
        // The legend, three entries a row, with each part's value.
        for (index, part) in shown.enumerated() {
            let column = Double(index % 3)
            let row = Double(index / 3)
            let entryX = left + column * 230
            let entryY = top + 76 + row * 20
            svg.rect(
                x: entryX, y: entryY - 9, width: 10, height: 10, fill: Palette.colour(index), className: "legend",
                stroke: "#888888")
            svg.text(
                "\(part.0) " + String(format: "%.3g", part.1 * scale) + " \(unit == "seconds" ? "s" : unit)",
                x: entryX + 14, y: entryY, size: 10)
        }
        return svg.markup(title: title)
    }
}
