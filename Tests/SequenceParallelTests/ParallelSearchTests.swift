import CostModel
import ExecutionPlan
import Foundation
import Testing

@testable import SequenceParallel

/// The grid search builds its points on all cores; the plan must be the one the point-by-point search (taken when a
/// time budget is set) returns, to the byte.
@Suite struct ParallelSearchTests {
    @Test(arguments: [(64, 512, UInt64(1)), (256, 2048, 2), (512, 2048, 3)])
    func concurrentGridEqualsSequential(gpus: Int, sequences: Int, seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let lengths = (0..<sequences).map { _ in
            128 + Int(random.next() % 60_000) * Int(random.next() % 3 == 0 ? 1 : 0) + Int(random.next() % 4096)
        }
        // FlexSP's measured profile stops at 64 GPUs; larger clusters take a profile derived from Llama-3-8B on H100s.
        let cost =
            try gpus == 64
            ? SequenceParallelCost.flexSPGPT7B(gpus: gpus)
            : SequenceParallelCost.derive(
                model: #require(TransformerModel.preset(named: "llama-3-8b")),
                cluster: Cluster.preset("hgx-h100:\(gpus / 8)"))
        let concurrent = try SequenceParallelPlanner(cost: cost, options: .init(lowerBound: false)).plan(
            lengths: lengths)
        let sequential = try SequenceParallelPlanner(
            cost: cost, options: .init(timeBudget: .seconds(3600), lowerBound: false)
        )
        .plan(lengths: lengths)
        #expect(concurrent.complete && sequential.complete)
        #expect(try PlanCoding.encode(concurrent.executionPlan()) == PlanCoding.encode(sequential.executionPlan()))
    }
}
