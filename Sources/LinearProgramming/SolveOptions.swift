/// A solver backend. A value, so callers pass it along instead of switching on types.
public enum Backend: String, Sendable, Equatable, Codable, CaseIterable, CustomStringConvertible {
    /// COIN-OR CLP: LP only, dual or primal simplex.
    case clp
    /// GNU GLPK: LP by simplex, MILP by branch-and-cut (`glp_intopt`).
    case glpk

    public var description: String { rawValue }

    public var solvesMixedInteger: Bool { self == .glpk }
}

public struct SolveOptions: Sendable, Equatable {
    public enum Algorithm: String, Sendable, Equatable, CaseIterable {
        /// The backend's default choice.
        case automatic
        case dualSimplex
        case primalSimplex
    }

    /// Wall-clock limit in seconds; nil for none.
    public var timeLimit: Double?
    /// MILP: stop once the relative gap between incumbent and bound is at most this.
    public var relativeGap: Double
    public var algorithm: Algorithm
    /// MILP presolve (GLPK's `presolve` switch).
    public var presolve: Bool
    /// A basis from an earlier solve of a model with the same rows and columns.
    public var warmStart: Basis?

    public init(
        timeLimit: Double? = nil,
        relativeGap: Double = 1e-9,
        algorithm: Algorithm = .automatic,
        presolve: Bool = true,
        warmStart: Basis? = nil
    ) {
        self.timeLimit = timeLimit
        self.relativeGap = relativeGap
        self.algorithm = algorithm
        self.presolve = presolve
        self.warmStart = warmStart
    }

    func validate(for model: LinearModel) throws(SolverError) {
        if let timeLimit, !(timeLimit > 0) || timeLimit.isNaN {
            throw .invalidOption(
                name: "timeLimit", value: "\(timeLimit)", reason: "must be a positive number of seconds")
        }
        if !(relativeGap >= 0) || !relativeGap.isFinite {
            throw .invalidOption(name: "relativeGap", value: "\(relativeGap)", reason: "must be a finite number ≥ 0")
        }
        if let warmStart {
            guard warmStart.columns.count == model.variables.count, warmStart.rows.count == model.constraints.count
            else {
                throw .invalidWarmStart(
                    reason:
                        "basis has \(warmStart.columns.count) columns and \(warmStart.rows.count) rows, model has \(model.variables.count) and \(model.constraints.count)"
                )
            }
        }
    }
}
