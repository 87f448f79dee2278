import LinearProgramming
import SolverFixtures
import Testing

/// CLP and GLPK must agree on the optimum of random feasible, bounded LPs.
@Suite struct BackendAgreementTests {
    static let shapes: [(variables: Int, constraints: Int, density: Double, seed: UInt64)] = [
        (5, 3, 0.8, 1), (20, 15, 0.5, 2), (50, 40, 0.3, 3), (100, 80, 0.1, 4),
        (120, 150, 0.08, 5), (200, 200, 0.05, 6), (200, 200, 0.2, 7), (200, 120, 0.02, 8),
    ]

    @Test(arguments: shapes.indices)
    func backendsAgree(shapeIndex: Int) throws {
        let shape = Self.shapes[shapeIndex]
        let model = RandomLinearProgram.make(
            variables: shape.variables, constraints: shape.constraints,
            density: shape.density, seed: shape.seed)
        let clp = try solve(model, using: .clp)
        let glpk = try solve(model, using: .glpk)
        #expect(clp.status == .optimal && glpk.status == .optimal)
        let a = try #require(clp.objective)
        let b = try #require(glpk.objective)
        #expect(abs(a - b) <= 1e-6 * max(1, abs(a)))
        #expect(maxViolation(model, clp.values) < 1e-7)
        #expect(maxViolation(model, glpk.values) < 1e-7)
    }

    /// Wider than CLP's duplicate-column limit, so its own solve options are taken: many identical columns in dense
    /// rows (what made presolve quadratic) plus distinct ones, with the optimum known in closed form.
    @Test func wideModelsSolveToTheSameOptimum() throws {
        let columns = 70_000
        var model = LinearModel(name: "wide")
        let x = (0..<columns).map {
            model.addVariable("x\($0)", lower: 0, upper: 1, objective: $0 % 7 == 0 ? 1 + Double($0 % 5) : 3)
        }
        model.addConstraint(.sum(x), .greaterOrEqual(10_500))
        model.addConstraint(
            LinearExpression(x.enumerated().map { Term($0.element, $0.offset % 2 == 0 ? 1 : 0) }), .lessOrEqual(20_000))
        let clp = try solve(model, using: .clp)
        let glpk = try solve(model, using: .glpk)
        #expect(clp.status == .optimal && glpk.status == .optimal)
        // Cheapest first: 2,000 columns each at costs 1 and 2, then 6,500 of the 62,000 at cost 3.
        let expected = 2_000.0 * 1 + 2_000 * 2 + 6_500 * 3
        #expect(abs((clp.objective ?? 0) - expected) <= 1e-6 * expected)
        #expect(abs((glpk.objective ?? 0) - expected) <= 1e-6 * expected)
        #expect(maxViolation(model, clp.values) < 1e-7)
    }

    @Test func dualsAgreeOnTransportation() throws {
        let model = TransportationProblem(sources: 6, sinks: 9, seed: 3).model
        let clp = try solve(model, using: .clp)
        let glpk = try solve(model, using: .glpk)
        #expect(clp.objective == glpk.objective)
        // Duals may differ under degeneracy; both must prove the same bound (weak duality is tight).
        for duals in [try #require(clp.duals), try #require(glpk.duals)] {
            #expect(abs(dualObjective(model, duals, reduced: nil) - (clp.objective ?? 0)) < 1e-6)
        }
    }

    /// Σ dual·(active rhs) for a transportation LP whose columns sit at lower bound 0.
    private func dualObjective(_ model: LinearModel, _ duals: [Double], reduced: [Double]?) -> Double {
        zip(model.constraints, duals).reduce(0.0) { total, pair in
            let (constraint, dual) = pair
            let rhs = dual > 0 ? constraint.lower : constraint.upper
            return total + (dual == 0 ? 0 : dual * rhs)
        }
    }
}

func maxViolation(_ model: LinearModel, _ values: [Double]) -> Double {
    var worst = 0.0
    for (variable, value) in zip(model.variables, values) {
        worst = max(worst, variable.lower - value, value - variable.upper)
    }
    for constraint in model.constraints {
        let activity = constraint.terms.reduce(0.0) { $0 + $1.coefficient * values[$1.variable.index] }
        worst = max(worst, constraint.lower - activity, activity - constraint.upper)
    }
    return worst
}
