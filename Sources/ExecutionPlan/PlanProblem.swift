/// The first thing wrong with a plan: where (a JSON path), what value, and why.
public struct PlanProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let value: String
    public let reason: String

    public init(path: String, value: String, reason: String) {
        self.path = path
        self.value = value
        self.reason = reason
    }

    public var description: String {
        value.isEmpty ? "\(path): \(reason)" : "\(path) = \(value): \(reason)"
    }
}

/// Rules every kind shares.
enum PlanRules {
    /// Relative slack when comparing a bound with a predicted time: both are sums of floating-point terms.
    static let tolerance = 1e-9

    static func envelopeViolation<Cost: PlanCost>(
        predicted: Predicted<Cost>, baselines: [Baseline<Cost>], solver: SolverReport
    ) -> PlanProblem? {
        let primary = predicted.cost.primarySeconds
        guard primary.isFinite, primary >= 0 else {
            return PlanProblem(
                path: "predicted", value: "\(primary)", reason: "predicted time must be a finite number ≥ 0")
        }
        if let bound = predicted.lowerBoundSeconds {
            guard bound.isFinite, bound >= 0 else {
                return PlanProblem(
                    path: "predicted.lowerBoundSeconds", value: "\(bound)", reason: "must be a finite number ≥ 0")
            }
            guard bound <= primary * (1 + tolerance) + tolerance else {
                return PlanProblem(
                    path: "predicted.lowerBoundSeconds", value: "\(bound)",
                    reason: "exceeds the plan's own predicted time \(primary)")
            }
            for (index, baseline) in baselines.enumerated()
            where bound > baseline.cost.primarySeconds * (1 + tolerance) + tolerance {
                return PlanProblem(
                    path: "baselines[\(index)]", value: "\(baseline.cost.primarySeconds)",
                    reason: "baseline \(baseline.name) beats the lower bound \(bound), so the bound is wrong")
            }
        }
        var names = Set<String>()
        for (index, baseline) in baselines.enumerated() {
            guard names.insert(baseline.name).inserted else {
                return PlanProblem(path: "baselines[\(index)].name", value: baseline.name, reason: "appears twice")
            }
        }
        if let seconds = solver.seconds, !(seconds.isFinite && seconds >= 0) {
            return PlanProblem(path: "solver.seconds", value: "\(seconds)", reason: "must be a finite number ≥ 0")
        }
        return nil
    }
}
