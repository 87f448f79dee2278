import CostModel

extension PublishedRun {
    /// Out of sample, second set: the pre-training rows of Megatron-Bridge's performance summary for the 26.02 and
    /// 26.02.01 containers (tag v0.4.0) and the 26.06 container (tag v0.5.0) on DGX-H100, DGX-B200 and GB200 NVL72,
    /// tokens/s/GPU, that are not already among R40-R47 (the rows those runs came from are left out). Added on
    /// 2026-12-06 and never used to fit: GB300 and B300 (no preset), NVFP4, Nemotron 3 (hybrid Mamba, refused) and
    /// the SFT and LoRA rows are left out. Priced by `megatronBridge`'s rules, FSDP rows (the table's FSDP 64) as
    /// ZeRO 3. One layout, then its throughput in each container that ran it: the same layout can differ by
    /// container (H100 Qwen3-30B-A3B ran at 5,113 tokens/s/GPU in 26.02 and 9,058, R43, in 26.02.01).
    public static let megatronBridge26: [PublishedRun] = BridgeLayout.runs([
        (.gb200Llama70MXFP8, [("26.02", 3613), ("26.02.01", 3837)]),
        (.gb200Llama70FSDP, [("26.02", 4040), ("26.02.01", 4357)]),
        (.gb200Llama405MXFP8, [("26.02", 786), ("26.02.01", 775), ("26.06", 783)]),
        (.gb200Llama405, [("26.02.01", 818), ("26.06", 843)]),
        (.gb200DeepSeekLayerGraphs, [("26.02", 3955), ("26.02.01", 4021)]),
        (.gb200DeepSeekIterationGraph, [("26.06", 4969)]),
        (.gb200GptOSS, [("26.02", 15784)]),
        (.gb200GptOSSOverlapped, [("26.02.01", 15754), ("26.06", 17770)]),
        (.gb200Qwen30RouterGraphs, [("26.02", 26084), ("26.02.01", 26373)]),
        (.gb200Qwen30IterationGraph, [("26.06", 40706)]),
        (.gb200Qwen235LayerGraphs, [("26.02", 5448), ("26.02.01", 5530)]),
        (.gb200Qwen235VP3IterationGraph, [("26.06", 7376)]),
        (.h100Llama70, [("26.02", 1621)]),
        (.h100Llama405, [("26.06", 326)]),
        (.h100GptOSS, [("26.02", 5993), ("26.06", 5860)]),
        (.h100Qwen30, [("26.02", 5113)]),
        (.h100Qwen30EP16, [("26.06", 8467)]),
        (.h100Qwen235, [("26.02", 1633)]),
        (.b200GptOSSEP64, [("26.02", 8047)]),
        (.b200GptOSSEP8, [("26.02.01", 13722)]),
        (.b200Qwen30MicroBatch1, [("26.02", 9691)]),
        (.b200Qwen30MicroBatch4, [("26.02.01", 26695)]),
        (.b200Qwen235, [("26.02", 3805)]),
        (.b200DeepSeek, [("26.02.01", 2790)]),
    ])
}
