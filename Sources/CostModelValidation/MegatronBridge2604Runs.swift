import CostModel

extension PublishedRun {
    /// Out of sample, third set: the pre-training rows of Megatron-Bridge's performance summary for the 26.04 and
    /// 26.04.01 containers (recipes of tag v0.4.2, whose summary first lists them) and the 26.06.01 and 26.08
    /// containers (tag v0.6.0), on DGX-H100, DGX-B200 and GB200 NVL72, tokens/s/GPU. Added on 2026-12-07 after the
    /// model's last change and priced once, blind: nothing was changed after seeing them. Left out as in the second set:
    /// GB300, B300, NVFP4, Nemotron 3, DeepSeek-V4 and Kimi-K2 (no preset). A layout whose recipe in that tag states
    /// another layout (B200 DeepSeek-V3 at PP 16 × EP 8 in 26.04, where v0.4.2 runs PP 8 × EP 32) takes the recipe
    /// that does state it (v0.4.0's). The 26.06.01 gpt-oss-120b row carries the table's own note of a regression
    /// (cudnn-frontend issue 256), fixed in 26.08.
    public static let megatronBridge2604: [PublishedRun] = BridgeLayout.runs([
        (.gb200Llama70MXFP8, [("26.04", 3828), ("26.04.01", 3712)]),
        (.gb200Llama70FSDP, [("26.04", 4143), ("26.04.01", 4224)]),
        (.gb200Llama405MXFP8, [("26.04", 793), ("26.04.01", 800)]),
        (.gb200Llama405, [("26.04", 842), ("26.04.01", 864)]),
        (.gb200DeepSeekLayerGraphs, [("26.04", 4193), ("26.04.01", 4256)]),
        (.gb200DeepSeekIterationGraph, [("26.06.01", 4928), ("26.08", 4912)]),
        (.gb200GptOSSOverlapped, [("26.04", 15938), ("26.04.01", 16640)]),
        (.gb200GptOSSMXFP8, [("26.06.01", 18304), ("26.08", 28672)]),
        (.gb200Qwen30RouterGraphs, [("26.04", 26032), ("26.04.01", 26112)]),
        (.gb200Qwen30IterationGraph, [("26.06.01", 40960), ("26.08", 39936)]),
        (.gb200Qwen235VP3LayerGraphs, [("26.04", 5672), ("26.04.01", 5680)]),
        (.gb200Qwen235VP3IterationGraph, [("26.06.01", 7360), ("26.08", 7280)]),
        (.h100Llama70, [("26.04", 1633), ("26.04.01", 1664)]),
        (.h100Llama405, [("26.04.01", 328)]),
        (.h100GptOSS, [("26.04", 5810), ("26.04.01", 5824)]),
        (.h100Qwen30EP16, [("26.04", 8901), ("26.04.01", 8960)]),
        (.h100Qwen235, [("26.04", 1686), ("26.04.01", 1712)]),
        (.b200GptOSSEP8, [("26.04", 13045), ("26.04.01", 13568)]),
        (.b200Qwen30MicroBatch4, [("26.04", 26859), ("26.04.01", 27136)]),
        (.b200Qwen235, [("26.04.01", 3776)]),
        (.b200DeepSeek, [("26.04", 2815)]),
        (.b200DeepSeekEP32, [("26.04.01", 3328)]),
    ])
}
