import CostModel
import Foundation

/// The report of a static layout search (docs/reports.md §Layouts): every split's fastest layout as a point of
/// iteration time against memory per GPU, the fastest ones numbered, the usable memory as a line.
public enum LayoutSearchReport {
    /// `layouts`: the points (each split's fastest); `shown`: the layouts the search printed, numbered in that order.
    public static func html(
        model: TransformerModel, cluster: Cluster, layouts: [StaticLayoutSearch.Ranked],
        shown: [StaticLayoutSearch.Ranked], usableBytes: Double, tried: Int
    ) -> String {
        let gib = 1_073_741_824.0
        let name = model.name.contains("/") ? URL(fileURLWithPath: model.name).lastPathComponent : model.name
        var document = HTMLDocument(title: "Layouts of \(name) on \(cluster.gpuCount) \(cluster.gpu.name) GPUs")
        var facts: [(String, String)] = [("layouts estimated", "\(tried)"), ("splits that fit", "\(layouts.count)")]
        for (index, entry) in shown.enumerated() {
            facts.append(
                (
                    "\(index + 1). " + label(entry.strategy),
                    secondsLabel(entry.estimate.iterationSeconds)
                        + String(
                            format: ", %.1f GiB, MFU %.1f %%", entry.estimate.memory.peak / gib,
                            entry.estimate.mfu * 100)
                ))
        }
        document.facts(facts)
        document.heading("Time against memory")
        document.figure(
            scatter(layouts + shown.filter { !layouts.contains($0) }, shown: shown, usableGiB: usableBytes / gib),
            caption: "Each point is the fastest layout of one TP × PP × CP × DP × EP split (its best micro-batch, "
                + "interleaving and recompute): iteration time up, memory per GPU across; the numbered ones are "
                + "the fastest. Points further left leave room for longer sequences or larger micro-batches.")
        return document.markup
    }

    static func label(_ s: ParallelStrategy) -> String {
        "TP \(s.tensorParallel) × PP \(s.pipelineParallel)\(s.interleave > 1 ? " (v \(s.interleave))" : "") × "
            + "DP \(s.dataParallel)\(s.contextParallel > 1 ? " × CP \(s.contextParallel)" : "")"
            + "\(s.expertParallel > 1 ? ", EP \(s.expertParallel)" : ""), mb \(s.microBatch), \(s.cpuOffloadLayers.map { "offload \($0) layers" } ?? s.recompute.rawValue)"
    }

    static func scatter(_ layouts: [StaticLayoutSearch.Ranked], shown: [StaticLayoutSearch.Ranked], usableGiB: Double)
        -> String
    {
        let gib = 1_073_741_824.0
        let left = 70.0
        let right = 30.0
        let top = 50.0
        let bottom = 60.0
        let width = 720.0
        let height = 420.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let memoryMaximum = max(usableGiB, layouts.map { $0.estimate.memory.peak / gib }.max() ?? 0, 1e-9)
        let timeMaximum = max(layouts.map(\.estimate.iterationSeconds).max() ?? 0, 1e-12)
        let title = "Iteration time against memory per GPU"
        var svg = SVG(width: width, height: height)
        svg.heading(title)
        Figures.legend(
            &svg, entries: [("a split's fastest layout", Palette.baseline), ("the fastest, numbered", Palette.plan)],
            x: left, y: 36)
        func x(_ memory: Double) -> Double { left + memory / memoryMaximum * plotWidth }
        func y(_ seconds: Double) -> Double { top + plotHeight - seconds / timeMaximum * plotHeight }
        // The numbered ones last, so they are drawn on top.
        let numberOf = layouts.map { entry in shown.firstIndex(of: entry) }
        for index in layouts.indices.sorted(by: { (numberOf[$0] ?? -1, $0) > (numberOf[$1] ?? -1, $1) }).reversed() {
            let entry = layouts[index]
            let memory = entry.estimate.memory.peak / gib
            let seconds = entry.estimate.iterationSeconds
            let number = numberOf[index]
            let first = number != nil
            svg.rect(
                x: x(memory) - 3, y: y(seconds) - 3, width: 6, height: 6, fill: first ? Palette.plan : Palette.baseline,
                className: "layout",
                tooltip: label(entry.strategy) + ": " + secondsLabel(seconds) + String(format: ", %.1f GiB", memory),
                data: [("seconds", "\(seconds)"), ("gib", "\(memory)"), ("number", number.map { "\($0 + 1)" } ?? "")])
            if let number {
                svg.text("\(number + 1)", x: x(memory) + 5, y: y(seconds) - 4, size: 10, fill: Palette.plan)
            }
        }
        svg.line(
            x1: x(usableGiB), y1: top, x2: x(usableGiB), y2: top + plotHeight, stroke: Palette.bound, width: 1.5,
            dashed: true,
            className: "usable", data: [("gib", "\(usableGiB)")])
        svg.text(
            String(format: "usable %.1f GiB", usableGiB), x: x(usableGiB) - 4, y: top + 10, anchor: "end", size: 10,
            fill: Palette.bound)
        Figures.axis(
            &svg, left: left, plot: plotWidth, y: top + plotHeight + 4, maximum: memoryMaximum, unit: "GiB per GPU")
        svg.line(x1: left, y1: top, x2: left, y2: top + plotHeight)
        for tick in ticks(upTo: timeMaximum) {
            svg.line(x1: left - 4, y1: y(tick), x2: left, y2: y(tick))
            svg.text(
                tick == 0 ? "0" : String(format: tick < 1 ? "%.2g" : "%g", tick), x: left - 6, y: y(tick) + 3,
                anchor: "end", size: 10)
        }
        svg.text("seconds", x: left - 6, y: top - 8, anchor: "end", size: 10, fill: "#555")
        return svg.markup(title: title)
    }
}
