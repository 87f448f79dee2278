/// Why a model could not be solved at all. Infeasible and unbounded models are not errors:
/// they come back as a `Solution` whose status says so.
public enum SolverError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model breaks a rule every backend relies on; nothing was passed to a solver.
    case invalidModel(ModelProblem)
    /// The backend cannot solve this kind of model (a MILP given to an LP-only backend).
    case unsupported(backend: String, reason: String)
    /// An option is out of its range.
    case invalidOption(name: String, value: String, reason: String)
    /// The warm start's shape does not match the model.
    case invalidWarmStart(reason: String)
    /// A model file could not be read.
    case unreadableModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidModel(let problem): "invalid model: \(problem)"
        case .unsupported(let backend, let reason): "\(backend) cannot solve this model: \(reason)"
        case .invalidOption(let name, let value, let reason): "option \(name) = \(value): \(reason)"
        case .invalidWarmStart(let reason): "warm start: \(reason)"
        case .unreadableModel(let path, let reason): "\(path): \(reason)"
        }
    }
}

/// The first rule of the model that a check found broken, naming the variable or constraint.
public struct ModelProblem: Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let value: String
    public let reason: String

    public var description: String { "\(field) = \(value): \(reason)" }
}
