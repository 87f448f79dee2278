/// Solves `model` with `backend`. Validates the model and options first, so no invalid call reaches
/// a C library. Safe to call from many tasks at once: each call owns its solver objects.
public func solve(
    _ model: LinearModel,
    using backend: Backend,
    options: SolveOptions = SolveOptions()
) throws(SolverError) -> Solution {
    try model.validate()
    try options.validate(for: model)
    if model.isMixedInteger && !backend.solvesMixedInteger {
        throw .unsupported(
            backend: backend.rawValue,
            reason: "the model has integer variables and \(backend) solves LPs only; use .glpk")
    }
    if model.variables.isEmpty { return trivialSolution(model, backend) }
    switch backend {
    case .clp: return ClpSolver(model: model, options: options).run()
    case .glpk: return GlpkSolver(model: model, options: options).run()
    }
}

/// A model with no variables: every row is the constant 0, feasible or not.
private func trivialSolution(_ model: LinearModel, _ backend: Backend) -> Solution {
    let feasible = model.constraints.allSatisfy { $0.lower <= 0 && 0 <= $0.upper }
    return Solution(
        status: feasible ? .optimal : .infeasible,
        backend: backend,
        objective: feasible ? model.objectiveOffset : nil,
        bestBound: feasible ? model.objectiveOffset : nil,
        values: [],
        duals: feasible ? Array(repeating: 0, count: model.constraints.count) : nil,
        reducedCosts: feasible ? [] : nil,
        iterations: 0,
        wallSeconds: 0,
        basis: nil
    )
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}

/// Turns −0 into 0 so that results print the same whichever backend produced them.
func positiveZero(_ value: Double) -> Double { value + 0.0 }
