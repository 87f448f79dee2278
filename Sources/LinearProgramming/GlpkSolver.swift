import CGlpk

/// One LP or MILP solve with GLPK through its C API. Owns its `glp_prob` for the call.
struct GlpkSolver {
    let model: LinearModel
    let options: SolveOptions

    func run() -> Solution {
        if let empty = emptyIntegerDomain() { return empty }
        return GlpkEnvironment.withGlpk {
            let clock = ContinuousClock()
            let start = clock.now
            let problem = GlpkProblem(model)
            defer { problem.delete() }
            let solution = model.isMixedInteger ? solveMixedInteger(problem.handle) : solveLinear(problem.handle)
            var timed = solution
            timed.wallSeconds = seconds(clock.now - start)
            return timed
        }
    }

    private var timeLimitMilliseconds: Int32 {
        guard let limit = options.timeLimit else { return Int32.max }
        return Int32(min(Double(Int32.max), max(1, (limit * 1000).rounded(.up))))
    }

    // MARK: LP

    private func solveLinear(_ problem: OpaquePointer) -> Solution {
        var parameters = glp_smcp()
        glp_init_smcp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.tm_lim = timeLimitMilliseconds
        parameters.meth = options.algorithm == .primalSimplex ? GLP_PRIMAL : GLP_DUALP
        if let basis = options.warmStart { GlpkBasis.copyIn(basis, problem) }
        var code = glp_simplex(problem, &parameters)
        if code == GLP_EBADB || code == GLP_ESING || code == GLP_ECOND {
            // The warm start was not a usable basis: start over from an advanced basis.
            glp_adv_basis(problem, 0)
            code = glp_simplex(problem, &parameters)
        }
        let iterations = Int(glp_get_it_cnt(problem))
        let status = linearStatus(code: code, problem)
        guard status.hasSolution else { return noSolution(status, iterations: iterations) }
        let values = (0..<model.variables.count).map { glp_get_col_prim(problem, Int32($0 + 1)) }
        let objective = model.objectiveValue(of: values)
        return Solution(
            status: status, backend: .glpk, objective: objective,
            bestBound: status == .optimal ? objective : nil,
            values: values,
            duals: (0..<model.constraints.count).map { positiveZero(glp_get_row_dual(problem, Int32($0 + 1))) },
            reducedCosts: (0..<model.variables.count).map { positiveZero(glp_get_col_dual(problem, Int32($0 + 1))) },
            iterations: iterations, wallSeconds: 0,
            basis: GlpkBasis.read(problem, columns: model.variables.count, rows: model.constraints.count))
    }

    private func linearStatus(code: Int32, _ problem: OpaquePointer) -> SolveStatus {
        switch code {
        case 0:
            switch glp_get_status(problem) {
            case GLP_OPT: return .optimal
            case GLP_NOFEAS: return .infeasible
            case GLP_UNBND: return .unbounded
            default: return .numericalFailure
            }
        case GLP_ETMLIM, GLP_EITLIM:
            return glp_get_status(problem) == GLP_FEAS ? .feasible : .limitReached
        case GLP_ENOPFS: return .infeasible
        case GLP_ENODFS: return .unbounded
        default: return .numericalFailure
        }
    }

    // MARK: MILP

    private func solveMixedInteger(_ problem: OpaquePointer) -> Solution {
        let progress = MipProgress()
        var parameters = glp_iocp()
        glp_init_iocp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.presolve = options.presolve ? GLP_ON : GLP_OFF
        parameters.tm_lim = timeLimitMilliseconds
        parameters.mip_gap = options.relativeGap
        parameters.cb_func = mipCallback
        parameters.cb_info = Unmanaged.passUnretained(progress).toOpaque()

        if !options.presolve {
            // Without presolve glp_intopt needs an optimal relaxation basis to start from.
            var relaxation = glp_smcp()
            glp_init_smcp(&relaxation)
            relaxation.msg_lev = GLP_MSG_OFF
            relaxation.tm_lim = timeLimitMilliseconds
            let code = glp_simplex(problem, &relaxation)
            let status = linearStatus(code: code, problem)
            if status != .optimal {
                return noSolution(
                    status == .feasible ? .limitReached : status, iterations: Int(glp_get_it_cnt(problem)))
            }
        }
        let code = withExtendedLifetime(progress) { glp_intopt(problem, &parameters) }
        let iterations = Int(glp_get_it_cnt(problem))
        let status: SolveStatus
        switch code {
        case 0, GLP_EMIPGAP:
            switch glp_mip_status(problem) {
            case GLP_OPT: status = .optimal
            case GLP_FEAS: status = code == GLP_EMIPGAP ? .optimal : .feasible
            case GLP_NOFEAS: status = .infeasible
            default: status = .numericalFailure
            }
        case GLP_ETMLIM, GLP_ESTOP:
            status = glp_mip_status(problem) == GLP_FEAS ? .feasible : .limitReached
        case GLP_ENOPFS: status = .infeasible
        case GLP_ENODFS: status = .unbounded
        default: status = .numericalFailure
        }
        guard status.hasSolution else { return noSolution(status, iterations: iterations) }
        let values = model.variables.indices.map { index in
            let value = glp_mip_col_val(problem, Int32(index + 1))
            return model.variables[index].kind == .continuous ? value : value.rounded()
        }
        let objective = model.objectiveValue(of: values)
        return Solution(
            status: status, backend: .glpk, objective: objective,
            bestBound: bestBound(objective: objective, status: status, tracked: progress.bound),
            values: values, duals: nil, reducedCosts: nil,
            iterations: iterations, wallSeconds: 0, basis: nil)
    }

    /// A proven bound is never better than the incumbent; tolerances can make the tracked one cross it.
    private func bestBound(objective: Double, status: SolveStatus, tracked: Double?) -> Double {
        guard status != .optimal, let tracked else { return objective }
        // The node bounds include the objective offset: GlpkProblem loads it as GLPK's constant term.
        return model.sense == .minimize ? min(tracked, objective) : max(tracked, objective)
    }

    /// An integer variable whose bounds hold no integer makes the model infeasible; GLPK would
    /// reject such bounds instead of saying so.
    private func emptyIntegerDomain() -> Solution? {
        for variable in model.variables where variable.kind != .continuous {
            if variable.lower.rounded(.up) > variable.upper.rounded(.down) {
                return noSolution(.infeasible, iterations: 0)
            }
        }
        return nil
    }

    private func noSolution(_ status: SolveStatus, iterations: Int) -> Solution {
        Solution(
            status: status, backend: .glpk, objective: nil, bestBound: nil, values: [],
            duals: nil, reducedCosts: nil, iterations: iterations, wallSeconds: 0, basis: nil)
    }
}

/// Written by GLPK's branch-and-cut callback on the solving thread, read after `glp_intopt` returns.
private final class MipProgress {
    var bound: Double?
}

private func mipCallback(_ tree: OpaquePointer?, _ info: UnsafeMutableRawPointer?) {
    guard let tree, let info else { return }
    let progress = Unmanaged<MipProgress>.fromOpaque(info).takeUnretainedValue()
    let node = glp_ios_best_node(tree)
    if node != 0 { progress.bound = glp_ios_node_bound(tree, node) }
}
