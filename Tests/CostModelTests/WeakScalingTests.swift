import CostModel
import CostModelValidation
import Testing

/// NVIDIA's weak-scaling tables (DGX Cloud benchmarking, H100; docs/cost-model.md §Scale), whose growth was never used
/// to fit: the published step grows 1.5-9.9 % from the first scale to the last, and more in FP8 than in BF16 on every
/// series. Since the cluster's spread joined the compute's (2026-12-07, fitted on the published runs' times, not on
/// this growth), the model's BF16 steps grow within 0.5 points of the published growth on five series and 1.6 points
/// short on Llama 3.1 405B; in FP8 (per-tensor delayed scaling, whose amax reduction makes a stage's DP peers meet at
/// every micro-batch, and whose all-reduces' latency grows with the nodes they span) they grow 1.3-5.1 %, more than in
/// BF16 on every series as published, 2.5 points from the published growth on average (2.9 before that latency).
/// Issue 26 asks overheads that grow where measurements say they do; these figures are pinned so that a change of a
/// scale term shows here.
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

    @Test func theModelGrowsAsPublished() throws {
        var bf16Differences: [Double] = []
        var fp8Differences: [Double] = []
        for series in WeakScalingSeries.dgxCloud {
            let growth = try series.growth()
            #expect(growth.bf16.published > 0.014 && growth.fp8.published > 0.014, "\(series.label)")
            #expect(growth.fp8.published > growth.bf16.published, "\(series.label): \(growth)")
            // Every series grows; FP8 meets at every micro-batch, so it grows more than BF16, as published.
            #expect(growth.bf16.predicted > 0.005, "\(series.label): \(growth.bf16)")
            #expect(growth.fp8.predicted > growth.bf16.predicted, "\(series.label): \(growth)")
            #expect(abs(growth.bf16.predicted - growth.bf16.published) < 0.017, "\(series.label): \(growth.bf16)")
            bf16Differences.append(abs(growth.bf16.predicted - growth.bf16.published))
            fp8Differences.append(abs(growth.fp8.predicted - growth.fp8.published))
        }
        // Within 0.5 points on five series; Llama 3.1 405B grows 0.8 % against 2.4 %.
        #expect(bf16Differences.filter { $0 < 0.005 }.count == 5, "\(bf16Differences)")
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        #expect(abs(mean(bf16Differences) - 0.0048) < 0.001, "\(bf16Differences)")
        #expect(abs(mean(fp8Differences) - 0.0251) < 0.002, "\(fp8Differences)")
    }
}
