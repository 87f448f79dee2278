import ArgumentParser
import ParaPlan

/// The batch shape and the layout-independent switches `estimate` and `layouts` share.
struct BatchShapeOptions: ParsableArguments {
    @Option(help: "Sequences per iteration over all data-parallel ranks.") var globalBatch: Int
    @Option(help: "Tokens per sequence.") var seqLen: Int
    @Option(help: "ZeRO stage: 0, 1 (distributed optimizer), 2 or 3.") var zero: Int = 1
    @Flag(help: "FP8 GEMMs (GPUs with FP8 tensor cores).") var fp8 = false
    @Flag(help: "Overlap TP communication with GEMMs (Transformer Engine --tp-comm-overlap).") var tpCommOverlap = false
    @Option(help: "Fraction of each GPU's memory kept free for the CUDA context, NCCL buffers and allocator fragmentation (0 to 0.9).")
    var memoryHeadroom: Double = EstimateOptions.defaultMemoryHeadroom

    /// The headroom, checked here so the error names the flag.
    func validatedMemoryHeadroom() throws -> Double {
        guard memoryHeadroom.isFinite, memoryHeadroom >= 0, memoryHeadroom <= 0.9 else {
            throw CLIError.badInput("--memory-headroom", value: "\(memoryHeadroom)", "must be a fraction from 0 to 0.9")
        }
        return memoryHeadroom
    }
}
