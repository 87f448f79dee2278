import Foundation
import ParaPlan

/// Issue 24's measure on FlexSP's setting: the Wikipedia batches 0-19 on 64 GPUs with one rank at half speed, the
/// plan against its speed-aware bound, the offline tight bound and the same batch planned at nominal speed.
enum SequenceParallelSpeedBenchmark {
    static let slowRank = 13

    static func run() throws -> [String] {
        guard let all = SequenceParallelBenchmark.wikipedia() else { return ["(Wikipedia sample not found)"] }
        let cost = SequenceParallelCost.flexSPGPT7B()
        let speeds = (0..<cost.gpus).map { $0 == slowRank ? 0.5 : 1.0 }
        let nominalPlanner = try SequenceParallelPlanner(cost: cost)
        let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
        var rows = [
            "| batch | nominal s | nominal gap | slow-rank plan s | its bound s | gap | tight bound s | gap to tight "
                + "| speed-blind ÷ plan | planning ms |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        var gaps: (nominal: [Double], plan: [Double], tight: [Double]) = ([], [], [])
        for index in 0..<20 {
            let batch = Array(all[(512 * index)..<(512 * index + 512)])
            let nominal = try nominalPlanner.plan(lengths: batch)
            let result = try planner.plan(lengths: batch)
            let bound = result.lowerBoundSeconds ?? .nan
            let tight = try planner.tightLowerBound(lengths: batch) ?? .nan
            let blind = result.baselines.first { $0.name == "speed-blind" }?.stepSeconds ?? .nan
            func gap(_ step: Double, _ bound: Double?) -> Double { (step - (bound ?? .nan)) / step }
            let row = (
                nominal: gap(nominal.stepSeconds, nominal.lowerBoundSeconds), plan: gap(result.stepSeconds, bound),
                tight: gap(result.stepSeconds, tight)
            )
            gaps.nominal.append(row.nominal)
            gaps.plan.append(row.plan)
            gaps.tight.append(row.tight)
            rows.append(
                String(
                    format: "| %d | %.3f | %.2f %% | %.3f | %.3f | %.2f %% | %.3f | %.2f %% | %.2f | %.0f |", index,
                    nominal.stepSeconds, row.nominal * 100, result.stepSeconds, bound, row.plan * 100, tight,
                    row.tight * 100, blind / result.stepSeconds, result.planningSeconds * 1000))
        }
        func summary(_ values: [Double]) -> String {
            String(
                format: "mean %.2f %%, %d of %d within 1 %%", values.reduce(0, +) / Double(values.count) * 100,
                values.filter { $0 <= 0.01 }.count, values.count)
        }
        rows.append("")
        rows.append("Nominal plan against its bound: \(summary(gaps.nominal)).")
        rows.append("Slow-rank plan against its speed-aware bound: \(summary(gaps.plan)).")
        rows.append("Slow-rank plan against the tight speed-aware bound: \(summary(gaps.tight)).")
        return rows
    }
}
