extension LinearModel {
    /// Checks everything a backend would choke on, so no invalid call ever reaches a C library
    /// (GLPK aborts the process on one).
    public func validate() throws(SolverError) {
        let limit = Int(Int32.max) - 1
        guard variables.count < limit, constraints.count < limit else {
            throw .invalidModel(
                ModelProblem(
                    field: "size", value: "\(variables.count)x\(constraints.count)",
                    reason: "more rows or columns than a 32-bit solver index holds"))
        }
        guard objectiveOffset.isFinite, abs(objectiveOffset) <= Self.largestMagnitude else {
            throw invalid(
                "objectiveOffset", objectiveOffset, "must be finite, at most \(Self.largestMagnitude) in magnitude")
        }
        for variable in variables {
            let field = "variable \(variable.name)"
            try checkBounds(field, variable.lower, variable.upper)
            if !variable.objective.isFinite || abs(variable.objective) > Self.largestMagnitude {
                throw invalid(
                    field + " objective", variable.objective,
                    "must be finite, at most \(Self.largestMagnitude) in magnitude")
            }
        }
        var nonzeros = 0
        for constraint in constraints {
            let field = "constraint \(constraint.name)"
            try checkBounds(field, constraint.lower, constraint.upper)
            for term in constraint.terms {
                guard variables.indices.contains(term.variable.index) else {
                    throw invalid(
                        field, "variable #\(term.variable.index)", "refers to a variable the model does not have")
                }
                guard term.coefficient.isFinite, abs(term.coefficient) <= Self.largestMagnitude else {
                    throw invalid(
                        field + " coefficient of \(variables[term.variable.index].name)", term.coefficient,
                        "must be finite, at most \(Self.largestMagnitude) in magnitude")
                }
            }
            nonzeros += constraint.terms.count
            guard nonzeros < limit else {
                throw invalid("size", nonzeros, "more nonzeros than a 32-bit solver index holds")
            }
        }
    }

    /// The largest coefficient (objective or matrix) a model may hold. CLP aborts the process on an objective
    /// coefficient of 1e25 or more (an internal assertion) and fails numerically near 1e300; 1e18 stays clear of both
    /// and above every number the planners form (tokens below 2^56). Bounds may be any size: model files write 1e30
    /// for "none", and both backends take 1e20 and beyond as infinite.
    public static let largestMagnitude = 1e18

    /// Where the backends start reading a bound as infinite.
    public static let infiniteBound = 1e20

    private func checkBounds(_ field: String, _ lower: Double, _ upper: Double) throws(SolverError) {
        if lower.isNaN || upper.isNaN || lower == .infinity || upper == -.infinity {
            throw invalid(
                field + " bounds", "[\(lower), \(upper)]", "bounds must be numbers, lower < +inf, upper > -inf")
        }

        if lower > upper {
            throw invalid(field + " bounds", "[\(lower), \(upper)]", "lower bound exceeds upper bound")
        }
        // Both backends read a bound of 1e20 or more as infinite; a lower bound there (or an upper bound at -1e20 or
        // less) can never be met, and CLP asserts on a finite-looking lower bound past 1e100 (found by
        // scripts/fuzz.py).
        if lower >= Self.infiniteBound || upper <= -Self.infiniteBound {
            throw invalid(
                field + " bounds", "[\(lower), \(upper)]",
                "a lower bound of \(Self.infiniteBound) or more (an upper bound of -\(Self.infiniteBound) or less) counts as infinite and cannot be met"
            )
        }
    }

    private func invalid(_ field: String, _ value: some CustomStringConvertible, _ reason: String) -> SolverError {
        .invalidModel(ModelProblem(field: field, value: value.description, reason: reason))
    }
}
