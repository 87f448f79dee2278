import LinearProgramming
import Testing

/// Invalid models and options are typed errors raised before any C call; GLPK would abort on some.
@Suite struct ValidationTests {
    static func modelProblem(_ body: () throws(SolverError) -> Void) -> ModelProblem? {
        do {
            try body()
        } catch {
            if case .invalidModel(let problem) = error { return problem }
        }
        return nil
    }

    @Test(arguments: Backend.allCases)
    func nanCoefficientNamesTheConstraint(backend: Backend) {
        var model = LinearModel()
        let x = model.addVariable("x")
        model.addConstraint([(x, .nan)], .lessOrEqual(1), name: "memory_cap_rank3")
        let problem = Self.modelProblem { () throws(SolverError) in _ = try solve(model, using: backend) }
        #expect(problem?.field.contains("memory_cap_rank3") == true)
        #expect(problem?.field.contains("x") == true)
    }

    @Test(arguments: Backend.allCases)
    func crossedBoundsAreRejected(backend: Backend) {
        var model = LinearModel()
        model.addVariable("tokens", lower: 5, upper: 1)
        let problem = Self.modelProblem { () throws(SolverError) in _ = try solve(model, using: backend) }
        #expect(problem?.field == "variable tokens bounds")
        #expect(problem?.value == "[5.0, 1.0]")
    }

    @Test(arguments: Backend.allCases)
    func unknownVariableIsRejected(backend: Backend) {
        var model = LinearModel()
        model.addVariable("x")
        model.addConstraint([(VariableID(index: 7), 1)], .lessOrEqual(1), name: "row")
        #expect(
            Self.modelProblem { () throws(SolverError) in _ = try solve(model, using: backend) }?.value == "variable #7"
        )
    }

    /// An equality at 1e300 reached CLP as a finite lower bound and tripped its assertion (|lower| < 1e100), aborting
    /// the process (found by scripts/fuzz.py); bounds from 1e20 count as infinite, so such a row is refused.
    @Test(arguments: Backend.allCases)
    func lowerBoundsPastInfinityAreRefused(backend: Backend) {
        for bound in [1e300, 1e20, -1e20] {
            var model = LinearModel()
            let x = model.addVariable("x", upper: 10)
            model.addConstraint([(x, 1)], bound > 0 ? .equal(bound) : .lessOrEqual(bound), name: "demand")
            let problem = Self.modelProblem { () throws(SolverError) in _ = try solve(model, using: backend) }
            #expect(problem?.field == "constraint demand bounds", "\(bound)")
        }
        var model = LinearModel()
        model.addVariable("y", lower: 1e25)
        #expect(
            Self.modelProblem { () throws(SolverError) in _ = try solve(model, using: backend) }?.field
                == "variable y bounds")
    }

    @Test func infiniteRightHandSideOnWrongSideIsRejected() {
        var model = LinearModel()
        let x = model.addVariable("x")
        model.addConstraint([(x, 1)], .greaterOrEqual(.infinity), name: "impossible")
        #expect(
            Self.modelProblem { () throws(SolverError) in _ = try solve(model, using: .glpk) }?.field
                == "constraint impossible bounds")
        var objective = LinearModel()
        objective.addVariable("y", objective: .infinity)
        #expect(
            Self.modelProblem { () throws(SolverError) in _ = try solve(objective, using: .glpk) }?.field
                == "variable y objective")
    }

    @Test func badOptionsAreRejected() {
        let (model, _, _) = TextbookLPTests.wyndor()
        #expect(
            throws: SolverError.invalidOption(
                name: "timeLimit", value: "-1.0", reason: "must be a positive number of seconds")
        ) {
            try solve(model, using: .glpk, options: SolveOptions(timeLimit: -1))
        }
        #expect(throws: SolverError.self) { try solve(model, using: .clp, options: SolveOptions(relativeGap: .nan)) }
        let wrongShape = Basis(columns: [.basic], rows: [])
        #expect(throws: SolverError.self) {
            try solve(model, using: .clp, options: SolveOptions(warmStart: wrongShape))
        }
    }
}
