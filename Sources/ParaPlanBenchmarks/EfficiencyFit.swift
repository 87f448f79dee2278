import CostModelValidation
import Foundation
import ParaPlan
import Synchronization

/// How the default efficiencies and the cluster's spread were chosen: a grid over each GPU family's fractions (and
/// the MoE host time), scored by the mean absolute error over that family's published runs plus a quarter of its
/// worst error, the same rule for every family. The runs are the 48 validation runs and, since 2026-12-07, the BF16
/// and FP8 runs of `PrecisionPair.dgxCloud` (docs/cost-model.md §Efficiency). Fused attention's grid stops at 0.6 of
/// the BF16 peak, about what FlashAttention-3 reaches over a forward and backward pass on H100. Since the second
/// session of 2026-12-07 the grid also runs over `SynchronisationJitter.clusterDeviation`, one value for every family
/// (a property of running many workers, not of a chip), chosen by the families' scores weighted by their runs.
/// `PARAPLAN_BENCH_ONLY=fit` prints every spread's score and the best points; the defaults in `Efficiency.defaults`
/// and `clusterDeviation` are them. `PARAPLAN_FIT_WITHOUT_PAIRS=1` fits the 48 runs alone.
enum EfficiencyFit {
    struct Point: Sendable {
        var objective: Double
        var efficiency: Efficiency
        var hostSeconds: Double
        var mean: Double
        var worst: Double
    }

    static let clusterDeviations = grid(0...0.014, step: 0.002)

    static func grid(_ range: ClosedRange<Double>, step: Double) -> [Double] {
        stride(from: range.lowerBound, through: range.upperBound + 1e-9, by: step).map { ($0 * 1000).rounded() / 1000 }
    }

    static func score(_ runs: [PublishedRun], efficiency: Efficiency, profile: CalibrationProfile) throws -> (
        mean: Double, worst: Double
    ) {
        let errors = try runs.map { run in
            abs(try run.estimate(efficiency: efficiency, profile: profile).iterationSeconds / run.iterationSeconds - 1)
        }
        return (errors.reduce(0, +) / Double(errors.count), errors.max() ?? 0)
    }

    static func runs(of family: [String]) throws -> [PublishedRun] {
        var runs = PublishedRun.all.filter { family.contains($0.gpu) }
        if ProcessInfo.processInfo.environment["PARAPLAN_FIT_WITHOUT_PAIRS"] == nil {
            runs += try PrecisionPair.dgxCloud.flatMap { [$0.bf16, try $0.fp8Run()] }.filter { family.contains($0.gpu) }
        }
        return runs
    }

    /// The family's best point with the cluster's spread fixed.
    static func best(_ family: [String], clusterDeviation: Double) throws -> Point? {
        let runs = try runs(of: family)
        let base = Efficiency.defaults(for: try require(GPUSpec.preset(named: family[0])))
        let hasFP8 = runs.contains { $0.strategy.fp8 }
        let hasMoE = runs.contains { $0.isMoE }
        var best: Point?
        for layerKernels in grid(0.1...0.7, step: 0.05) {
            for compute in grid(0.4...0.9, step: 0.025) {
                for attention in grid(0.15...0.6, step: 0.05) {
                    for fp8 in hasFP8 ? grid(0.6...1.0, step: 0.05) : [base.fp8] {
                        for host in hasMoE ? grid(0...0.008, step: 0.0005) : [0] {
                            var efficiency = base
                            (efficiency.compute, efficiency.attention, efficiency.fp8) = (compute, attention, fp8)
                            efficiency.layerKernels = layerKernels
                            let profile = CalibrationProfile(
                                moeLayerHostSeconds: host, clusterDeviation: clusterDeviation)
                            let result = try score(runs, efficiency: efficiency, profile: profile)
                            let objective = result.mean + result.worst / 4
                            if best == nil || objective < best!.objective {
                                best = Point(
                                    objective: objective, efficiency: efficiency, hostSeconds: host, mean: result.mean,
                                    worst: result.worst)
                            }
                        }
                    }
                }
            }
        }
        return best
    }

    static func rows() throws -> [String] {
        let families = [["a100-80gb"], ["h100-sxm", "b200", "gb200"]]
        let counts = try families.map { Double(try runs(of: $0).count) }
        // One job per (spread, family), spread over the cores; each result lands in its own slot.
        let jobs = clusterDeviations.flatMap { deviation in families.indices.map { (deviation, $0) } }
        let results = Mutex<[Int: Result<Point?, Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let (deviation, family) = jobs[index]
            let outcome = Result { try best(families[family], clusterDeviation: deviation) }
            results.withLock { $0[index] = outcome }
        }
        let points = try results.withLock { slots in try jobs.indices.map { try slots[$0]?.get() } }
        var rows = [
            "| cluster spread | \(families.map { $0.joined(separator: ", ") }.joined(separator: " | ")) | weighted |",
            "|---:|" + String(repeating: "---:|", count: families.count + 1),
        ]
        var chosen: (weighted: Double, deviation: Double, points: [Point])?
        for (row, deviation) in clusterDeviations.enumerated() {
            let family = (0..<families.count).compactMap { points[row * families.count + $0] }
            guard family.count == families.count else { continue }
            let weighted = zip(family, counts).map { $0.objective * $1 }.reduce(0, +) / counts.reduce(0, +)
            rows.append(
                String(format: "| %.3f | ", deviation)
                    + family.map { String(format: "%.2f", $0.objective * 100) }.joined(separator: " | ")
                    + String(format: " | %.2f |", weighted * 100))
            if chosen == nil || weighted < chosen!.weighted { chosen = (weighted, deviation, family) }
        }
        guard let chosen else { return rows }
        rows += [
            "",
            String(format: "Best cluster spread %.3f; each family's best point with it:", chosen.deviation),
            "",
            "| GPUs | runs | compute | attention | fp8 | layer kernels | MoE host ms | mean | worst |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for (family, (point, count)) in zip(families, zip(chosen.points, counts)) {
            let efficiency = point.efficiency
            rows.append(
                String(
                    format: "| %@ | %d | %.3f | %.2f | %.2f | %.2f | %.1f | %.1f %% | %.1f %% |",
                    family.joined(separator: ", "), Int(count), efficiency.compute, efficiency.attention,
                    efficiency.fp8, efficiency.layerKernels, point.hostSeconds * 1000, point.mean * 100,
                    point.worst * 100))
        }
        return rows
    }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw BenchmarkFailure(message: "missing preset") }
    return value
}
