import CGlpk

/// File formats GLPK's readers parse for us.
public enum ModelFileFormat: String, Sendable, CaseIterable {
    case cplexLP = "lp"
    case mps = "mps"
}

extension LinearModel {
    /// Reads a CPLEX LP or free MPS file through GLPK's parser. Errors name the file and GLPK's
    /// own message (line number included).
    public static func read(path: String, format: ModelFileFormat) throws(SolverError) -> LinearModel {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw .unreadableModel(path: path, reason: "not a file path")
        }
        let outcome: Result<LinearModel, SolverError> = GlpkEnvironment.withGlpk {
            let problem = glp_create_prob()
            defer { glp_delete_prob(problem) }
            let messages = GlpkMessages()
            let code = messages.capturing {
                switch format {
                case .cplexLP: glp_read_lp(problem, nil, path)
                case .mps: glp_read_mps(problem, GLP_MPS_FILE, nil, path)
                }
            }
            guard code == 0, let problem else {
                return .failure(
                    .unreadableModel(
                        path: path, reason: messages.lastError ?? "GLPK could not read it as \(format.rawValue)"))
            }
            return .success(LinearModel(glpk: problem, name: path))
        }
        return try outcome.get()
    }

    private init(glpk problem: OpaquePointer, name: String) {
        let fileName = glp_get_prob_name(problem).map { String(cString: $0) } ?? ""
        self.init(
            name: fileName.isEmpty ? name : fileName,
            sense: glp_get_obj_dir(problem) == GLP_MAX ? .maximize : .minimize)
        let rows = Int(glp_get_num_rows(problem))
        let columns = Int(glp_get_num_cols(problem))
        for column in 1..<(columns + 1) {
            let index = Int32(column)
            let kind: VariableKind =
                switch glp_get_col_kind(problem, index) {
                case GLP_BV: .binary
                case GLP_IV: .integer
                default: .continuous
                }
            let (lower, upper) = Self.bounds(
                type: glp_get_col_type(problem, index),
                lower: glp_get_col_lb(problem, index), upper: glp_get_col_ub(problem, index))
            addVariable(
                glp_get_col_name(problem, index).map { String(cString: $0) },
                lower: lower, upper: upper, kind: kind, objective: glp_get_obj_coef(problem, index))
        }
        objectiveOffset = glp_get_obj_coef(problem, 0)
        var indices = [Int32](repeating: 0, count: columns + 1)
        var values = [Double](repeating: 0, count: columns + 1)
        for row in 1..<(rows + 1) {
            let index = Int32(row)
            let count = Int(glp_get_mat_row(problem, index, &indices, &values))
            var expression = LinearExpression()
            for entry in 1..<(count + 1) {
                expression.add(VariableID(index: Int(indices[entry]) - 1), values[entry])
            }
            let (lower, upper) = Self.bounds(
                type: glp_get_row_type(problem, index),
                lower: glp_get_row_lb(problem, index), upper: glp_get_row_ub(problem, index))
            addConstraint(
                expression, .range(lower, upper), name: glp_get_row_name(problem, index).map { String(cString: $0) })
        }
    }

    private static func bounds(type: Int32, lower: Double, upper: Double) -> (Double, Double) {
        switch type {
        case GLP_FR: (-.infinity, .infinity)
        case GLP_LO: (lower, .infinity)
        case GLP_UP: (-.infinity, upper)
        default: (lower, upper)
        }
    }
}

/// Collects what GLPK prints while a reader runs, so a parse error can be reported in one line.
private final class GlpkMessages {
    private(set) var text = ""

    var lastError: String? {
        let lines = text.split(separator: "\n").map(String.init)
        return lines.last { $0.contains("error") || $0.contains("rror") } ?? lines.last
    }

    func capturing<Result>(_ body: () -> Result) -> Result {
        glp_term_hook(glpkTermHook, Unmanaged.passUnretained(self).toOpaque())
        glp_term_out(GLP_ON)
        defer {
            glp_term_out(GLP_OFF)
            glp_term_hook(nil, nil)
        }
        return withExtendedLifetime(self) { body() }
    }

    fileprivate func append(_ line: String) { text += line }
}

private func glpkTermHook(_ info: UnsafeMutableRawPointer?, _ text: UnsafePointer<CChar>?) -> Int32 {
    guard let info, let text else { return 1 }
    Unmanaged<GlpkMessages>.fromOpaque(info).takeUnretainedValue().append(String(cString: text))
    return 1  // nonzero: GLPK prints nothing itself
}
