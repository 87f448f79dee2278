import Foundation
import ParaPlan

/// Issue 25's comparison: on Wikipedia lengths, Llama-3-8B and Llama-3-70B on H100 clusters of 64 to 1,024 GPUs,
/// our plan (mixed degrees, each group its own scheme) against every static layout: one degree d for every group,
/// run as pure Ulysses, pure ring, or Ulysses u × ring r (USP), packed by the same step construction.
enum AttentionSchemeBenchmark {
    struct StaticLayout {
        let name: String
        let seconds: Double
    }

    /// The cost restricted to one degree and one scheme: a static layout.
    static func restricted(
        _ cost: SequenceParallelCost, degree: Int,
        scheme: SequenceParallelCost.AttentionScheme
    ) -> SequenceParallelCost {
        var single = cost
        single.degrees = [degree]
        if scheme.ring == 1 {
            single.schemes = [:]
        } else {
            single.schemes = [degree: [scheme]]
            single.maxUlyssesDegree = scheme.ulysses
        }
        return single
    }

    static func staticLayouts(_ cost: SequenceParallelCost, lengths: [Int]) -> [StaticLayout] {
        guard let longest = lengths.max() else { return [] }
        var layouts: [StaticLayout] = []
        for degree in cost.degrees where degree > 1 && cost.fits(Double(longest), degree: degree) {
            for scheme in cost.candidates(degree: degree) {
                let single = restricted(cost, degree: degree, scheme: scheme)
                guard let planner = try? SequenceParallelPlanner(cost: single, options: .init(lowerBound: false)),
                    let result = try? planner.plan(lengths: lengths)
                else { continue }
                let name =
                    scheme.ring == 1
                    ? "Ulysses \(degree)"
                    : scheme.ulysses == 1
                        ? "ring \(degree)"
                        : "USP \(scheme.ulysses)×\(scheme.ring)"
                layouts.append(StaticLayout(name: name, seconds: result.stepSeconds))
            }
        }
        return layouts
    }

    static func run() throws -> [String] {
        var rows = [
            "| model | GPUs | sequences | ours s | gap to bound | best static Ulysses | best static ring | best static USP | "
                + "ours vs best static | planning ms |",
            "|---|---:|---:|---:|---:|---|---|---|---:|---:|",
        ]
        var details: [String] = []
        for modelName in ["llama-3-8b", "llama-3-70b"] {
            guard let model = TransformerModel.preset(named: modelName) else { continue }
            for nodes in [8, 32, 128] {
                let gpus = nodes * 8
                guard let all = SequenceParallelBenchmark.wikipedia(gpus: gpus) else {
                    return ["(Wikipedia sample not found)"]
                }
                let lengths = Array(all.prefix(8 * gpus))
                let cost = try SequenceParallelCost.derive(
                    model: model, cluster: try Cluster.preset("hgx-h100:\(nodes)"))
                let planner = try SequenceParallelPlanner(cost: cost)
                let result = try planner.plan(lengths: lengths)
                let layouts = staticLayouts(cost, lengths: lengths)
                func best(_ prefix: String) -> String {
                    guard let top = layouts.filter({ $0.name.hasPrefix(prefix) }).min(by: { $0.seconds < $1.seconds })
                    else { return "none fits" }
                    return String(format: "%@: %.3f s", top.name, top.seconds)
                }
                let bestStatic = layouts.map(\.seconds).min() ?? .nan
                let gap = result.lowerBoundSeconds.map { (result.stepSeconds - $0) / result.stepSeconds * 100 } ?? .nan
                rows.append(
                    String(
                        format: "| %@ | %d | %d | %.3f | %.1f %% | %@ | %@ | %@ | %.2f× | %.0f |", modelName, gpus,
                        lengths.count,
                        result.stepSeconds, gap, best("Ulysses"), best("ring"), best("USP"),
                        bestStatic / result.stepSeconds,
                        result.planningSeconds * 1000))
                let groups = result.microBatches.flatMap(\.groups)
                let schemes = Dictionary(grouping: groups) { group in
                    group.ring.map { "\(group.degree) (U\(group.ulysses ?? 1)×R\($0))" } ?? "\(group.degree) (Ulysses)"
                }.map { "\($0.value.count) × \($0.key)" }.sorted()
                details.append(
                    "- \(modelName), \(gpus) GPUs: our groups " + schemes.joined(separator: ", ")
                        + "; static: "
                        + layouts.map { String(format: "%@ %.3f", $0.name, $0.seconds) }.joined(separator: ", "))
            }
        }
        return rows + [""] + details
    }
}
