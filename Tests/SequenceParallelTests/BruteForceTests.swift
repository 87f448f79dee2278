import CostModel
import Testing

@testable import SequenceParallel

/// Tiny instances (4 and 8 GPUs, 2 to 8 sequences) solved exhaustively: the lower
/// bound never exceeds the optimum, and the plan is within a few percent of it.
@Suite struct BruteForceTests {
    static func tinyCost(gpus: Int) -> SequenceParallelCost {
        // FlexSP's GPT-7B coefficients with a small token capacity so that memory binds on tiny instances.
        var cost = SequenceParallelCost.flexSPGPT7B(gpus: gpus)
        cost.tokensPerGPU = 3000
        return cost
    }

    /// A random tiny instance: 4 GPUs for even seeds, 8 for odd, `minimum` to `minimum + spread − 1` sequences that
    /// each fit the cluster's memory.
    static func tinyInstance(seed: UInt64, minimum: Int, spread: UInt64) -> (cost: SequenceParallelCost, lengths: [Int])
    {
        var generator = SplitMix(seed: seed)
        let gpus = seed % 2 == 0 ? 4 : 8
        let count = minimum + Int(generator.next() % spread)
        return (tinyCost(gpus: gpus), (0..<count).map { _ in 200 + Int(generator.next() % UInt64(gpus * 3000 - 200)) })
    }

    @Test(arguments: 0..<24)
    func planIsNearOptimalAndBoundIsValid(seed: Int) throws {
        let (cost, lengths) = Self.tinyInstance(seed: UInt64(1000 + seed), minimum: 2, spread: 7)
        let gpus = cost.gpus
        let optimum = BruteForce(cost: cost, lengths: lengths.map(Double.init)).optimum()
        let result = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths)
        let bound = try #require(result.lowerBoundSeconds)
        #expect(bound <= optimum + 1e-9, "bound \(bound) above optimum \(optimum) for \(lengths)")
        #expect(result.stepSeconds >= optimum - 1e-9)
        #expect(
            result.stepSeconds <= optimum * 1.10,
            "plan \(result.stepSeconds) vs optimum \(optimum) for \(lengths) on \(gpus) GPUs")
    }
}
