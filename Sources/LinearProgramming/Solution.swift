/// What a backend reports about a solve.
public enum SolveStatus: String, Sendable, Equatable, Codable {
    /// Proven optimal (for a MILP: within the requested relative gap).
    case optimal
    /// A feasible solution, stopped by the time or iteration limit; `Solution.gap` says how far from proven.
    case feasible
    /// Stopped by a limit before any feasible solution was found.
    case limitReached
    case infeasible
    case unbounded
    /// The backend gave up (singular basis, numerical trouble).
    case numericalFailure

    public var hasSolution: Bool { self == .optimal || self == .feasible }
}

public struct Solution: Sendable, Equatable {
    public var status: SolveStatus
    public var backend: Backend
    /// Objective value of `values` (offset included); nil when there is no solution.
    public var objective: Double?
    /// For a MILP, the best proven bound on the optimum; for an optimal LP, the objective itself.
    public var bestBound: Double?
    /// Primal values in variable order; empty when there is no solution.
    public var values: [Double]
    /// Constraint duals for LPs, as ∂objective/∂(right-hand side); nil for MILPs.
    public var duals: [Double]?
    /// Reduced costs for LPs, as ∂objective/∂(variable bound) at the active bound; nil for MILPs.
    public var reducedCosts: [Double]?
    /// Simplex iterations (LP, or all LP relaxations of a MILP where the backend counts them).
    public var iterations: Int
    public var wallSeconds: Double
    /// The final LP basis, for warm-starting a related solve.
    public var basis: Basis?

    /// Relative gap |objective − bestBound| / max(1e-10, |objective|); 0 when optimal.
    public var gap: Double? {
        guard let objective, let bestBound else { return nil }
        if status == .optimal { return 0 }
        return abs(objective - bestBound) / max(1e-10, abs(objective))
    }

    public subscript(variable: VariableID) -> Double {
        values.indices.contains(variable.index) ? values[variable.index] : .nan
    }
}

/// Where each column and row sits in a simplex basis. Rows speak of the row activity.
public struct Basis: Sendable, Equatable, Codable {
    public enum Status: UInt8, Sendable, Codable {
        case basic
        case atLower
        case atUpper
        case free
        case fixed
    }

    public var columns: [Status]
    public var rows: [Status]

    public init(columns: [Status], rows: [Status]) {
        self.columns = columns
        self.rows = rows
    }
}
