import ArgumentParser
import ParaPlan

/// The batch shape and the layout-independent switches `estimate` and `layouts` share.
struct BatchShapeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sequences per iteration over all data-parallel ranks.") var globalBatch: Int
    @Option(parsing: .unconditional, help: "Tokens per sequence.") var seqLen: Int
    @Option(parsing: .unconditional, help: "ZeRO stage: 0, 1 (distributed optimizer), 2 or 3.") var zero: Int = 1
    @Flag(help: "FP8 GEMMs (GPUs with FP8 tensor cores).") var fp8 = false
    @Flag(help: "Overlap TP communication with GEMMs (Transformer Engine --tp-comm-overlap).") var tpCommOverlap = false
    @Option(parsing: .unconditional, help: "Fraction of each GPU's memory kept free for the CUDA context, NCCL buffers and allocator fragmentation (0 to 0.9).")
    var memoryHeadroom: Double = EstimateOptions.defaultMemoryHeadroom

    var shape: BatchShape {
        BatchShape(globalBatch: globalBatch, seqLen: seqLen, zero: zero, fp8: fp8, tpCommOverlap: tpCommOverlap, memoryHeadroom: memoryHeadroom)
    }
}
