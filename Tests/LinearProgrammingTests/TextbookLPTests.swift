import LinearProgramming
import Testing

/// Small LPs whose optima are known by hand, on every backend.
@Suite struct TextbookLPTests {
    /// Hillier & Lieberman's Wyndor Glass: max 3x + 5y, x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18 → (2, 6), 36,
    /// with shadow prices (0, 1.5, 1).
    static func wyndor() -> (LinearModel, VariableID, VariableID) {
        var model = LinearModel(name: "wyndor", sense: .maximize)
        let x = model.addVariable("x", objective: 3)
        let y = model.addVariable("y", objective: 5)
        model.addConstraint([(x, 1)], .lessOrEqual(4), name: "plant1")
        model.addConstraint([(y, 2)], .lessOrEqual(12), name: "plant2")
        model.addConstraint([(x, 3), (y, 2)], .lessOrEqual(18), name: "plant3")
        return (model, x, y)
    }

    @Test(arguments: Backend.allCases)
    func wyndorGlass(backend: Backend) throws {
        let (model, x, y) = Self.wyndor()
        let solution = try solve(model, using: backend)
        #expect(solution.status == .optimal)
        #expect(abs((solution.objective ?? 0) - 36) < 1e-9)
        #expect(abs(solution[x] - 2) < 1e-9 && abs(solution[y] - 6) < 1e-9)
        let duals = try #require(solution.duals)
        for (dual, expected) in zip(duals, [0, 1.5, 1]) { #expect(abs(dual - expected) < 1e-9) }
        #expect(solution.bestBound == solution.objective)
        #expect(solution.wallSeconds >= 0)
    }

    /// A minimisation with ≥ rows, an equality, a free variable, a negative lower bound, a ranged row
    /// and an objective constant: min 2a + 3b − c + 10 with a + b ≥ 4, a − b = 1, −2 ≤ c + a ≤ 3,
    /// c ≥ −5, b free. Optimum a = 2.5, b = 1.5, c = 0.5: 5 + 4.5 − 0.5 + 10 = 19.
    @Test(arguments: Backend.allCases)
    func mixedRowsAndBounds(backend: Backend) throws {
        var model = LinearModel(name: "mixed")
        let a = model.addVariable("a", objective: 2)
        let b = model.addVariable("b", lower: -.infinity, objective: 3)
        let c = model.addVariable("c", lower: -5, objective: -1)
        model.objectiveOffset = 10
        model.addConstraint([(a, 1), (b, 1)], .greaterOrEqual(4))
        model.addConstraint([(a, 1), (b, -1)], .equal(1))
        model.addConstraint([(c, 1), (a, 1)], .range(-2, 3))
        let solution = try solve(model, using: backend)
        #expect(solution.status == .optimal)
        #expect(abs((solution.objective ?? 0) - 19) < 1e-9)
        #expect(abs(solution[a] - 2.5) < 1e-9)
        #expect(abs(solution[b] - 1.5) < 1e-9)
        #expect(abs(solution[c] - 0.5) < 1e-9)
    }

    /// Repeated terms in one row are summed: x + x ≤ 4 is 2x ≤ 4.
    @Test(arguments: Backend.allCases)
    func repeatedTermsAreSummed(backend: Backend) throws {
        var model = LinearModel(sense: .maximize)
        let x = model.addVariable("x", objective: 1)
        model.addConstraint([(x, 1), (x, 1)], .lessOrEqual(4))
        let solution = try solve(model, using: backend)
        #expect(abs(solution[x] - 2) < 1e-9)
    }

    @Test(arguments: Backend.allCases)
    func infeasibleIsReported(backend: Backend) throws {
        var model = LinearModel()
        let x = model.addVariable("x", objective: 1)
        model.addConstraint([(x, 1)], .greaterOrEqual(5))
        model.addConstraint([(x, 1)], .lessOrEqual(3))
        let solution = try solve(model, using: backend)
        #expect(solution.status == .infeasible)
        #expect(solution.objective == nil && solution.values.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func unboundedIsReported(backend: Backend) throws {
        var model = LinearModel(sense: .maximize)
        let x = model.addVariable("x", objective: 1)
        let y = model.addVariable("y", objective: 1)
        model.addConstraint([(x, 1), (y, -1)], .lessOrEqual(1))
        let solution = try solve(model, using: backend)
        #expect(solution.status == .unbounded)
    }

    @Test(arguments: Backend.allCases)
    func modelWithoutVariables(backend: Backend) throws {
        var model = LinearModel()
        model.objectiveOffset = 7
        #expect(try solve(model, using: backend).objective == 7)
        model.addConstraint(LinearExpression(), .greaterOrEqual(1))
        #expect(try solve(model, using: backend).status == .infeasible)
    }
}
