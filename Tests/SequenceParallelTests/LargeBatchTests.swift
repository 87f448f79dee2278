import CostModel
import ExecutionPlan
import Foundation
import LinearProgramming
import Testing

@testable import SequenceParallel

/// What keeps large batches linear: removal without copying the remainder, the lower bound's LP in its symmetric
/// form, and a time budget that stops the search once a plan exists.
@Suite struct LargeBatchTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func remainingSequencesMatchAPlainList(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let order = (0..<500).map { _ in Int(random.next() % 10_000) }
        var remaining = RemainingSequences(order: order)
        var alive = Array(repeating: true, count: order.count)
        for _ in 0..<400 {
            let position = Int(random.next() % UInt64(order.count))
            remaining.remove(at: position)
            alive[position] = false
            let probe = Int(random.next() % UInt64(order.count + 1))
            let expected = (probe..<order.count).first { alive[$0] } ?? order.count
            #expect(remaining.live(from: probe) == expected)
        }
        #expect(remaining.count == alive.filter { $0 }.count)
        #expect(remaining.elements() == order.indices.filter { alive[$0] }.map { order[$0] })
        #expect(remaining.first() == order.indices.first { alive[$0] }.map { order[$0] })
    }

    /// The symmetric LP (micro-batch 0 and one representative of the others) has the optimum of the LP with every
    /// micro-batch written out.
    @Test(arguments: [(UInt64(4), 0), (5, 1), (6, 3), (7, 8)])
    func symmetricBoundEqualsTheFullLP(seed: UInt64, extraMicroBatches: Int) throws {
        var random = SplitMix(seed: seed)
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let lengths = (0..<300).map { _ in Double(256 + random.next() % 30_000) }
        let bound = LowerBound(cost: cost, lengths: lengths)
        // From the fewest micro-batches memory allows (where memory binds) upwards.
        let microBatches = Int((lengths.reduce(0, +) / (64 * cost.tokensPerGPU)).rounded(.up)) + extraMicroBatches
        let sorted = lengths.sorted()
        let longest = try #require(sorted.last)
        let degree = try #require(cost.degrees.first { cost.fits(longest, degree: $0) })
        let work = { (s: Double) in
            cost.degrees.filter { cost.fits(s, degree: $0) }.map { Double($0) * cost.time(s, degree: $0) }.min()
                ?? .infinity
        }
        let buckets = LowerBound.buckets(Array(sorted.dropLast()), ratio: 1.05).map {
            (count: $0.count, length: $0.length, work: work($0.length))
        }
        let option = (
            length: longest, work: Double(degree) * cost.time(longest, degree: degree),
            fastest: cost.time(longest, degree: degree)
        )
        let symmetric = try #require(bound.solveLP(microBatches: microBatches, buckets: buckets, longest: option))
        let fullValue = try fullLP(cost: cost, microBatches: microBatches, buckets: buckets, longest: option)
        let full = try #require(fullValue)
        // Equal up to the margin both take off for the solver's tolerances.
        #expect(abs(symmetric - full) <= 2 * LowerBound.solverShave * full)
    }

    @Test func budgetStopsTheSearchOnceAPlanExists() throws {
        var random = SplitMix(seed: 8)
        let lengths = (0..<50_000).map { _ in
            64 + Int(random.next() % 2048) + (random.next() % 50 == 0 ? Int(random.next() % 30_000) : 0)
        }
        let planner = try SequenceParallelPlanner(
            cost: .flexSPGPT7B(gpus: 64), options: .init(timeBudget: .nanoseconds(1)))
        let result = try planner.plan(lengths: lengths)
        #expect(!result.complete)
        #expect(result.lowerBoundSeconds == nil)
        // One plan is still whole: every sequence placed once, in groups that fit the cluster.
        let placed = result.microBatches.flatMap { $0.groups.flatMap(\.sequences) }.sorted()
        #expect(placed == Array(lengths.indices))
        #expect(result.microBatches.allSatisfy { $0.groups.reduce(0) { $0 + $1.degree } <= 64 })
        let validation = PlanValidator.validate(try PlanCoding.encode(result.executionPlan()))
        if case .failure(let problem) = validation { Issue.record("plan does not validate: \(problem)") }
    }

    /// The LP with every micro-batch written out, as the bound was first formulated.
    private func fullLP(
        cost: SequenceParallelCost, microBatches m: Int, buckets: [(count: Double, length: Double, work: Double)],
        longest: (length: Double, work: Double, fastest: Double)
    ) throws -> Double? {
        let n = Double(cost.gpus)
        var model = LinearModel(name: "full")
        let makespans = (0..<m).map { model.addVariable("L\($0)", lower: $0 == 0 ? longest.fastest : 0, objective: 1) }
        let shares = buckets.indices.map { q in (0..<m).map { i in model.addVariable("y\(q)_\(i)") } }
        for (q, bucket) in buckets.enumerated() { model.addConstraint(.sum(shares[q]), .equal(bucket.count)) }
        for i in 0..<m {
            var memory = LinearExpression(buckets.indices.map { Term(shares[$0][i], buckets[$0].length) })
            var work = LinearExpression(buckets.indices.map { Term(shares[$0][i], buckets[$0].work) })
            if i == 0 {
                memory.constant = longest.length
                work.constant = longest.work
            }
            work.add(makespans[i], -n)
            model.addConstraint(memory, .lessOrEqual(n * cost.tokensPerGPU))
            model.addConstraint(work, .lessOrEqual(0))
        }
        let solution = try solve(model, using: .glpk)
        return solution.objective.map { Double(m) * cost.beta1 + $0 }
    }
}
