extension LinearModel {
    /// The model as CPLEX LP text, for reading by eye or by another solver. A ranged row becomes two
    /// rows (`name_lo`, `name_hi`), since readers disagree on ranged syntax. GLPK's reader takes no
    /// constant in the objective, so a nonzero offset is carried by a column fixed at 1.
    public func cplexLPText() -> String {
        let names = ModelNames(self)
        var out = "\\ ParaPlan model \(name)\n"
        out += sense == .minimize ? "Minimize\n" : "Maximize\n"
        let objectiveTerms = variables.indices.compactMap { index -> Term? in
            variables[index].objective == 0 ? nil : Term(VariableID(index: index), variables[index].objective)
        }
        let constantColumn = objectiveOffset == 0 ? nil : names.unusedName("objective_constant")
        var objectiveText = expression(objectiveTerms, names)
        if let constantColumn {
            objectiveText +=
                " \(objectiveOffset < 0 ? "-" : "+") \(formatNumber(abs(objectiveOffset))) \(constantColumn)"
        }
        out += " obj: " + objectiveText + "\n"
        out += "Subject To\n"
        for (index, constraint) in constraints.enumerated() {
            let name = names.constraints[index]
            let body = expression(constraint.terms, names)
            switch (constraint.lower.isFinite, constraint.upper.isFinite) {
            case (true, true) where constraint.lower == constraint.upper:
                out += " \(name): \(body) = \(formatNumber(constraint.lower))\n"
            case (true, true):
                out += " \(name)_lo: \(body) >= \(formatNumber(constraint.lower))\n"
                out += " \(name)_hi: \(body) <= \(formatNumber(constraint.upper))\n"
            case (true, false): out += " \(name): \(body) >= \(formatNumber(constraint.lower))\n"
            case (false, true): out += " \(name): \(body) <= \(formatNumber(constraint.upper))\n"
            case (false, false): out += " \(name): \(body) >= -1e+30\n"
            }
        }
        out += "Bounds\n"
        if let constantColumn { out += " \(constantColumn) = 1\n" }
        for (index, variable) in variables.enumerated() {
            let name = names.variables[index]
            switch (variable.lower.isFinite, variable.upper.isFinite) {
            case (false, false): out += " \(name) free\n"
            case (true, true) where variable.lower == variable.upper:
                out += " \(name) = \(formatNumber(variable.lower))\n"
            case (true, true): out += " \(formatNumber(variable.lower)) <= \(name) <= \(formatNumber(variable.upper))\n"
            case (true, false): if variable.lower != 0 { out += " \(name) >= \(formatNumber(variable.lower))\n" }
            case (false, true): out += " -inf <= \(name) <= \(formatNumber(variable.upper))\n"
            }
        }
        let integers = variables.indices.filter { variables[$0].kind != .continuous }
        if !integers.isEmpty {
            out += "General\n"
            for chunk in stride(from: 0, to: integers.count, by: 8) {
                out +=
                    " "
                    + integers[chunk..<min(chunk + 8, integers.count)].map { names.variables[$0] }.joined(
                        separator: " ") + "\n"
            }
        }
        out += "End\n"
        return out
    }

    private func expression(_ terms: [Term], _ names: ModelNames) -> String {
        var pieces: [String] = []
        for term in terms {
            let magnitude = formatNumber(abs(term.coefficient))
            let sign = term.coefficient < 0 ? "-" : "+"
            pieces.append("\(sign) \(magnitude) \(names.variables[term.variable.index])")
        }
        if pieces.isEmpty { return "0 \(names.variables.first ?? "x0")" }
        // Short lines: some readers cap line length; a term per chunk of 8 keeps lines well under it.
        var lines: [String] = []
        for chunk in stride(from: 0, to: pieces.count, by: 8) {
            lines.append(pieces[chunk..<min(chunk + 8, pieces.count)].joined(separator: " "))
        }
        return lines.joined(separator: "\n   ")
    }
}
