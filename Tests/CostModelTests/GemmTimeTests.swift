import Testing

@testable import CostModel

/// GEMM time from shape: wave quantisation over the SMs and a roofline (docs/cost-model.md §GEMM efficiency).
@Suite struct GemmTimeTests {
    static let h100 = GPUSpec.preset(named: "h100-sxm")!
    static let timer = GemmTimer(gpu: h100, efficiency: Efficiency.defaults(for: h100), profile: nil)

    @Test func wavesFillWholeMultiplesOfTheSMs() {
        // 132 SMs: 132 tiles fill one wave, 133 need two; a half-filled tile costs a whole one.
        #expect(Self.timer.waveEfficiency(rows: 128 * 12, columns: 128 * 11) == 1)
        #expect(abs(Self.timer.waveEfficiency(rows: 128 * 133, columns: 128) - 133.0 / 264) < 1e-12)
        #expect(abs(Self.timer.waveEfficiency(rows: 128, columns: 128) - 1.0 / 132) < 1e-12)
        #expect(abs(Self.timer.waveEfficiency(rows: 64, columns: 128) - 0.5 / 132) < 1e-12)
        // A grouped GEMM fills the GPU with all of its experts' tiles.
        #expect(Self.timer.waveEfficiency(rows: 128, columns: 128, count: 132) == 1)
    }

    @Test func largeGemmsRunAtTheLargeGemmRate() {
        let shape = GemmShape(m: 128 * 132, n: 8192, k: 8192)
        let rate = shape.flops / Self.timer.time(shape, precision: .bf16)
        #expect(abs(rate - Self.h100.bf16FlopsPerSecond * Efficiency.defaults(for: Self.h100).compute) / rate < 1e-12)
    }

    /// A GEMM with a tiny inner dimension moves more bytes than it computes: memory decides its time.
    @Test func thinGemmsAreMemoryBound() {
        let shape = GemmShape(m: 65536, n: 65536, k: 16)
        let bytes = 2.0 * (65536 * 16 * 2) + 2 * 65536 * 65536
        let memory = bytes / (Self.h100.memoryBandwidth * Efficiency.defaults(for: Self.h100).memory)
        #expect(Self.timer.time(shape, precision: .bf16) == memory)
    }

    /// Without an SM count (a custom GPU) there is no quantisation; time never falls as a GEMM grows.
    @Test func timeGrowsWithEveryDimension() {
        var custom = Self.h100
        custom.streamingMultiprocessors = nil
        let plain = GemmTimer(gpu: custom, efficiency: Efficiency.defaults(for: custom), profile: nil)
        #expect(plain.waveEfficiency(rows: 1, columns: 1) == 1)
        var previous = 0.0
        for m in stride(from: 64.0, through: 8192, by: 64) {
            let time = Self.timer.trainingTime(GemmShape(m: m, n: 1536, k: 2048), precision: .bf16)
            #expect(time >= previous)
            previous = time
        }
    }
}
