import Foundation

/// Strategies side by side: every plan given and every baseline it reports, ranked by the figure plans are ranked by
/// (step, epoch or expert seconds). Plans of one kind only, since the kinds measure different things.
public struct PlanComparison: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        /// The plan the row comes from (its label, e.g. the file name).
        public var plan: String
        /// "plan" for the plan itself, else the baseline's name.
        public var strategy: String
        public var seconds: Double
        /// Seconds over the fastest row's.
        public var overBest: Double
        /// The bound of the row's plan (baselines keep their plan's rules, so it bounds them too), and seconds over it.
        public var lowerBoundSeconds: Double?
        public var overBound: Double?
        /// Figures a kind is judged by besides time: expert placement's max/mean load and inter-node tokens.
        public var extras: [String: Double]
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let plan: String
        public let reason: String
        public var description: String { "\(plan): \(reason)" }
    }

    public var kind: PlanKind
    /// What `seconds` measures for this kind.
    public var metric: String
    /// Fastest first; ties by plan label, then strategy, so the order is the same on every run.
    public var rows: [Row]
    /// Whether every plan was computed from the same inputs (same digest). Plans of one batch under different options
    /// share a digest; different batches do not, and their times are not a like-for-like comparison.
    public var sameInputs: Bool

    /// Validates each plan (schema and invariants) and ranks the plans and their baselines.
    public static func of(_ plans: [(label: String, data: Data)]) throws(Failure) -> PlanComparison {
        guard let first = plans.first else { throw Failure(plan: "plans", reason: "give at least one plan") }
        var kind: PlanKind?
        var rows: [Row] = []
        var digests = Set<String>()
        for (label, data) in plans {
            let summary: PlanValidator.Summary
            switch PlanValidator.validate(data) {
            case .success(let valid): summary = valid
            case .failure(let problem): throw Failure(plan: label, reason: problem.description)
            }
            if let kind, kind != summary.kind {
                throw Failure(
                    plan: label,
                    reason:
                        "\(summary.kind.withArticle) plan, but \(first.label) is \(kind.rawValue): kinds measure different things"
                )
            }
            kind = summary.kind
            let entries: Entries
            do {
                entries = try Entries(summary.kind, data)
            } catch {
                throw Failure(plan: label, reason: "does not decode (\(PlanValidator.jsonErrorSummary(error)))")
            }
            digests.insert(entries.digest)
            for (strategy, seconds, extras) in entries.rows {
                let overBound = entries.lowerBound.flatMap { $0 > 0 ? seconds / $0 : nil }
                rows.append(
                    Row(
                        plan: label, strategy: strategy, seconds: seconds, overBest: 1,
                        lowerBoundSeconds: entries.lowerBound, overBound: overBound, extras: extras))
            }
        }
        rows.sort { ($0.seconds, $0.plan, $0.strategy) < ($1.seconds, $1.plan, $1.strategy) }
        let best = rows.first?.seconds ?? 0
        for index in rows.indices { rows[index].overBest = best > 0 ? rows[index].seconds / best : 1 }
        let finalKind = kind ?? .sequenceParallel
        return PlanComparison(
            kind: finalKind, metric: Self.metric(finalKind), rows: rows, sameInputs: digests.count <= 1)
    }

    static func metric(_ kind: PlanKind) -> String {
        switch kind {
        case .sequenceParallel, .batchBalance: "step seconds"
        case .expertPlacement: "expert seconds"
        case .gnnPipeline: "epoch seconds"
        }
    }

    /// One plan's rows: itself first, then its baselines, with the bound and inputs digest they share.
    private struct Entries {
        var rows: [(String, Double, [String: Double])] = []
        var lowerBound: Double?
        var digest = ""

        init(_ kind: PlanKind, _ data: Data) throws {
            switch kind {
            case .sequenceParallel: try read(PlanCoding.decode(SequenceParallelPlan.self, from: data)) { _ in [:] }
            case .batchBalance: try read(PlanCoding.decode(BatchBalancePlan.self, from: data)) { _ in [:] }
            case .gnnPipeline: try read(PlanCoding.decode(GNNPipelinePlan.self, from: data)) { _ in [:] }
            case .expertPlacement:
                try read(PlanCoding.decode(ExpertPlacementPlan.self, from: data)) { cost in
                    var extras = ["max/mean": cost.loadRatio]
                    if let inter = cost.interNodeTokens { extras["inter-node tokens"] = inter }
                    return extras
                }
            }
        }

        private mutating func read<Body: PlanBody>(_ plan: Plan<Body>, extras: (Body.Cost) -> [String: Double]) {
            lowerBound = plan.predicted.lowerBoundSeconds
            digest = plan.inputs.batchSha256 ?? plan.inputs.sha256
            rows.append(("plan", plan.predicted.cost.primarySeconds, extras(plan.predicted.cost)))
            for baseline in plan.baselines {
                rows.append((baseline.name, baseline.cost.primarySeconds, extras(baseline.cost)))
            }
        }
    }
}
