import CGlpk

/// A `glp_prob` loaded from a validated `LinearModel`. Rows and columns are 1-based in GLPK.
struct GlpkProblem {
    let handle: OpaquePointer

    init(_ model: LinearModel) {
        handle = glp_create_prob()
        glp_set_obj_dir(handle, model.sense == .minimize ? GLP_MIN : GLP_MAX)
        // glp_add_rows/cols abort on a count of 0.
        if !model.constraints.isEmpty { glp_add_rows(handle, Int32(model.constraints.count)) }
        if !model.variables.isEmpty { glp_add_cols(handle, Int32(model.variables.count)) }
        for (index, constraint) in model.constraints.enumerated() {
            let (type, lower, upper) = Self.boundType(constraint.lower, constraint.upper)
            glp_set_row_bnds(handle, Int32(index + 1), type, lower, upper)
        }
        for (index, variable) in model.variables.enumerated() {
            let column = Int32(index + 1)
            let integral = variable.kind != .continuous
            // GLPK wants integral bounds on integer columns.
            let lowerBound = integral ? variable.lower.rounded(.up) : variable.lower
            let upperBound = integral ? variable.upper.rounded(.down) : variable.upper
            let (type, lower, upper) = Self.boundType(lowerBound, upperBound)
            glp_set_col_bnds(handle, column, type, lower, upper)
            glp_set_obj_coef(handle, column, variable.objective)
            if integral { glp_set_col_kind(handle, column, GLP_IV) }
        }
        glp_set_obj_coef(handle, 0, model.objectiveOffset)
        let matrix = CompiledMatrix(model)
        if matrix.nonzeroCount > 0 {
            // GLPK's triplet arrays are 1-based; element 0 is ignored.
            var rows: [Int32] = [0]
            var columns: [Int32] = [0]
            var values: [Double] = [0]
            rows.reserveCapacity(matrix.nonzeroCount + 1)
            columns.reserveCapacity(matrix.nonzeroCount + 1)
            values.reserveCapacity(matrix.nonzeroCount + 1)
            for column in 0..<(matrix.columnStart.count - 1) {
                for entry in Int(matrix.columnStart[column])..<Int(matrix.columnStart[column + 1]) {
                    rows.append(matrix.rowIndex[entry] + 1)
                    columns.append(Int32(column + 1))
                    values.append(matrix.value[entry])
                }
            }
            glp_load_matrix(handle, Int32(matrix.nonzeroCount), rows, columns, values)
        }
    }

    func delete() { glp_delete_prob(handle) }

    static func boundType(_ lower: Double, _ upper: Double) -> (Int32, Double, Double) {
        switch (lower.isFinite, upper.isFinite) {
        case (false, false): (GLP_FR, 0, 0)
        case (true, false): (GLP_LO, lower, 0)
        case (false, true): (GLP_UP, 0, upper)
        case (true, true): (lower == upper ? GLP_FX : GLP_DB, lower, upper)
        }
    }
}

/// GLPK's basis statuses: GLP_BS basic, GLP_NL at lower, GLP_NU at upper, GLP_NF free, GLP_NS fixed.
enum GlpkBasis {
    static func read(_ problem: OpaquePointer, columns: Int, rows: Int) -> Basis {
        Basis(
            columns: (0..<columns).map { decode(glp_get_col_stat(problem, Int32($0 + 1))) },
            rows: (0..<rows).map { decode(glp_get_row_stat(problem, Int32($0 + 1))) })
    }

    static func copyIn(_ basis: Basis, _ problem: OpaquePointer) {
        for (index, status) in basis.rows.enumerated() {
            glp_set_row_stat(problem, Int32(index + 1), encode(status))
        }
        for (index, status) in basis.columns.enumerated() {
            glp_set_col_stat(problem, Int32(index + 1), encode(status))
        }
    }

    static func decode(_ status: Int32) -> Basis.Status {
        switch status {
        case GLP_BS: .basic
        case GLP_NL: .atLower
        case GLP_NU: .atUpper
        case GLP_NS: .fixed
        default: .free
        }
    }

    static func encode(_ status: Basis.Status) -> Int32 {
        switch status {
        case .basic: GLP_BS
        case .atLower: GLP_NL
        case .atUpper: GLP_NU
        case .fixed: GLP_NS
        case .free: GLP_NF
        }
    }
}
