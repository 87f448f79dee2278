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

/// Planning time under one slow rank at scale: Llama-3-8B's derived profile on 128 and 1,024 H100s, batches of 8 and
/// 20 Wikipedia sequences per GPU (lengths rounded up to multiples of 2N, as the other tables), and on 1,024 GPUs 50
/// per GPU as recorded (up to 150,000 tokens): there groups hold many short sequences, where rebalancing on the
/// ranks costs most. Each batch planned at nominal speed and with rank 13 at half speed; planning time is one run's,
/// and the ratio is what the speeds cost.
enum SequenceParallelSpeedScaleBenchmark {
    static func run() throws -> [String] {
        guard let model = TransformerModel.preset(named: "llama-3-8b") else { return ["(llama-3-8b preset missing)"] }
        guard let raw = SequenceParallelBenchmark.wikipediaLengths()?.filter({ $0 <= 150_000 }) else {
            return ["(Wikipedia sample not found)"]
        }
        var rows = [
            "| GPUs | batch | sequences | nominal step s | nominal planning ms | slow-rank step s | gap to its bound "
                + "| slow-rank planning ms | planning ÷ nominal |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for nodes in [16, 128] {
            let gpus = nodes * 8
            let rounded = SequenceParallelBenchmark.wikipedia(gpus: gpus) ?? []
            let cost = try SequenceParallelCost.derive(model: model, cluster: try Cluster.preset("hgx-h100:\(nodes)"))
            let speeds = (0..<gpus).map { $0 == SequenceParallelSpeedBenchmark.slowRank ? 0.5 : 1.0 }
            let nominalPlanner = try SequenceParallelPlanner(cost: cost)
            let planner = try SequenceParallelPlanner(cost: cost, options: .init(speedFactors: speeds))
            var batches = [8, 20].map { ("rounded", Array(rounded.prefix($0 * gpus))) }
            if nodes == 128 { batches.append(("raw", Array(raw.prefix(50 * gpus)))) }
            for (name, batch) in batches {
                let nominal = try nominalPlanner.plan(lengths: batch)
                let slow = try planner.plan(lengths: batch)
                let gap = (slow.stepSeconds - (slow.lowerBoundSeconds ?? .nan)) / slow.stepSeconds
                rows.append(
                    String(
                        format: "| %d | %@ | %d | %.3f | %.0f | %.3f | %.2f %% | %.0f | %.2f |", gpus, name,
                        batch.count,
                        nominal.stepSeconds, nominal.planningSeconds * 1000, slow.stepSeconds, gap * 100,
                        slow.planningSeconds * 1000, slow.planningSeconds / nominal.planningSeconds))
            }
        }
        return rows
    }
}
