import CostModel
import ExecutionPlan
import Foundation
import Testing

@testable import SequenceParallel

/// FlexSP's published oracles under its GPT-7B profile on 64 GPUs (../shared/references/flexsp.md §3.1).
@Suite struct FlexSPOracleTests {
    static let planner = try! SequenceParallelPlanner(cost: .flexSPGPT7B())

    @Test func longAndMediumSequencesGetMixedDegrees() throws {
        let result = try Self.planner.plan(lengths: [100_000, 46_000, 46_000, 46_000, 46_000])
        #expect(result.microBatches.count == 1)
        let groups = result.microBatches[0].groups
        #expect(groups.first { $0.sequences == [0] }?.degree == 32)
        #expect(groups.filter { $0.degree == 8 }.map(\.sequences.count) == [1, 1, 1, 1])
        #expect(abs(result.stepSeconds - 3.859) < 0.001)
    }

    @Test func aSingleVeryLongSequenceUsesAllGPUs() throws {
        let result = try Self.planner.plan(lengths: [300_000])
        #expect(result.microBatches.map { $0.groups.map(\.degree) } == [[64]])
        #expect(abs(result.stepSeconds - 10.628) < 0.001)
        #expect(result.lowerBoundSeconds.map { abs($0 - result.stepSeconds) < 1e-6 } == true)
    }

    @Test func manyShortSequencesGetSmallGroups() throws {
        let result = try Self.planner.plan(lengths: Array(repeating: 4096, count: 64))
        #expect(result.stepSeconds <= 1.5374)
        #expect(result.microBatches.allSatisfy { $0.groups.allSatisfy { $0.degree <= 2 } })
        let homogeneous = try #require(result.baselines.first { $0.name == "static-sp-64" })
        #expect(abs(homogeneous.stepSeconds - 3.151) < 0.001)
    }

    @Test func tooLongSequenceIsNamed() {
        #expect(throws: SequenceParallelError.sequenceTooLong(index: 2, length: 400_000, capacity: 64 * 5992)) {
            try Self.planner.plan(lengths: [1000, 2000, 400_000])
        }
        #expect(throws: SequenceParallelError.invalidLength(index: 1, length: 0)) {
            try Self.planner.plan(lengths: [10, 0])
        }
        #expect(throws: SequenceParallelError.emptyBatch) { try Self.planner.plan(lengths: []) }
    }
}

@Suite struct SequenceParallelInvariantTests {
    /// Recomputes a micro-batch's time from the cost model, independently of the planner's bookkeeping.
    static func recompute(_ batch: SequenceParallelPlan.MicroBatch, lengths: [Int], cost: SequenceParallelCost)
        -> Double
    {
        batch.groups.map { group in
            cost.beta1 + group.sequences.reduce(0) { $0 + cost.time(Double(lengths[$1]), degree: group.degree) }
        }.max() ?? 0
    }

    @Test(arguments: 0..<12)
    func randomBatchesKeepEveryRule(seed: Int) throws {
        var generator = SplitMix(seed: UInt64(seed))
        let gpus = [8, 16, 32, 64][seed % 4]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: gpus)
        let count = 20 + Int(generator.next() % 300)
        // Long-tailed lengths: mostly short, a few long, capped by what the largest group holds.
        let cap = Double(gpus) * cost.tokensPerGPU
        let lengths = (0..<count).map { _ -> Int in
            let u = Double(generator.next() % 1_000_000) / 1_000_000
            return max(1, min(Int(cap), Int(200 * pow(1 / max(1 - u, 1e-6), 1.1))))
        }
        let result = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths)
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
        var seen = Set<Int>()
        var total = 0.0
        for batch in result.microBatches {
            for group in batch.groups {
                let perGPU = group.sequences.reduce(0.0) { $0 + Double(lengths[$1]) } / Double(group.degree)
                #expect(perGPU <= cost.tokensPerGPU + 1e-9)
                for sequence in group.sequences { #expect(seen.insert(sequence).inserted) }
            }
            let recomputed = Self.recompute(batch, lengths: lengths, cost: cost)
            #expect(abs(recomputed - batch.predictedSeconds) <= 1e-9 * max(1, recomputed))
            total += recomputed
        }
        #expect(seen.count == lengths.count)
        #expect(abs(total - result.stepSeconds) <= 1e-9 * total)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound <= result.stepSeconds + 1e-9)
        for baseline in result.baselines { #expect(bound <= baseline.stepSeconds + 1e-9, "\(baseline.name)") }
        #expect(
            result.stepSeconds <= (result.baselines.first { $0.name == "best-homogeneous" }?.stepSeconds ?? .infinity)
                + 1e-9)
    }

    @Test func samePlanForTheSameBatch() throws {
        let lengths = (0..<200).map { 100 + ($0 * 7919) % 20_000 }
        let planner = try SequenceParallelPlanner(cost: .flexSPGPT7B())
        // Byte for byte: plans carry no wall time.
        let first = try planner.plan(lengths: lengths).executionPlan()
        let second = try planner.plan(lengths: lengths).executionPlan()
        #expect(first.solver.seconds == nil)
        #expect(try PlanCoding.encode(first) == PlanCoding.encode(second))
    }
}

/// SplitMix64, local to the tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
