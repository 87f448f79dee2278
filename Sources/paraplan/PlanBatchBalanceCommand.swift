import ArgumentParser
import Foundation
import ParaPlan

struct PlanBatchBalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-balance",
        abstract: "Balances a global batch's samples (text, images) over data-parallel ranks and micro-batches.",
        discussion: "Give a profile or --model and --cluster. Exit 2 for bad input, 3 when the caps cannot be met."
    )

    @Option(
        help:
            "Samples: JSON Lines ({\"tokens\": N, \"images\": [..], \"rank\": r}) or CSV with a tokens column (images and rank optional)."
    )
    var samples: String

    @Option(parsing: .unconditional, help: "Data-parallel ranks.")
    var ranks: Int

    @Option(parsing: .unconditional, help: "Micro-batches every rank must have.")
    var microBatches: Int?

    @Flag(help: "Every rank gets the same number of samples.")
    var equalCounts = false

    @Option(parsing: .unconditional, help: "Token cap per micro-batch (overrides the profile's).")
    var maxTokensPerMicroBatch: Int?

    @OptionGroup var costSource: ProfileOrModelOptions

    @Option(help: "llm (images stay with their samples) or encoder,llm (the encoder's images are balanced separately).")
    var phases: String = "llm"

    @Flag(
        help:
            "Ranks wait for each other in every phase (FSDP, ZeRO-3: each layer all-gathers its weights), so the step is the slowest encoder rank plus the slowest LLM rank. Without it ranks meet only at the gradient reduction (DDP, ZeRO-1/2)."
    )
    var syncEveryPhase = false

    @Flag(
        help:
            "With --phases encoder,llm: keep the separate encoder phase even when one assignment for both phases is faster (by default the faster plan is written)."
    )
    var keepEncoderPhase = false

    @Flag(
        help:
            "With --phases encoder,llm: an image heavier than the mean rank's encoder work may be split over an aligned group of ranks (sequence parallelism inside the vision encoder; the plan lists it under each rank's shards)."
    )
    var splitImages = false

    @Option(
        help:
            "Each rank's measured speed: a cluster file with speedFactors, or whatif --speed-factors output (per GPU; a rank spanning several GPUs runs at its slowest). Slower ranks get less work. Default: the --cluster file's speedFactors, if any."
    )
    var speedFactors: String?

    @Option(
        help:
            "Also write the plan's HTML report, with its micro-batches and each baseline's ranks (which the plan file does not keep)."
    )
    var report: String?

    @OptionGroup var outputOptions: PlanOutputOptions

    func run() throws {
        try outputOptions.checkCompactHasOutput()
        let request = BatchBalanceRequest(
            cost: try costSource.source(), ranks: ranks, microBatches: microBatches, equalCounts: equalCounts,
            maxTokensPerMicroBatch: maxTokensPerMicroBatch, phases: phases, syncEveryPhase: syncEveryPhase,
            keepEncoderPhase: keepEncoderPhase, splitImages: splitImages, speedFactors: speedFactors.map { .named($0) })
        let balancer = try request.makeBalancer()
        let batch: [Sample]
        do {
            batch = try SamplesFile.parse(try InputFile.readOrFail(samples), source: samples)
        } catch let error as SamplesFile.ParseError {
            throw CLIError(code: .badInput, message: error.description)
        }
        let result = try BatchBalanceRequest.plan(balancer, samples: batch, source: samples)
        outputOptions.summary(render(result))
        if let report {
            try OutputFile.write(try ReportRequest.batchBalance(balancer, result, samples: batch), to: report)
        }
        if outputOptions.output != nil { try outputOptions.write(try result.executionPlan()) }
    }

    private func render(_ result: BatchBalanceResult) -> String {
        let loads = result.ranks.map(\.predictedSeconds)
        let which = result.encoder == nil ? "rank" : "LLM rank"
        var lines = [
            String(
                format: "%d samples on %d ranks: step %.4f s (slowest %@ %.4f s, fastest %.4f s)", result.tokens.count,
                result.ranks.count, result.stepSeconds, which, loads.max() ?? 0, loads.min() ?? 0)
        ]
        if let encoder = result.encoder {
            let how = result.encoderBalancedSeparately ? "balanced separately" : "with its samples, ranks synchronised"
            lines.append(
                String(format: "encoder phase %@: slowest rank %.4f s", how, encoder.map(\.predictedSeconds).max() ?? 0)
            )
            let split = Set(encoder.flatMap { $0.shards ?? [] })
            if let smallest = split.map(\.degree).min(), let largest = split.map(\.degree).max() {
                lines.append(
                    "images split: \(split.count) over groups of \(smallest == largest ? "\(smallest)" : "\(smallest)-\(largest)") ranks, run before each rank's whole images"
                )
            }
        }
        if let skew = result.encoderSkew {
            let alone =
                result.baselines.first { $0.name == "llm-only" }.map {
                    String(format: " (this plan: %.2f×)", $0.stepSeconds / result.stepSeconds)
                } ?? ""
            lines.append(
                String(
                    format:
                        "images: the encoder is %.0f %% of the work and, with images on their samples, its slowest rank carries %.2f× the mean; encoder-aware balancing can gain at most %.2f× over balancing the LLM phase alone%@",
                    skew.share * 100, skew.imbalance, skew.potentialSpeedUp, alone))
        }
        if phases == "encoder,llm", !result.encoderBalancedSeparately {
            lines.append(
                "encoder phase not separate: one assignment for both phases is faster here (--keep-encoder-phase keeps it)"
            )
        }
        lines.append(
            String(
                format: "lower bound %.4f s (plan within %.2f %%)", result.lowerBoundSeconds,
                (result.stepSeconds - result.lowerBoundSeconds) / max(result.stepSeconds, 1e-12) * 100))
        for baseline in result.baselines {
            lines.append(
                String(
                    format: "baseline %@: %.4f s (%.3f× the plan)", baseline.name, baseline.stepSeconds,
                    baseline.stepSeconds / result.stepSeconds))
        }
        if let moved = result.moved {
            lines.append(String(format: "moved: %d samples, %.0f bytes", moved.samples, moved.bytes))
        }
        lines.append(String(format: "planned in %.2f ms", result.planningSeconds * 1000))
        return lines.joined(separator: "\n")
    }
}
