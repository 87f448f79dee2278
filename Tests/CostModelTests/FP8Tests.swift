import Testing

@testable import CostModel

/// FP8 as Transformer Engine's recipes run it: the linear layers' GEMMs in FP8, attention and the output head in BF16,
/// casts paid in memory traffic (docs/cost-model.md §FP8).
@Suite struct FP8Tests {
    static func estimate(
        _ model: String, tp: Int, pp: Int, gpus: Int, sequence: Int, fp8: Bool,
        recipe: FP8Recipe = .delayed, gpu: String = "hgx-h100"
    ) throws -> IterationEstimate {
        let model = try #require(TransformerModel.preset(named: model))
        let cluster = try Cluster.preset("\(gpu):\(gpus / 8)")
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: gpus / (tp * pp), globalBatch: 128,
            sequenceLength: sequence, sequenceParallel: tp > 1, interleave: pp > 1 ? 5 : 1,
            overlapTensorParallel: true, fp8: fp8, fp8Recipe: recipe)
        return try IterationEstimator(model: model, cluster: cluster, options: EstimateOptions(memoryHeadroom: 0))
            .estimate(strategy)
    }

    /// Published same-layout BF16/FP8 pairs measured 1.23-1.58× (Megatron-Bridge's performance guide: "typically
    /// 1.2-1.5X", less for small hidden sizes); the first round predicted 1.57-1.88×. Large dense layouts must land
    /// within 10 % of the measured range, and a small model must gain less than a large one (since 2026-12-07 these
    /// four gain 1.45-1.50×, Llama 3 8B 1.35×). Pair by pair, see `PrecisionPairTests`.
    @Test func speedUpOfLargeDenseModelsIsWhatRecipesReport() throws {
        for (model, tp, pp, gpus, sequence) in [
            ("llama-3-70b", 4, 4, 64, 4096), ("llama-3.1-405b", 8, 8, 512, 8192),
            ("gpt3-175b", 4, 8, 128, 2048), ("llama-3-70b", 4, 8, 64, 8192),
        ] {
            let bf16 = try Self.estimate(model, tp: tp, pp: pp, gpus: gpus, sequence: sequence, fp8: false)
            let fp8 = try Self.estimate(model, tp: tp, pp: pp, gpus: gpus, sequence: sequence, fp8: true)
            let speedUp = bf16.iterationSeconds / fp8.iterationSeconds
            #expect(speedUp >= 1.23 / 1.1 && speedUp <= 1.58 * 1.1, "\(model) s=\(sequence): \(speedUp)")
        }
        let small =
            try Self.estimate("llama-3-8b", tp: 1, pp: 1, gpus: 8, sequence: 8192, fp8: false).iterationSeconds
            / Self.estimate("llama-3-8b", tp: 1, pp: 1, gpus: 8, sequence: 8192, fp8: true).iterationSeconds
        let large =
            try Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 8192, fp8: false).iterationSeconds
            / Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 8192, fp8: true).iterationSeconds
        #expect(small < large, "8B \(small) vs 70B \(large)")
    }

    @Test func attentionAndOutputHeadStayBF16() throws {
        let bf16 = try Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 8192, fp8: false).breakdown
            .computeParts
        let fp8 = try Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 8192, fp8: true).breakdown
            .computeParts
        #expect(fp8.attention == bf16.attention)
        #expect(fp8.outputHead == bf16.outputHead)
        #expect(fp8.linear < bf16.linear * 0.6)
        #expect(bf16.fp8Casts == 0 && fp8.fp8Casts > 0)
    }

    /// Current scaling reads each tensor once more than delayed scaling; Hopper's blockwise GEMMs apply scales in the
    /// main loop and run slower; Blackwell applies block scales in the tensor cores.
    @Test func recipesDifferWhereTheyShould() throws {
        let delayed = try Self.estimate(
            "llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 4096, fp8: true, recipe: .delayed)
        let current = try Self.estimate(
            "llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 4096, fp8: true, recipe: .current)
        let blockwise = try Self.estimate(
            "llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 4096, fp8: true, recipe: .blockwise)
        #expect(current.breakdown.computeParts.fp8Casts > delayed.breakdown.computeParts.fp8Casts)
        #expect(current.breakdown.computeParts.linear == delayed.breakdown.computeParts.linear)
        #expect(blockwise.breakdown.computeParts.linear > delayed.breakdown.computeParts.linear)
        let b200Blockwise = try Self.estimate(
            "llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 4096, fp8: true, recipe: .blockwise,
            gpu: "hgx-b200")
        let b200Delayed = try Self.estimate(
            "llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 4096, fp8: true, recipe: .delayed,
            gpu: "hgx-b200")
        #expect(b200Blockwise.breakdown.computeParts.linear == b200Delayed.breakdown.computeParts.linear)
        #expect {
            try Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 4096, fp8: true, recipe: .mxfp8)
        } throws: { ($0 as? CostModelError)?.field == "--fp8-recipe" }
    }

    /// FP8 keeps the linear layers' saved inputs in one byte, so the same layout needs less activation memory.
    @Test func fp8StoresLessActivationMemory() throws {
        let bf16 = try Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 8192, fp8: false)
        let fp8 = try Self.estimate("llama-3-70b", tp: 4, pp: 4, gpus: 64, sequence: 8192, fp8: true)
        #expect(fp8.memory.activations < bf16.memory.activations * 0.9)
        #expect(fp8.memory.parameters == bf16.memory.parameters)
    }
}
