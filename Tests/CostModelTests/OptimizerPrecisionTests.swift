import Foundation
import Testing

@testable import CostModel

/// Megatron-Core's precision-aware optimizer: Adam's master weights and moments stored in lower precision shrink
/// the sharded optimizer state and the optimizer step's traffic, and nothing else (docs/cost-model.md §Model states).
@Suite struct OptimizerPrecisionTests {
    static let bf16Moments = OptimizerPrecision(expAvg: .bf16, expAvgSq: .bf16)

    static func estimate(_ precision: OptimizerPrecision?, zero: Int = 1, model: String = "llama-3-70b")
        throws -> IterationEstimate
    {
        let model = try #require(TransformerModel.preset(named: model))
        let strategy = ParallelStrategy(
            tensorParallel: 4, pipelineParallel: 4, dataParallel: 4, globalBatch: 64, sequenceLength: 4096,
            sequenceParallel: true, zeroStage: zero, optimizerPrecision: precision)
        return try IterationEstimator(model: model, cluster: try Cluster.preset("hgx-h100:8")).estimate(strategy)
    }

    @Test func bf16MomentsTakeAThirdOffTheOptimizerStateAndNothingElse() throws {
        let fp32 = try Self.estimate(nil)
        let bf16 = try Self.estimate(Self.bf16Moments)
        #expect(abs(bf16.memory.optimizer - fp32.memory.optimizer * 8 / 12) < 1)
        #expect(bf16.memory.parameters == fp32.memory.parameters && bf16.memory.gradients == fp32.memory.gradients)
        #expect(bf16.memory.activations == fp32.memory.activations)
        // Adam's step streams twice its state plus the gradient and the BF16 copy: 26 bytes a parameter, not 34.
        #expect(abs(bf16.breakdown.optimizer / fp32.breakdown.optimizer - 26.0 / 34) < 1e-9)
        #expect(bf16.breakdown.compute == fp32.breakdown.compute)
    }

    @Test func everyTypeCountsItsBytes() {
        #expect(OptimizerPrecision().stateBytes == 12)
        #expect(OptimizerPrecision(mainParams: .fp16, expAvg: .fp8, expAvgSq: .bf16).stateBytes == 5)
        #expect(OptimizerDtype.allCases.map(\.bytes) == [4, 2, 2, 1])
    }

    /// Megatron-Core runs it inside the distributed optimizer only, with FP32 or FP16 master weights; all-FP32 is
    /// the plain optimizer and needs nothing.
    @Test(arguments: [0, 2, 3])
    func otherZeroStagesAreRefused(zero: Int) throws {
        #expect {
            try Self.estimate(Self.bf16Moments, zero: zero)
        } throws: { error in
            guard let error = error as? CostModelError else { return false }
            return error.field == "--exp-avg-dtype" && error.value == "bf16" && error.reason.contains("--zero 1")
        }
        _ = try Self.estimate(OptimizerPrecision(), zero: zero)
    }

    @Test func bf16MasterWeightsAreRefused() throws {
        #expect {
            try Self.estimate(OptimizerPrecision(mainParams: .bf16))
        } throws: { ($0 as? CostModelError)?.field == "--main-params-dtype" }
    }

    /// Strategy JSON written before the option existed still loads, and the option round-trips.
    @Test func strategyJSONKeepsTheOption() throws {
        let strategy = ParallelStrategy(globalBatch: 8, sequenceLength: 4096, optimizerPrecision: Self.bf16Moments)
        let encoded = try JSONEncoder().encode(strategy)
        #expect(try JSONDecoder().decode(ParallelStrategy.self, from: encoded) == strategy)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object.removeValue(forKey: "optimizerPrecision")
        let older = try JSONDecoder().decode(
            ParallelStrategy.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(older.optimizerPrecision == nil && older.optimizerStateBytes == 12)
    }
}
