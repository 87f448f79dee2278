import CostModel

/// One layout run at growing scale with the work per GPU fixed (the global batch grows with the data-parallel degree),
/// in BF16 and FP8: how much the step grows with the number of GPUs alone.
public struct WeakScalingSeries: Sendable {
    public struct Scale: Sendable {
        public var gpus: Int
        public var pair: PrecisionPair
    }

    public var label: String
    public var scales: [Scale]

    /// Published and predicted growth of the step from the first scale to the last, BF16 and FP8.
    public func growth() throws(CostModelError) -> (
        bf16: (published: Double, predicted: Double), fp8: (published: Double, predicted: Double)
    ) {
        guard let first = scales.first?.pair, let last = scales.last?.pair else { return ((0, 0), (0, 0)) }
        let (firstPredicted, lastPredicted) = (try first.predictedSeconds(), try last.predictedSeconds())
        return (
            (
                last.bf16.iterationSeconds / first.bf16.iterationSeconds - 1,
                lastPredicted.bf16 / firstPredicted.bf16 - 1
            ),
            (last.fp8Seconds / first.fp8Seconds - 1, lastPredicted.fp8 / firstPredicted.fp8 - 1)
        )
    }
}

extension WeakScalingSeries {
    /// The DGX Cloud benchmarking tables of `PrecisionPair.dgxCloud`, every scale (H100; NeMo 24.09 and 24.11). The
    /// global batch grows with the GPUs as each README states; Nemotron-4 340B starts at 256 GPUs, the first scale at
    /// which the rule for silent recompute prices it as at every larger one (at 128 it needs full recompute).
    public static let dgxCloud: [WeakScalingSeries] = [
        series(
            "Llama 3.1 8B", .validationPreset("llama-3-8b"), tp: 1, pp: 1, cp: 2, vp: 1, microBatch: 1,
            sequence: 8192, sequencesPerGPU: 16,
            [(8, 12.91, 9.67), (16, 13.00, 9.73), (32, 13.05, 9.75), (64, 13.08, 9.80), (128, 13.10, 9.82)]),
        series(
            "Llama 3.1 70B", .validationPreset("llama-3-70b"), tp: 4, pp: 4, cp: 2, vp: 5, microBatch: 1,
            sequence: 8192, sequencesPerGPU: 2,
            [
                (64, 14.72, 11.01), (128, 14.73, 10.93), (256, 14.80, 11.16), (512, 14.89, 11.18),
                (1024, 14.92, 11.28), (2048, 14.98, 11.39),
            ]),
        series(
            "Llama 3.1 405B", .validationPreset("llama-3.1-405b"), tp: 8, pp: 9, cp: 2, vp: 7, microBatch: 1,
            sequence: 8192, sequencesPerGPU: 252.0 / 576,
            [(576, 17.20, 11.24), (1152, 17.52, 11.31), (2304, 17.62, 12.35)]),
        series(
            "Nemotron-4 15B", .nemotron4_15b, tp: 4, pp: 1, cp: 1, vp: 1, microBatch: 4, sequence: 4096,
            sequencesPerGPU: 4,
            [
                (16, 2.812, 2.039), (32, 2.824, 2.046), (64, 2.845, 2.048), (128, 2.859, 2.059), (256, 2.852, 2.075),
                (512, 2.875, 2.12), (1024, 2.895, 2.094), (2048, 2.887, 2.12),
            ]),
        series(
            "Nemotron-4 340B", .nemotron4_340b, tp: 8, pp: 8, cp: 1, vp: 12, microBatch: 1, sequence: 4096,
            sequencesPerGPU: 0.25,
            [(256, 4.67, 3.21), (512, 4.70, 3.26), (1024, 4.73, 3.34), (2048, 4.84, 3.49)]),
        series(
            "GPT-3 175B", .validationPreset("gpt3-175b"), tp: 4, pp: 8, cp: 1, vp: 12, microBatch: 1, sequence: 2048,
            sequencesPerGPU: 2,
            [(128, 8.309, 5.626), (256, 8.408, 5.725), (512, 8.42, 5.774), (1024, 8.453, 5.82), (2048, 8.49, 5.96)]),
    ]

    static func series(
        _ label: String, _ model: TransformerModel, tp: Int, pp: Int, cp: Int, vp: Int, microBatch: Int,
        sequence: Int, sequencesPerGPU: Double, _ steps: [(gpus: Int, bf16: Double, fp8: Double)]
    ) -> WeakScalingSeries {
        WeakScalingSeries(
            label: label,
            scales: steps.map { gpus, bf16, fp8 in
                Scale(
                    gpus: gpus,
                    pair: PrecisionPair.pair(
                        "\(label), \(gpus) GPUs", model, tp: tp, pp: pp, cp: cp, vp: vp, microBatch: microBatch,
                        batch: Int((Double(gpus) * sequencesPerGPU).rounded()), sequence: sequence, gpus: gpus,
                        bf16: bf16, fp8: fp8))
            })
    }
}
