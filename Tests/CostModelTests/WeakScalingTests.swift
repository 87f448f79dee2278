import CostModel
import CostModelValidation
import Testing

/// NVIDIA's weak-scaling tables (DGX Cloud benchmarking, H100; docs/cost-model.md §Scale), never used to fit: the
/// published step grows 1.5-9.9 % from the first scale to the last, and more in FP8 than in BF16 on every series. The
/// model's BF16 steps grow less than published on every series (0.5-2.6 %); in FP8 (per-tensor delayed scaling,
/// whose amax reduction makes a stage's DP peers meet at every micro-batch) by 1.6-5.0 %, more than in BF16 on every
/// series as published, 0.1-8.3 points from the published growth (2.6 on average; 4.1 before that term). Issue 26
/// asks overheads that grow where measurements say they do; these figures are pinned so that a scale term shows here.
@Suite struct WeakScalingTests {
    @Test func theSeriesAreThePublishedOnes() throws {
        #expect(WeakScalingSeries.dgxCloud.count == 6)
        for series in WeakScalingSeries.dgxCloud {
            let pairs = series.scales.map(\.pair)
            // The work per GPU is fixed: sequences per data-parallel rank stay the same at every scale.
            let perReplica = Set(pairs.map { $0.bf16.strategy.globalBatch / $0.bf16.strategy.dataParallel })
            #expect(perReplica.count == 1, "\(series.label): \(perReplica)")
            #expect(zip(series.scales, series.scales.dropFirst()).allSatisfy { $0.gpus < $1.gpus })
            for pair in pairs {
                #expect(try pair.bf16.estimate().fitsInMemory && pair.fp8Run().estimate().fitsInMemory)
            }
        }
    }

    @Test func theModelGrowsAsPublishedOrLess() throws {
        var fp8Differences: [Double] = []
        for series in WeakScalingSeries.dgxCloud {
            let growth = try series.growth()
            #expect(growth.bf16.published > 0.014 && growth.fp8.published > 0.014, "\(series.label)")
            #expect(growth.fp8.published > growth.bf16.published, "\(series.label): \(growth)")
            #expect(growth.bf16.predicted < growth.bf16.published, "\(series.label): \(growth.bf16)")
            // FP8 meets at every micro-batch, so it grows more than BF16, as published.
            #expect(growth.fp8.predicted > growth.bf16.predicted, "\(series.label): \(growth)")
            #expect(growth.bf16.predicted < 0.03 && growth.fp8.predicted < 0.055, "\(series.label): \(growth)")
            fp8Differences.append(abs(growth.fp8.predicted - growth.fp8.published))
        }
        let mean = fp8Differences.reduce(0, +) / Double(fp8Differences.count)
        #expect(abs(mean - 0.026) < 0.002, "\(fp8Differences)")
    }
}
