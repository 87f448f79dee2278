import ArgumentParser

/// The batch shape and the layout-independent switches `estimate` and `layouts` share.
struct BatchShapeOptions: ParsableArguments {
    @Option(help: "Sequences per iteration over all data-parallel ranks.") var globalBatch: Int
    @Option(help: "Tokens per sequence.") var seqLen: Int
    @Option(help: "ZeRO stage: 0, 1 (distributed optimizer), 2 or 3.") var zero: Int = 1
    @Flag(help: "FP8 GEMMs (GPUs with FP8 tensor cores).") var fp8 = false
    @Flag(help: "Overlap TP communication with GEMMs (Transformer Engine --tp-comm-overlap).") var tpCommOverlap = false
}
