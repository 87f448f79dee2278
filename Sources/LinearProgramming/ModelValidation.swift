extension LinearModel {
    /// Checks everything a backend would choke on, so no invalid call ever reaches a C library
    /// (GLPK aborts the process on one).
    public func validate() throws(SolverError) {
        let limit = Int(Int32.max) - 1
        guard variables.count < limit, constraints.count < limit else {
            throw .invalidModel(ModelProblem(
                field: "size", value: "\(variables.count)x\(constraints.count)",
                reason: "more rows or columns than a 32-bit solver index holds"))
        }
        guard objectiveOffset.isFinite else {
            throw invalid("objectiveOffset", objectiveOffset, "must be finite")
        }
        for variable in variables {
            let field = "variable \(variable.name)"
            try checkBounds(field, variable.lower, variable.upper)
            if !variable.objective.isFinite {
                throw invalid(field + " objective", variable.objective, "must be finite")
            }
        }
        var nonzeros = 0
        for constraint in constraints {
            let field = "constraint \(constraint.name)"
            try checkBounds(field, constraint.lower, constraint.upper)
            for term in constraint.terms {
                guard variables.indices.contains(term.variable.index) else {
                    throw invalid(field, "variable #\(term.variable.index)", "refers to a variable the model does not have")
                }
                guard term.coefficient.isFinite else {
                    throw invalid(field + " coefficient of \(variables[term.variable.index].name)", term.coefficient, "must be finite")
                }
            }
            nonzeros += constraint.terms.count
            guard nonzeros < limit else {
                throw invalid("size", nonzeros, "more nonzeros than a 32-bit solver index holds")
            }
        }
    }

    private func checkBounds(_ field: String, _ lower: Double, _ upper: Double) throws(SolverError) {
        if lower.isNaN || upper.isNaN || lower == .infinity || upper == -.infinity {
            throw invalid(field + " bounds", "[\(lower), \(upper)]", "bounds must be numbers, lower < +inf, upper > -inf")
        }
        if lower > upper {
            throw invalid(field + " bounds", "[\(lower), \(upper)]", "lower bound exceeds upper bound")
        }
    }

    private func invalid(_ field: String, _ value: some CustomStringConvertible, _ reason: String) -> SolverError {
        .invalidModel(ModelProblem(field: field, value: value.description, reason: reason))
    }
}
