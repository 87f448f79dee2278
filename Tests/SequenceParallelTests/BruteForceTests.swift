import Testing
import CostModel
@testable import SequenceParallel

/// Tiny instances (4 and 8 GPUs, 2 to 8 sequences) solved exhaustively: the lower bound never exceeds the optimum, and the plan is within a few
/// percent of it.
@Suite struct BruteForceTests {
    static func tinyCost(gpus: Int) -> SequenceParallelCost {
        // FlexSP's GPT-7B coefficients with a small token capacity so that memory binds on tiny instances.
        var cost = SequenceParallelCost.flexSPGPT7B(gpus: gpus)
        cost.tokensPerGPU = 3000
        return cost
    }

    @Test(arguments: 0..<24)
    func planIsNearOptimalAndBoundIsValid(seed: Int) throws {
        var generator = SplitMix(seed: UInt64(1000 + seed))
        let gpus = seed % 2 == 0 ? 4 : 8
        let cost = Self.tinyCost(gpus: gpus)
        let count = 2 + Int(generator.next() % 7)
        let lengths = (0..<count).map { _ in 200 + Int(generator.next() % UInt64(Double(gpus) * 3000 - 200)) }
        let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init)).optimum()
        let result = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound <= optimum + 1e-9, "bound \(bound) above optimum \(optimum) for \(lengths)")
        #expect(result.stepSeconds >= optimum - 1e-9)
        #expect(result.stepSeconds <= optimum * 1.10, "plan \(result.stepSeconds) vs optimum \(optimum) for \(lengths) on \(gpus) GPUs")
    }
}
