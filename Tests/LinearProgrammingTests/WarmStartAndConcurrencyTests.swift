import LinearProgramming
import SolverFixtures
import Testing

@Suite struct WarmStartTests {
    /// Re-solving after a small cost change from the old basis takes fewer iterations and reaches the
    /// same optimum as a cold solve.
    @Test(arguments: Backend.allCases)
    func warmStartSavesIterations(backend: Backend) throws {
        var model = TransportationProblem(sources: 20, sinks: 30, seed: 11).model
        let first = try solve(model, using: backend)
        let basis = try #require(first.basis)
        model.setObjectiveCoefficient(VariableID(index: 5), model.variables[5].objective + 3)
        let cold = try solve(model, using: backend, options: SolveOptions(algorithm: .primalSimplex))
        let warm = try solve(model, using: backend, options: SolveOptions(algorithm: .primalSimplex, warmStart: basis))
        #expect(cold.status == .optimal && warm.status == .optimal)
        #expect(abs((cold.objective ?? 0) - (warm.objective ?? 1)) < 1e-6)
        #expect(warm.iterations < cold.iterations)
    }

    /// The basis format is shared: a basis from one backend warm-starts the other at the optimum.
    @Test func basisCrossesBackends() throws {
        let model = TransportationProblem(sources: 8, sinks: 12, seed: 5).model
        let glpk = try solve(model, using: .glpk)
        let clp = try solve(model, using: .clp, options: SolveOptions(warmStart: glpk.basis))
        #expect(clp.objective == glpk.objective)
        #expect(clp.iterations == 0)
    }
}

@Suite struct ConcurrencyTests {
    /// Many solves at once from separate tasks, LP and MILP on both backends, each matching the
    /// answer it gives alone: no solver state is shared between calls.
    @Test func concurrentSolvesMatchSequentialOnes() async throws {
        let models = (0..<16).map {
            RandomLinearProgram.make(variables: 60, constraints: 50, density: 0.2, seed: UInt64(100 + $0))
        }
        var expected: [Double] = []
        for model in models { expected.append(try solve(model, using: .clp).objective ?? .nan) }
        let knapsack = Self.knapsack()
        let knapsackOptimum = try solve(knapsack, using: .glpk).objective

        try await withThrowingTaskGroup(of: (Int, Backend, Double?).self) { group in
            for round in 0..<4 {
                for (index, model) in models.enumerated() {
                    let backend: Backend = (index + round) % 2 == 0 ? .clp : .glpk
                    group.addTask { (index, backend, try solve(model, using: backend).objective) }
                }
                group.addTask { (-1, .glpk, try solve(knapsack, using: .glpk).objective) }
            }
            for try await (index, backend, objective) in group {
                let reference = index < 0 ? knapsackOptimum : expected[index]
                let got = try #require(objective, "\(backend) found no optimum for model \(index)")
                let want = try #require(reference)
                #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "model \(index) on \(backend)")
            }
        }
    }

    static func knapsack() -> LinearModel {
        var generator = SeededGenerator(seed: 9)
        var model = LinearModel(sense: .maximize)
        let take = (0..<25).map { _ in
            model.addVariable(kind: .binary, objective: Double(Int.random(in: 1...40, using: &generator)))
        }
        let weights = take.map { _ in Double(Int.random(in: 1...30, using: &generator)) }
        model.addConstraint(LinearExpression(zip(take, weights)), .lessOrEqual(100))
        return model
    }
}
