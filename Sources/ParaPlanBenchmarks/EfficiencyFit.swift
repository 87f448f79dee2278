import CostModelValidation
import Foundation
import ParaPlan

/// How the default efficiencies were chosen: a grid over each GPU family's fractions (and the MoE host time),
/// scored by the mean absolute error over that family's published runs plus its worst error, the same rule for
/// every family. The runs are the 48 validation runs and, since 2026-12-07, the BF16 and FP8 runs of
/// `PrecisionPair.dgxCloud` (docs/cost-model.md §Efficiency). Fused attention's grid stops at 0.6 of the BF16 peak,
/// about what FlashAttention-3 reaches over a forward and backward pass on H100. `PARAPLAN_BENCH_ONLY=fit` prints the
/// best points; the defaults in `Efficiency.defaults` are them. `PARAPLAN_FIT_WITHOUT_PAIRS=1` fits the 48 runs alone.
enum EfficiencyFit {
    static func grid(_ range: ClosedRange<Double>, step: Double) -> [Double] {
        stride(from: range.lowerBound, through: range.upperBound + 1e-9, by: step).map { ($0 * 1000).rounded() / 1000 }
    }

    static func score(_ runs: [PublishedRun], efficiency: Efficiency, hostSeconds: Double) throws -> (
        mean: Double, worst: Double
    ) {
        let profile = CalibrationProfile(moeLayerHostSeconds: hostSeconds)
        let errors = try runs.map { run in
            abs(try run.estimate(efficiency: efficiency, profile: profile).iterationSeconds / run.iterationSeconds - 1)
        }
        return (errors.reduce(0, +) / Double(errors.count), errors.max() ?? 0)
    }

    static func rows() throws -> [String] {
        var rows: [String] = [
            "| GPUs | runs | compute | attention | fp8 | layer kernels | MoE host ms | mean | worst |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for family in [["a100-80gb"], ["h100-sxm", "b200", "gb200"]] {
            var runs = PublishedRun.all.filter { family.contains($0.gpu) }
            if ProcessInfo.processInfo.environment["PARAPLAN_FIT_WITHOUT_PAIRS"] == nil {
                runs += try PrecisionPair.dgxCloud.flatMap { [$0.bf16, try $0.fp8Run()] }
                    .filter { family.contains($0.gpu) }
            }
            let base = Efficiency.defaults(for: try require(GPUSpec.preset(named: family[0])))
            let hasFP8 = runs.contains { $0.strategy.fp8 }
            let hasMoE = runs.contains { $0.isMoE }
            var best: (Double, Efficiency, Double, (mean: Double, worst: Double))?
            for layerKernels in grid(0.1...0.7, step: 0.05) {
                for compute in grid(0.4...0.9, step: 0.025) {
                    for attention in grid(0.15...0.6, step: 0.05) {
                        for fp8 in hasFP8 ? grid(0.6...1.0, step: 0.05) : [base.fp8] {
                            for host in hasMoE ? grid(0...0.008, step: 0.0005) : [0] {
                                var efficiency = base
                                (efficiency.compute, efficiency.attention, efficiency.fp8) = (compute, attention, fp8)
                                efficiency.layerKernels = layerKernels
                                let result = try score(runs, efficiency: efficiency, hostSeconds: host)
                                let objective = result.mean + result.worst / 4
                                if best == nil || objective < best!.0 { best = (objective, efficiency, host, result) }
                            }
                        }
                    }
                }
            }
            guard let (_, efficiency, host, result) = best else { continue }
            rows.append(
                String(
                    format: "| %@ | %d | %.3f | %.2f | %.2f | %.2f | %.1f | %.1f %% | %.1f %% |",
                    family.joined(separator: ", "), runs.count,
                    efficiency.compute, efficiency.attention, efficiency.fp8, efficiency.layerKernels, host * 1000,
                    result.mean * 100,
                    result.worst * 100))
        }
        return rows
    }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw BenchmarkFailure(message: "missing preset") }
    return value
}
