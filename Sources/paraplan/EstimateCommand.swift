import ArgumentParser
import Foundation
import ParaPlan

extension Recompute: ExpressibleByArgument {}

/// Predicts iteration time, memory and MFU of a static Megatron-style layout.
struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Estimates iteration time, per-GPU memory and MFU of a static parallel layout.",
        discussion:
            "The model is in docs/cost-model.md. --dp defaults to GPUs / (tp × pp × cp). Exit 3 when the layout does not fit in memory (the estimate is printed)."
    )

    @OptionGroup var inputs: CostInputOptions

    @Option(parsing: .unconditional, help: "Tensor-parallel degree.") var tp: Int = 1
    @Option(parsing: .unconditional, help: "Pipeline-parallel degree.") var pp: Int = 1
    @Option(parsing: .unconditional, help: "Data-parallel degree (default: GPUs / (tp × pp × cp)).") var dp: Int?
    @Option(parsing: .unconditional, help: "Context-parallel degree.") var cp: Int = 1
    @Option(parsing: .unconditional, help: "Expert-parallel degree; --ep × --etp must divide tp × cp × dp.") var ep:
        Int = 1
    @Option(parsing: .unconditional, help: "Tensor parallelism inside each expert (default: --tp, as Megatron-Core).")
    var etp: Int?
    @Flag(help: "Overlap MoE dispatch and combine with another micro-batch (--overlap-moe-expert-parallel-comm).")
    var epCommOverlap = false
    @Option(
        parsing: .unconditional, help: "With --recompute full: recompute only the first N layers of each virtual stage."
    ) var recomputeLayers: Int?
    @Option(
        help:
            "With --recompute selective: the modules recomputed, comma-separated: core_attn (default), layernorm, moe_act (Megatron-Core's --recompute-modules)."
    )
    var recomputeModules: String?
    @Option(
        parsing: .unconditional,
        help:
            "Keep the activations of the first N layers in host memory until backward (Megatron-Core's --cpu-offloading-num-layers; needs --pp 1 and no recompute)."
    ) var cpuOffloadLayers: Int?
    @Option(parsing: .unconditional, help: "Sequences per micro-batch.") var microBatch: Int = 1
    @Option(help: "Activation recompute: none, selective or full.") var recompute: Recompute = .none
    @Flag(help: "Megatron sequence parallelism (shard activations outside TP regions).") var sequenceParallel = false
    @Option(parsing: .unconditional, help: "Virtual pipeline stages per GPU (interleaved 1F1B).") var interleave: Int =
        1
    @OptionGroup var shape: BatchShapeOptions
    @Flag(help: "Do not overlap the data-parallel gradient reduction with backward.") var noOverlapGradReduce = false
    @Flag(
        name: .customLong("no-overlap-p2p-communication"),
        help: "With --interleave: wait for each pipeline send and receive instead of overlapping them with compute.")
    var noOverlapP2PCommunication = false
    @Flag(help: "Attention stores s×s scores (no FlashAttention).") var noFlashAttention = false
    @Flag(help: "Count causal attention as half of the s² FLOPs (NeMo's convention; Megatron's is full).")
    var causalHalved = false
    @Flag(help: "Print JSON (sorted keys); the same as --format json.") var json = false
    @Option(
        help: "Also write the iteration's pipeline schedule as a Chrome trace for Perfetto (- for standard output).")
    var trace: String?
    @Option(
        help:
            "Also write an HTML report: the iteration's time and a GPU's memory, part by part (- for standard output).")
    var report: String?
    @Option(
        help: "table (default), json, megatron (Megatron-LM arguments) or nemo (NeMo 2 / Megatron-Bridge config keys).")
    var format: LayoutFormat = .table

    func run() throws {
        var request = EstimateRequest(inputs: try inputs.request(), shape: try shape.shape())
        (request.etp, request.epCommOverlap, request.recomputeLayers) = (etp, epCommOverlap, recomputeLayers)
        request.cpuOffloadLayers = cpuOffloadLayers
        request.recomputeModules = try recomputeModules.map { text throws(FrontendError) in
            try RecomputeModule.list(text)
        }
        (request.tp, request.pp, request.dp, request.cp, request.ep) = (tp, pp, dp, cp, ep)
        (request.microBatch, request.recompute, request.sequenceParallel, request.interleave) = (
            microBatch, recompute, sequenceParallel, interleave
        )
        (request.noOverlapGradReduce, request.noFlashAttention, request.causalHalved) = (
            noOverlapGradReduce, noFlashAttention, causalHalved
        )
        request.noOverlapP2PCommunication = noOverlapP2PCommunication
        let outcome = try request.run()
        if let trace { try OutputFile.write(TimelineRequest.estimate(outcome), to: trace) }
        if let report { try OutputFile.write(ReportRequest.estimate(outcome), to: report) }
        if json || format == .json {
            try printJSON(EstimateReport(outcome))
        } else if format == .megatron || format == .nemo {
            print(LayoutFormat.render(format, model: outcome.model, strategy: outcome.strategy))
        } else {
            print(
                EstimateText.render(
                    model: outcome.model, cluster: outcome.cluster, strategy: outcome.strategy,
                    estimate: outcome.estimate))
        }
        // The estimate is printed either way; a layout that does not fit is infeasible, as `layouts` treats it.
        if !outcome.estimate.fitsInMemory {
            if outcome.estimate.memory.peak <= outcome.estimate.usableMemoryBytes,
                let host = outcome.estimate.warnings.first(where: { $0.hasPrefix("does not fit in host memory") })
            {
                throw CLIError.infeasible("--cpu-offload-layers", "the layout " + host)
            }
            throw CLIError.infeasible(
                "--model",
                String(
                    format: "the layout needs %.1f GiB per GPU, more than the %.1f GiB usable",
                    outcome.estimate.memory.peak / 1_073_741_824,
                    outcome.estimate.usableMemoryBytes / 1_073_741_824))
        }
    }
}

