extension LinearModel {
    /// The model as free-format MPS text. Integer columns sit between INTORG/INTEND markers and
    /// always carry explicit bounds, since readers differ on integer defaults. MPS has no standard
    /// objective sense (GLPK rejects OBJSENSE), so a maximisation is written as the minimisation of
    /// the negated objective, with a comment saying so. Readers disagree on the sign of an objective
    /// RHS, so a nonzero offset is carried by a column fixed at 1, as in the LP text.
    public func mpsText() -> String {
        let names = ModelNames(self)
        let objectiveSign = sense == .maximize ? -1.0 : 1.0
        var out = ""
        if sense == .maximize { out += "* ParaPlan: the model maximises; this file minimises the negated objective\n" }
        out += "NAME \(ModelNames.mpsName(name))\n"
        out += "ROWS\n N obj\n"
        for (index, constraint) in constraints.enumerated() {
            let type: String
            switch (constraint.lower.isFinite, constraint.upper.isFinite) {
            case (true, true): type = constraint.lower == constraint.upper ? "E" : "G"
            case (true, false): type = "G"
            case (false, true): type = "L"
            case (false, false): type = "N"
            }
            out += " \(type) \(names.constraints[index])\n"
        }
        out += "COLUMNS\n"
        var entries = [[(row: Int, value: Double)]](repeating: [], count: variables.count)
        for (row, constraint) in constraints.enumerated() {
            for term in constraint.terms { entries[term.variable.index].append((row, term.coefficient)) }
        }
        var inInteger = false
        for (index, variable) in variables.enumerated() {
            let integral = variable.kind != .continuous
            if integral != inInteger {
                out += "    MARKER 'MARKER' '\(integral ? "INTORG" : "INTEND")'\n"
                inInteger = integral
            }
            let column = names.variables[index]
            if variable.objective != 0 || entries[index].isEmpty {
                out += "    \(column) obj \(formatNumber(objectiveSign * variable.objective))\n"
            }
            for entry in entries[index] where entry.value != 0 {
                out += "    \(column) \(names.constraints[entry.row]) \(formatNumber(entry.value))\n"
            }
        }
        if inInteger { out += "    MARKER 'MARKER' 'INTEND'\n" }
        let constantColumn = objectiveOffset == 0 ? nil : names.unusedName("objective_constant")
        if let constantColumn { out += "    \(constantColumn) obj \(formatNumber(objectiveSign * objectiveOffset))\n" }
        out += "RHS\n"
        var ranges = ""
        for (index, constraint) in constraints.enumerated() {
            let name = names.constraints[index]
            switch (constraint.lower.isFinite, constraint.upper.isFinite) {
            case (true, true):
                if constraint.lower != 0 { out += "    RHS \(name) \(formatNumber(constraint.lower))\n" }
                if constraint.lower != constraint.upper {
                    ranges += "    RNG \(name) \(formatNumber(constraint.upper - constraint.lower))\n"
                }
            case (true, false):
                if constraint.lower != 0 { out += "    RHS \(name) \(formatNumber(constraint.lower))\n" }
            case (false, true):
                if constraint.upper != 0 { out += "    RHS \(name) \(formatNumber(constraint.upper))\n" }
            case (false, false): break
            }
        }
        if !ranges.isEmpty { out += "RANGES\n" + ranges }
        out += "BOUNDS\n"
        if let constantColumn { out += " FX BND \(constantColumn) 1\n" }
        for (index, variable) in variables.enumerated() {
            out += mpsBounds(variable, names.variables[index])
        }
        out += "ENDATA\n"
        return out
    }

    private func mpsBounds(_ variable: Variable, _ name: String) -> String {
        let lower = variable.lower
        let upper = variable.upper
        if lower == upper { return " FX BND \(name) \(formatNumber(lower))\n" }
        var out = ""
        if !lower.isFinite && !upper.isFinite { return " FR BND \(name)\n" }
        if !lower.isFinite {
            out += " MI BND \(name)\n"
        } else if lower != 0 || upper < 0 || variable.kind != .continuous {
            out += " LO BND \(name) \(formatNumber(lower))\n"
        }
        if upper.isFinite {
            out += " UP BND \(name) \(formatNumber(upper))\n"
        } else if variable.kind != .continuous {
            out += " PL BND \(name)\n"
        }
        return out
    }
}

extension ModelNames {
    static func mpsName(_ name: String) -> String {
        let cleaned = name.map { $0 == " " || $0 == "\t" ? "_" : $0 }
        return cleaned.isEmpty ? "model" : String(cleaned.prefix(64))
    }
}
