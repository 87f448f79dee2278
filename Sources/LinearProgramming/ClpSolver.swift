import CClp

/// One LP solve with COIN-OR CLP through its C interface. Owns its `Clp_Simplex` for the call.
struct ClpSolver {
    let model: LinearModel
    let options: SolveOptions

    func run() -> Solution {
        let clock = ContinuousClock()
        let start = clock.now
        guard let clp = Clp_newModel() else {
            return failed(seconds(clock.now - start))
        }
        defer { Clp_deleteModel(clp) }
        Clp_setLogLevel(clp, 0)
        load(into: clp)
        if let timeLimit = options.timeLimit { Clp_setMaximumSeconds(clp, timeLimit) }
        if let basis = options.warmStart { copyIn(basis, clp) }

        switch options.algorithm {
        case .automatic where options.warmStart == nil: initialSolve(clp)
        case .automatic, .dualSimplex: Clp_dual(clp, 0)
        case .primalSimplex: Clp_primal(clp, 0)
        }
        return read(clp, wallSeconds: seconds(clock.now - start))
    }

    /// Above this many columns CLP's duplicate-column presolve is turned off: it compares identical columns
    /// pairwise, so 10^6 of them in one dense row took 147 s before the simplex started (0.01 s without it).
    static let duplicateColumnSearchLimit = 65_536

    /// CLP's default initial solve (presolve, then the method it picks), without the duplicate-column pass on very
    /// wide models. Below the limit the call is exactly `Clp_initialSolve`, so planners' plans do not change.
    private func initialSolve(_ clp: UnsafeMutableRawPointer) {
        guard model.variables.count > Self.duplicateColumnSearchLimit, let solve = ClpSolve_new() else {
            Clp_initialSolve(clp)
            return
        }
        defer { ClpSolve_delete(solve) }
        ClpSolve_setDoDupcol(solve, 0)
        // Without that pass the automatic choice runs the Idiot crash, which is slower still on such models.
        ClpSolve_setSolveType(solve, 0 /* ClpSolve::useDual */, 0)
        Clp_initialSolveWithOptions(clp, solve)
    }

    private func load(into clp: UnsafeMutableRawPointer) {
        let matrix = CompiledMatrix(model)
        let columnLower = model.variables.map { $0.lower.coinBound }
        let columnUpper = model.variables.map { $0.upper.coinBound }
        let objective = model.variables.map(\.objective)
        let rowLower = model.constraints.map { $0.lower.coinBound }
        let rowUpper = model.constraints.map { $0.upper.coinBound }
        Clp_loadProblem(
            clp, Int32(model.variables.count), Int32(model.constraints.count),
            matrix.columnStart, matrix.rowIndex, matrix.value,
            columnLower, columnUpper, objective, rowLower, rowUpper)
        Clp_setOptimizationDirection(clp, model.sense == .minimize ? 1 : -1)
    }

    private func read(_ clp: UnsafeMutableRawPointer, wallSeconds: Double) -> Solution {
        let columns = model.variables.count
        let rows = model.constraints.count
        let status: SolveStatus
        switch Clp_status(clp) {
        case 0: status = .optimal
        case 1: status = .infeasible
        case 2: status = .unbounded
        case 3: status = Clp_primalFeasible(clp) != 0 ? .feasible : .limitReached
        default: status = .numericalFailure
        }
        let iterations = Int(Clp_numberIterations(clp))
        guard status.hasSolution else {
            return Solution(
                status: status, backend: .clp, objective: nil, bestBound: nil, values: [],
                duals: nil, reducedCosts: nil, iterations: iterations, wallSeconds: wallSeconds, basis: nil)
        }
        let values = Array(UnsafeBufferPointer(start: Clp_getColSolution(clp), count: columns))
        let duals = rows == 0 ? [] : Array(UnsafeBufferPointer(start: Clp_getRowPrice(clp), count: rows))
        let reduced = Array(UnsafeBufferPointer(start: Clp_getReducedCost(clp), count: columns))
        let objective = model.objectiveValue(of: values)
        return Solution(
            status: status, backend: .clp, objective: objective,
            bestBound: status == .optimal ? objective : nil,
            values: values,
            duals: duals.map(positiveZero),
            reducedCosts: reduced.map(positiveZero),
            iterations: iterations, wallSeconds: wallSeconds,
            basis: basis(clp))
    }

    private func failed(_ wallSeconds: Double) -> Solution {
        Solution(
            status: .numericalFailure, backend: .clp, objective: nil, bestBound: nil, values: [],
            duals: nil, reducedCosts: nil, iterations: 0, wallSeconds: wallSeconds, basis: nil)
    }

    // CLP keeps one status byte per column then per row: 0 free, 1 basic, 2 at upper, 3 at lower,
    // 4 superbasic, 5 fixed. A row's status speaks of its activity, as GLPK's does.
    private func basis(_ clp: UnsafeMutableRawPointer) -> Basis? {
        guard Clp_statusExists(clp) != 0, let array = Clp_statusArray(clp) else { return nil }
        let columns = model.variables.count
        let rows = model.constraints.count
        let columnStatus = (0..<columns).map { Self.decode(array[$0] & 7) }
        let rowStatus = (0..<rows).map { Self.decode(array[columns + $0] & 7) }
        return Basis(columns: columnStatus, rows: rowStatus)
    }

    private func copyIn(_ basis: Basis, _ clp: UnsafeMutableRawPointer) {
        let bytes = (basis.columns + basis.rows).map(Self.encode)
        Clp_copyinStatus(clp, bytes)
    }

    static func decode(_ byte: UInt8) -> Basis.Status {
        switch byte {
        case 1: .basic
        case 2: .atUpper
        case 3: .atLower
        case 5: .fixed
        default: .free
        }
    }

    static func encode(_ status: Basis.Status) -> UInt8 {
        switch status {
        case .basic: 1
        case .atUpper: 2
        case .atLower: 3
        case .fixed: 5
        case .free: 0
        }
    }
}