enum EstimateText {
    static func recomputeText(_ strategy: ParallelStrategy) -> String {
        if let layers = strategy.recomputeLayers {
            return "\(strategy.recompute.rawValue) (\(layers) layers per virtual stage)"
        }
        if strategy.recompute == .selective && strategy.recomputeModules != [.coreAttention] {
            return "selective (\(strategy.recomputeModules.map(\.rawValue).joined(separator: ", ")))"
        }
        return strategy.recompute.rawValue
    }

    /// The precision-aware optimizer's storage types, when any differs from FP32.
    static func optimizerText(_ strategy: ParallelStrategy) -> String {
        guard let precision = strategy.precisionAwareOptimizer else { return "" }
        return ", Adam state \(precision.mainParams.rawValue) master, \(precision.expAvg.rawValue) and "
            + "\(precision.expAvgSq.rawValue) moments"
    }

    /// The CUDA graphs and the MoE dispatcher, as the layout line and the `layouts` title say them.
    static func graphText(_ strategy: ParallelStrategy) -> String {
        var text = ""
        if strategy.fullIterationCUDAGraph { text += ", one CUDA graph per iteration" }
        if let modules = strategy.cudaGraphModules {
            text += ", per-layer CUDA graphs (\(modules.map(\.rawValue).joined(separator: ", ")))"
        }
        if let dispatcher = strategy.moeDispatcher { text += ", \(dispatcher.rawValue) dispatcher" }
        return text
    }

    static func render(
        model: TransformerModel, cluster: Cluster, strategy: ParallelStrategy, estimate: IterationEstimate
    ) -> String {
        let counts = model.parameters
        let gib = 1_073_741_824.0
        var lines = [
            String(
                format: "model %@: %.2f B parameters (%.2f B active), %d layers, hidden %d",
                model.name, counts.total / 1e9, counts.active / 1e9, model.layers, model.hiddenSize)
                + (model.slidingWindowLayers > 0
                    ? ", \(model.slidingWindow)-token sliding window in \(model.slidingWindowLayers)" : ""),
            "cluster: \(cluster.nodes) × \(cluster.gpusPerNode) \(cluster.gpu.name) (\(cluster.gpuCount) GPUs)",
            "layout: TP \(strategy.tensorParallel) × PP \(strategy.pipelineParallel) × DP \(strategy.dataParallel) × CP \(strategy.contextParallel), EP \(strategy.expertParallel)\(strategy.expertTensorParallel.map { " (expert-TP \($0))" } ?? ""); micro-batch \(strategy.microBatch), global batch \(strategy.globalBatch), sequence \(strategy.sequenceLength), recompute \(recomputeText(strategy))\(strategy.cpuOffloadLayers.map { ", activations of \($0) layers offloaded to the host" } ?? ""), ZeRO \(strategy.zeroStage)\(strategy.fp8 ? ", FP8 (\(strategy.fp8Recipe.rawValue) scaling)" : ", BF16")\(strategy.gradientReduceFP32 ? "" : ", BF16 gradients")\(optimizerText(strategy))\(graphText(strategy))",
            String(
                format: "iteration %.3f s   MFU %.1f %%   %.0f tokens/s/GPU", estimate.iterationSeconds,
                estimate.mfu * 100, estimate.tokensPerSecondPerGPU),
        ]
        var parts: [(String, Double)] = [
            ("compute", estimate.breakdown.compute), ("exposed TP", estimate.breakdown.tensorParallel),
            ("pipeline bubble", estimate.breakdown.pipelineBubble),
            ("pipeline transfers", estimate.breakdown.pipelineTransfers),
            ("exposed DP", estimate.breakdown.dataParallel), ("exposed CP", estimate.breakdown.contextParallel),
            ("EP all-to-all", estimate.breakdown.expertParallel), ("CPU offload", estimate.breakdown.cpuOffload),
            ("slowest worker", estimate.breakdown.synchronisation),
            ("optimizer", estimate.breakdown.optimizer),
        ]
        if estimate.breakdown.fp8AmaxReduction > 0 {
            parts.append(("FP8 amax all-reduces", estimate.breakdown.fp8AmaxReduction))
        }
        for (name, seconds) in parts {
            lines.append(row([name, String(format: "%.3f s", seconds)], widths: [-20, 12]))
        }
        lines.append(
            String(
                format: "memory per GPU (peak) %.2f GiB of %.2f GiB usable (%.2f GiB less %.2f GiB headroom)%@%@",
                estimate.memory.peak / gib,
                estimate.usableMemoryBytes / gib, cluster.gpu.memoryBytes / gib,
                (cluster.gpu.memoryBytes - estimate.usableMemoryBytes) / gib,
                estimate.memory.pipelineRankText(ranks: strategy.pipelineParallel),
                estimate.fitsInMemory ? "" : "  (does not fit)"))
        let memory: [(String, Double)] = [
            ("parameters", estimate.memory.parameters), ("gradients", estimate.memory.gradients),
            ("optimizer", estimate.memory.optimizer), ("activations", estimate.memory.activations),
            ("logits", estimate.memory.logits),
        ]
        for (name, bytes) in memory {
            lines.append(row([name, String(format: "%.2f GiB", bytes / gib)], widths: [-20, 12]))
        }
        if !estimate.warnings.isEmpty {
            lines.append("warnings:")
            lines += estimate.warnings.map { "  - " + $0 }
        }
        lines.append("accuracy: " + PublishedAccuracy.note(moe: model.moe != nil, fp8: strategy.fp8))
        return lines.joined(separator: "\n")
    }
}
