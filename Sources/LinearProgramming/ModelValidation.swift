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
            if variable.lower.isNaN || variable.upper.isNaN || variable.lower == .infinity || variable.upper == -.infinity {
                throw invalid(field + " bounds", "[\(variable.lower), \(variable.upper)]", "bounds must be numbers, lower < +inf, upper > -inf")
            }
            if variable.lower > variable.upper {
                throw invalid(field + " bounds", "[\(variable.lower), \(variable.upper)]", "lower bound exceeds upper bound")
            }
            if !variable.objective.isFinite {
                throw invalid(field + " objective", variable.objective, "must be finite")
            }
        }
        var nonzeros = 0
        for constraint in constraints {
            let field = "constraint \(constraint.name)"
            if constraint.lower.isNaN || constraint.upper.isNaN || constraint.lower == .infinity || constraint.upper == -.infinity {
                throw invalid(field + " bounds", "[\(constraint.lower), \(constraint.upper)]", "bounds must be numbers, lower < +inf, upper > -inf")
            }
            if constraint.lower > constraint.upper {
                throw invalid(field + " bounds", "[\(constraint.lower), \(constraint.upper)]", "lower bound exceeds upper bound")
            }
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

    private func invalid(_ field: String, _ value: some CustomStringConvertible, _ reason: String) -> SolverError {
        .invalidModel(ModelProblem(field: field, value: value.description, reason: reason))
    }
}
