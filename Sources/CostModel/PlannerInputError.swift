/// A bad input to a planner (loads, graphs, options): which field, which value, why. The planners name it after
/// themselves (`ExpertPlacementError`, `GNNPipelineError`).
public struct PlannerInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let value: String
    public let reason: String

    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String { value.isEmpty ? "\(field): \(reason)" : "\(field) = \(value): \(reason)" }
}
