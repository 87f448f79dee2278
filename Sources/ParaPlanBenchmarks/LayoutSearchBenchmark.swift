import CostModelValidation
import Foundation
import ParaPlan

/// The layout search on the validation set's own batch shapes: its best layout against the published Megatron layout,
/// both priced by the same cost model (a predicted gain, not a measured one), and the search's time.
enum LayoutSearchBenchmark {
    static func rows(repetitions: Int) throws -> [String] {
        var rows = [
            "| source | run | published layout, predicted s | best found, predicted s | best ÷ published | best layout (TP × PP × CP × DP, EP, micro, VP, recompute or offloaded layers) | layouts estimated | search ms (median) |",
            "|---|---|---:|---:|---:|---|---:|---:|",
        ]
        for run in PublishedRun.all {
            var template = run.strategy
            (template.tensorParallel, template.pipelineParallel, template.dataParallel) = (1, 1, run.cluster.gpuCount)
            let search = StaticLayoutSearch(
                model: run.model, cluster: run.cluster, options: EstimateOptions(flashAttention: run.flashAttention))
            var times: [Double] = []
            var outcome: StaticLayoutSearch.Outcome?
            for _ in 0..<max(1, repetitions) {
                let start = ContinuousClock.now
                outcome = search.search(
                    template: template, contextParallel: Array(Set([1, run.strategy.contextParallel])).sorted())
                let elapsed = ContinuousClock.now - start
                times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            }
            guard let outcome, let best = outcome.ranked.first else {
                throw BenchmarkFailure(message: "no layout for \(run.label)")
            }
            let published = try run.predicted().seconds
            let s = best.strategy
            rows.append(
                String(
                    format: "| %@ | %@ | %.2f | %.2f | %.3f | %d × %d × %d × %d, %d, %d, %d, %@ | %d | %.1f |",
                    run.source, run.label, published,
                    best.estimate.iterationSeconds, best.estimate.iterationSeconds / published, s.tensorParallel,
                    s.pipelineParallel, s.contextParallel, s.dataParallel, s.expertParallel, s.microBatch, s.interleave,
                    s.cpuOffloadLayers.map { "offload \($0)" } ?? s.recompute.rawValue, outcome.tried,
                    SequenceParallelBenchmark.median(times) * 1000))
        }
        return rows
    }
}
