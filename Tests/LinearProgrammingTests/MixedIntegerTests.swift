import LinearProgramming
import SolverFixtures
import Testing

/// MILPs with optima known by enumeration, on GLPK.
@Suite struct MixedIntegerTests {
    /// 0/1 knapsack: values and weights with capacity 50; the optimum checked by enumerating all 2^n subsets.
    @Test func knapsackMatchesEnumeration() throws {
        let values: [Double] = [60, 100, 120, 80, 30, 90, 45, 70, 20, 55, 65, 40]
        let weights: [Double] = [10, 20, 30, 15, 5, 25, 12, 18, 4, 14, 16, 9]
        let capacity = 50.0
        var model = LinearModel(name: "knapsack", sense: .maximize)
        let take = values.indices.map { model.addVariable("take\($0)", kind: .binary, objective: values[$0]) }
        model.addConstraint(LinearExpression(zip(take, weights)), .lessOrEqual(capacity))
        let solution = try solve(model, using: .glpk)

        var best = 0.0
        for subset in 0..<(1 << values.count) {
            var weight = 0.0
            var value = 0.0
            for item in values.indices where subset & (1 << item) != 0 {
                weight += weights[item]
                value += values[item]
            }
            if weight <= capacity { best = max(best, value) }
        }
        #expect(solution.status == .optimal)
        #expect(solution.objective == best)
        #expect(solution.bestBound == best)
        let usedWeight = zip(take, weights).reduce(0.0) { $0 + solution[$1.0] * $1.1 }
        #expect(usedWeight <= capacity)
        #expect(take.allSatisfy { solution[$0] == 0 || solution[$0] == 1 })
        #expect(solution.duals == nil)
    }

    /// Assignment of 6 workers to 6 jobs; the optimum checked against all 720 permutations.
    @Test func assignmentMatchesEnumeration() throws {
        var generator = SeededGenerator(seed: 42)
        let size = 6
        let cost = (0..<size).map { _ in (0..<size).map { _ in Double(Int.random(in: 1...99, using: &generator)) } }
        var model = LinearModel(name: "assignment")
        let assign = (0..<size).map { worker in
            (0..<size).map { job in model.addVariable("a_\(worker)_\(job)", kind: .binary, objective: cost[worker][job])
            }
        }
        for worker in 0..<size { model.addConstraint(.sum(assign[worker]), .equal(1)) }
        for job in 0..<size { model.addConstraint(.sum(assign.map { $0[job] }), .equal(1)) }
        let solution = try solve(model, using: .glpk)

        #expect(solution.status == .optimal)
        #expect(solution.objective == bestPermutationCost(cost))
        for worker in 0..<size {
            #expect(assign[worker].reduce(0.0) { $0 + solution[$1] } == 1)
        }
    }

    private func bestPermutationCost(_ cost: [[Double]]) -> Double {
        var best = Double.infinity
        func extend(_ worker: Int, _ used: Set<Int>, _ total: Double) {
            if worker == cost.count {
                best = min(best, total)
                return
            }
            for job in cost.indices where !used.contains(job) {
                extend(worker + 1, used.union([job]), total + cost[worker][job])
            }
        }
        extend(0, [], 0)
        return best
    }

    @Test func integerBoundsAndContinuousColumns() throws {
        // max x + y with x integer ≤ 2.5 (so ≤ 2), y continuous, x + 2y ≤ 4.5 → x = 2, y = 1.25.
        var model = LinearModel(sense: .maximize)
        let x = model.addVariable("x", upper: 2.5, kind: .integer, objective: 1)
        let y = model.addVariable("y", objective: 1)
        model.addConstraint([(x, 1), (y, 2)], .lessOrEqual(4.5))
        let solution = try solve(model, using: .glpk)
        #expect(solution.status == .optimal)
        #expect(solution[x] == 2)
        #expect(abs(solution[y] - 1.25) < 1e-9)
    }

    @Test(arguments: [true, false])
    func infeasibleMILP(presolve: Bool) throws {
        // 2x = 3 has no integer solution though its relaxation does.
        var model = LinearModel()
        let x = model.addVariable("x", upper: 10, kind: .integer, objective: 1)
        model.addConstraint([(x, 2)], .equal(3))
        let solution = try solve(model, using: .glpk, options: SolveOptions(presolve: presolve))
        #expect(solution.status == .infeasible)
    }

    @Test func emptyIntegerDomainIsInfeasible() throws {
        var model = LinearModel()
        model.addVariable("x", lower: 0.2, upper: 0.8, kind: .integer, objective: 1)
        #expect(try solve(model, using: .glpk).status == .infeasible)
    }

    @Test(arguments: [true, false])
    func unboundedMILP(presolve: Bool) throws {
        var model = LinearModel(sense: .maximize)
        let x = model.addVariable("x", kind: .integer, objective: 1)
        model.addConstraint([(x, 1)], .greaterOrEqual(1))
        let solution = try solve(model, using: .glpk, options: SolveOptions(presolve: presolve))
        #expect(solution.status == .unbounded)
    }

    @Test func mixedIntegerOnLPOnlyBackendIsATypedError() {
        var model = LinearModel()
        model.addVariable("x", kind: .integer, objective: 1)
        #expect(throws: SolverError.self) { try solve(model, using: .clp) }
        do {
            _ = try solve(model, using: .clp)
        } catch {
            guard case .unsupported(let backend, _) = error else {
                Issue.record("expected .unsupported, got \(error)")
                return
            }
            #expect(backend == "clp")
        }
    }

    /// A market-split-like instance hard for branch-and-bound: with a tight time limit GLPK stops
    /// early, and what comes back is honest about it (a feasible point with a gap, or no point).
    @Test func timeLimitReportsGapOrNoSolution() throws {
        var generator = SeededGenerator(seed: 7)
        var model = LinearModel(name: "hard", sense: .maximize)
        let items = 60
        let xs = (0..<items).map { _ in
            model.addVariable(kind: .binary, objective: Double(Int.random(in: 50...100, using: &generator)))
        }
        for _ in 0..<5 {
            let weights = (0..<items).map { _ in Double(Int.random(in: 20...80, using: &generator)) }
            model.addConstraint(LinearExpression(zip(xs, weights)), .lessOrEqual(weights.reduce(0, +) / 2 + 0.5))
        }
        let solution = try solve(model, using: .glpk, options: SolveOptions(timeLimit: 0.05, relativeGap: 0))
        #expect(solution.wallSeconds < 5)
        switch solution.status {
        case .optimal:
            #expect(solution.bestBound == solution.objective)
        case .feasible:
            let objective = try #require(solution.objective)
            let bound = try #require(solution.bestBound)
            #expect(bound >= objective)
            #expect((solution.gap ?? -1) >= 0)
        case .limitReached:
            #expect(solution.values.isEmpty)
        default:
            Issue.record("unexpected status \(solution.status)")
        }
    }
}
