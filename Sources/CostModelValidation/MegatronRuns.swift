import CostModel

extension PublishedRun {
    /// Narayanan et al. SC'21, Table 1: GPT on A100-80GB, s = 2048, V = 51,200, full recompute. The paper's
    /// TFLOP/s use Eq. 3, F = 96·B·s·l·h²(1 + s/6h + V/16lh); iteration time = F / (GPUs × TFLOP/s).
    /// The paper used the interleaved schedule but does not give its degree, nor the micro-batch size: micro-batch 1
    /// and the smallest interleaving degree above 1 that divides the layers per stage are assumed. Its pipeline sends
    /// are scattered over the TP ranks and gathered over NVLink (§4.1), and waited for (no overlap then).
    public static let megatronTable1: [PublishedRun] = [
        (1.7, 24, 2304, 24, 1, 1, 32, 512, 137.0), (3.6, 32, 3072, 30, 2, 1, 64, 512, 138),
        (7.5, 32, 4096, 36, 4, 1, 128, 512, 142), (18.4, 48, 6144, 40, 8, 1, 256, 1024, 135),
        (39.1, 64, 8192, 48, 8, 2, 512, 1536, 138), (76.1, 80, 10240, 60, 8, 4, 1024, 1792, 140),
        (145.6, 96, 12288, 80, 8, 8, 1536, 2304, 148), (310.1, 128, 16384, 96, 8, 16, 1920, 2160, 155),
        (529.6, 128, 20480, 105, 8, 35, 2520, 2520, 163), (1008.0, 160, 25600, 128, 8, 64, 3072, 3072, 163),
    ].map { billions, heads, hidden, layers, tp, pp, gpus, batch, teraflops in
        let model = TransformerModel(
            name: "gpt-\(billions)b", layers: layers, hiddenSize: hidden, heads: heads,
            ffnHiddenSize: 4 * hidden, vocabSize: 51_200, tiedEmbeddings: true,
            gptStyle: true, maxPositions: 2048)
        let s = 2048.0
        let h = Double(hidden)
        let l = Double(layers)
        let flops = 96 * Double(batch) * s * l * h * h * (1 + s / (6 * h) + 51_200 / (16 * l * h))
        let dp = gpus / (tp * pp)
        return PublishedRun(
            source: "Megatron-LM SC'21 Table 1", label: "GPT \(billions)B, \(gpus) GPUs", gpu: "a100-80gb",
            model: model,
            strategy: ParallelStrategy(
                tensorParallel: tp, pipelineParallel: pp, dataParallel: dp,
                microBatch: pp == 1 ? batch / dp : 1, globalBatch: batch,
                sequenceLength: 2048, recompute: .full, sequenceParallel: false,
                interleave: smallestInterleave(layers: layers, stages: pp),
                zeroStage: 0, overlapGradientReduce: false, overlapPipelineTransfers: false,
                pipelineScatterGather: true),
            iterationSeconds: flops / (Double(gpus) * teraflops * 1e12))
    }

    /// MegaScale (NSDI'24) Table 2, Megatron-LM rows: GPT-175B (h 12288, 96 layers, 128 heads), s = 2048,
    /// V = 64,000, TP 8, PP 8, 6 virtual stages, on A100s; published iteration times. MegaScale counts overlapping
    /// data-parallel and pipeline communication among its own changes (§3.3), so the baseline is modelled without
    /// either overlap.
    /// Micro-batch 1, selective recompute and sequence parallelism are assumed.
    public static let megaScaleTable2: [PublishedRun] = [
        (768, 256, 40.0), (768, 512, 21.2), (768, 768, 15.2), (768, 1024, 11.9),
        (6144, 3072, 29.02), (6144, 6144, 14.78), (6144, 8192, 12.24), (6144, 12288, 8.57),
    ].map { batch, gpus, seconds in
        let model = TransformerModel(
            name: "gpt-175b", layers: 96, hiddenSize: 12_288, heads: 128, ffnHiddenSize: 4 * 12_288,
            vocabSize: 64_000, tiedEmbeddings: true, gptStyle: true, maxPositions: 2048)
        return PublishedRun(
            source: "MegaScale NSDI'24 Table 2", label: "GPT-175B, batch \(batch), \(gpus) GPUs", gpu: "a100-80gb",
            model: model,
            strategy: ParallelStrategy(
                tensorParallel: 8, pipelineParallel: 8, dataParallel: gpus / 64, microBatch: 1,
                globalBatch: batch, sequenceLength: 2048, recompute: .selective,
                sequenceParallel: true, interleave: 6, zeroStage: 1, overlapGradientReduce: false,
                overlapPipelineTransfers: false),
            iterationSeconds: seconds)
    }

    /// Megatron-LM README, Megatron-Core r0.8.0 weak scaling on H100: GPT, s = 4096, V = 131,072. MFU there is
    /// 72·B·s·l·h²(1 + s/6h + V/12lh) / time. The README's runs overlap TP, DP gradient and parameter
    /// communication. Not stated, so assumed: without a pipeline, no gradient accumulation (micro-batch = the
    /// 4 sequences per DP rank); with one, micro-batch 1 and interleaving as for Table 1; no recompute,
    /// sequence parallelism, FlashAttention and untied embeddings.
    public static let megatronCoreH100: [PublishedRun] = [
        ("1.7B", 16, 2048, 24, 1, 1, 48, 192, 408.8), ("7.1B", 32, 4096, 30, 2, 1, 48, 192, 465.9),
        ("16B", 48, 6144, 32, 4, 1, 48, 192, 489.1), ("32B", 56, 7168, 48, 8, 1, 48, 192, 459.6),
        ("70B", 64, 8192, 84, 8, 2, 48, 384, 419.7), ("119B", 80, 10240, 92, 8, 4, 48, 768, 420.5),
        ("177B", 96, 12288, 96, 8, 6, 48, 1152, 432.8), ("314B", 128, 16384, 96, 8, 8, 48, 1536, 474.4),
        ("462B", 144, 18432, 112, 8, 16, 48, 3072, 459.9),
    ].map { name, heads, hidden, layers, tp, pp, dp, batch, teraflops in
        let model = TransformerModel(
            name: "gpt-\(name)", layers: layers, hiddenSize: hidden, heads: heads,
            ffnHiddenSize: 4 * hidden, vocabSize: 131_072)
        let s = 4096.0
        let h = Double(hidden)
        let l = Double(layers)
        let gpus = Double(tp * pp * dp)
        let flops = 72 * Double(batch) * s * l * h * h * (1 + s / (6 * h) + 131_072 / (12 * l * h))
        return PublishedRun(
            source: "Megatron-Core r0.8.0 (H100)", label: "GPT \(name), \(Int(gpus)) GPUs", gpu: "h100-sxm",
            model: model,
            strategy: ParallelStrategy(
                tensorParallel: tp, pipelineParallel: pp, dataParallel: dp,
                microBatch: pp == 1 ? batch / dp : 1,
                globalBatch: batch, sequenceLength: 4096, recompute: .none, sequenceParallel: tp > 1,
                interleave: smallestInterleave(layers: layers, stages: pp),
                zeroStage: 1, overlapTensorParallel: true),
            iterationSeconds: flops / (gpus * teraflops * 1e12), flashAttention: true)
    }
}
