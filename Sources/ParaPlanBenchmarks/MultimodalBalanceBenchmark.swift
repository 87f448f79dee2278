import Foundation
import ParaPlan
import SolverFixtures

/// Multimodal batches with skewed images: separate encoder balancing against balancing the LLM phase alone, and one
/// assignment for both phases when ranks wait for each other in every phase (FSDP, ZeRO-3).
enum MultimodalBalanceBenchmark {
    struct Batch {
        let shape: String
        let samples: [Sample]
        let ranks: Int
    }

    /// Qwen2-VL-7B (its LLM has Qwen2.5-7B's shape; a 675M ViT with full attention) and Qwen2.5-VL-7B (SwiGLU ViT,
    /// windowed attention in 28 of 32 layers), both phases derived from the model on one H100.
    static func visionLanguageCosts() throws -> [(name: String, cost: BatchBalanceCost)] {
        guard var model = TransformerModel.preset(named: "qwen2.5-7b") else {
            throw BenchmarkFailure(message: "no qwen2.5-7b preset")
        }
        let cluster = try Cluster.preset("hgx-h100:1")
        model.vision = VisionEncoder(
            layers: 32, hiddenSize: 1280, mlpHiddenSize: 5120, spatialMergeSize: 2, outputSize: 3584)
        let qwen2 = try BatchBalanceCost.derive(model: model, cluster: cluster)
        model.vision = VisionEncoder(
            layers: 32, hiddenSize: 1280, mlpHiddenSize: 3420, gatedMLP: true, spatialMergeSize: 2, outputSize: 3584,
            windowedLayers: 28, patchesPerWindow: 64)
        let qwen25 = try BatchBalanceCost.derive(model: model, cluster: cluster)
        return [("Qwen2-VL-7B", qwen2), ("Qwen2.5-VL-7B (windowed ViT)", qwen25)]
    }

    /// How a batch's samples draw their images.
    enum Mix {
        /// 1 + Poisson(λ) log-uniform images; λ = 4 concentrates many large images in few samples.
        case poisson(maxImage: Int, lambda: Double)
        /// One 4K-16K-token image or 16-64 small frames with a similar total.
        case mixedResolution
        /// LLM length independent of modality: half the samples are one image plus a short prompt, half are text.
        case modalityMix

        var label: String {
            switch self {
            case .poisson(let maxImage, let lambda):
                String(format: "images up to %d tokens, λ = %.0f", maxImage, lambda)
            case .mixedResolution: "mixed resolutions: one 4K-16K-token image or 16-64 small frames"
            case .modalityMix: "modality mix: image-dominated or text-only at the same lengths"
            }
        }

        var shortLabel: String {
            switch self {
            case .poisson(let maxImage, let lambda): String(format: "up to %d tokens, λ = %.0f", maxImage, lambda)
            case .mixedResolution: "mixed resolutions"
            case .modalityMix: "modality mix"
            }
        }
    }

    static func batches() -> [Batch] {
        [
            (256, 8, Mix.poisson(maxImage: 16384, lambda: 1)), (1024, 64, .poisson(maxImage: 16384, lambda: 1)),
            (1024, 64, .poisson(maxImage: 4096, lambda: 1)), (256, 8, .poisson(maxImage: 16384, lambda: 4)),
            (1024, 64, .poisson(maxImage: 16384, lambda: 4)), (256, 8, .mixedResolution), (1024, 64, .mixedResolution),
            (8192, 512, .mixedResolution), (256, 8, .modalityMix), (1024, 64, .modalityMix), (8192, 512, .modalityMix),
        ]
        .map { batch(count: $0, ranks: $1, mix: $2) }
    }

    static func batch(count: Int, ranks: Int, mix: Mix) -> Batch {
        let seedOffset =
            switch mix {
            case .poisson(let maxImage, _): maxImage
            case .mixedResolution: 16384
            case .modalityMix: 7
            }
        var generator = LengthGenerator(seed: UInt64(count + seedOffset))
        let samples = (0..<count).map { index -> Sample in
            let drawn =
                switch mix {
                case .poisson(let maxImage, let lambda):
                    generator.multimodal(textOnly: lambda > 1 ? 0.7 : 0.3, lambda: lambda, maxImageTokens: maxImage)
                case .mixedResolution: generator.mixedResolution()
                case .modalityMix: generator.modalityMix()
                }
            return Sample(tokens: drawn.tokens, images: drawn.images, loadedRank: index * ranks / count)
        }
        return Batch(shape: "\(count) samples / \(ranks) ranks, \(mix.label)", samples: samples, ranks: ranks)
    }

    /// The three encoder-aware plans of one batch (DDP model: ranks meet only at the gradient reduction): one
    /// assignment balanced on encoder + LLM work (`--phases llm`), the separate encoder phase kept
    /// (`--keep-encoder-phase`), and `--phases encoder,llm`, which returns the faster of the two.
    struct EncoderAwarePlans {
        let together: BatchBalanceResult
        let separate: BatchBalanceResult
        let ours: BatchBalanceResult
        /// Median planning seconds of `ours` and `together` over `runs` runs each.
        let oursPlanning: Double
        let togetherPlanning: Double
        /// The plans' `llm-only` baseline: the LLM phase balanced alone, each sample's images encoded on its rank.
        let alone: Double

        init(_ batch: Batch, cost: BatchBalanceCost, runs: Int = 1) throws {
            let togetherBalancer = try BatchBalancer(cost: cost, options: .init(ranks: batch.ranks, equalCounts: true))
            let oursBalancer = try BatchBalancer(
                cost: cost, options: .init(ranks: batch.ranks, equalCounts: true, separateEncoder: true))
            let togetherRuns = try (0..<max(1, runs)).map { _ in try togetherBalancer.plan(batch.samples) }
            let oursRuns = try (0..<max(1, runs)).map { _ in try oursBalancer.plan(batch.samples) }
            guard let together = togetherRuns.last, let ours = oursRuns.last else {
                throw BenchmarkFailure(message: "no plan")
            }
            self.together = together
            self.ours = ours
            togetherPlanning = SequenceParallelBenchmark.median(togetherRuns.map(\.planningSeconds))
            oursPlanning = SequenceParallelBenchmark.median(oursRuns.map(\.planningSeconds))
            separate = try BatchBalancer(
                cost: cost,
                options: .init(
                    ranks: batch.ranks, equalCounts: true, separateEncoder: true,
                    keepEncoderPhase: true)
            ).plan(batch.samples)
            alone = try llmOnly(ours)
        }

        /// "1.17× (1.17×)": the separate phase's speed-up over `alone`, and the most any separate phase could reach.
        var separateGain: String {
            String(format: "%.2f× (%.2f×)", alone / separate.stepSeconds, alone / separate.lowerBoundSeconds)
        }
    }

    /// `--phases encoder,llm`'s gain over the llm-only baseline against the most any encoder-aware plan could gain.
    struct GainTally {
        var pairs: [(gain: Double, potential: Double)] = []

        mutating func add(gain: Double, potential: Double) { pairs.append((gain, potential)) }

        var summary: String {
            let worst = pairs.map { $0.gain / $0.potential }.min() ?? .nan
            let above = pairs.map { $0.gain / $0.potential }.max() ?? .nan
            let allowed = pairs.filter { $0.potential >= 1.2 }
            let reached = allowed.filter { $0.gain >= 1.2 }
            return String(
                format:
                    "Over %d batches the plan's gain over llm-only is %.4f-%.4f of the most any encoder-aware plan could gain; %d batches allow 1.2× or more, and the plan reaches 1.2× on %d of them (%.2f-%.2f×).",
                pairs.count, worst, above, allowed.count, reached.count,
                reached.map(\.gain).min() ?? .nan, reached.map(\.gain).max() ?? .nan)
        }
    }

    /// Encoder seconds of the samples in `content` (their images encoded where the samples are).
    static func encoderSeconds(_ content: [Int], samples: [Sample], cost: BatchBalanceCost) -> Double {
        content.reduce(0.0) { total, index in
            total + samples[index].images.reduce(0.0) { $0 + (cost.encoder?.seconds(Double($1)) ?? 0) }
        }
    }

    static func llmOnly(_ result: BatchBalanceResult) throws -> Double {
        guard let alone = result.baselines.first(where: { $0.name == "llm-only" }) else {
            throw BenchmarkFailure(message: "no llm-only baseline")
        }
        return alone.stepSeconds
    }

    /// How the gain moves with samples per rank, same generators and costs: fewer samples per rank leave the
    /// LLM-only plan's encoder work less averaged out.
    static func samplesPerRank(costs: [(name: String, cost: BatchBalanceCost)]) throws -> [String] {
        var rows = [
            "",
            "Samples per rank (same generators and costs; \"largest image\" marks rows whose encoder bound is one image, above Σ encoder ÷ ranks).",
            "",
            "| model | images | samples / ranks | per rank | 1 + s·(k − 1) | at most (bound) | LLM phase balanced alone | one assignment, encoder-aware | separate encoder phase | speed-up of the faster | separate phase's (at most) | encoder bound | `--split-images`: speed-up (at most) | images split | planning ms |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
        var tally = GainTally()
        var splitTally = GainTally()
        for (name, cost) in costs {
            for mix in [Mix.poisson(maxImage: 16384, lambda: 1), .mixedResolution, .modalityMix] {
                for (count, ranks) in [(1024, 64), (1024, 128), (1024, 256), (8192, 512), (4096, 512), (2048, 512)] {
                    let batch = batch(count: count, ranks: ranks, mix: mix)
                    let plans = try EncoderAwarePlans(batch, cost: cost)
                    let alone = plans.alone
                    let images = batch.samples.flatMap(\.images).map { cost.encoder?.seconds(Double($0)) ?? 0 }
                    let largestBinds = (images.max() ?? 0) > images.reduce(0, +) / Double(ranks)
                    guard let skew = plans.ours.encoderSkew else {
                        throw BenchmarkFailure(message: "no encoder skew for \(batch.shape)")
                    }
                    tally.add(gain: alone / plans.ours.stepSeconds, potential: skew.potentialSpeedUp)
                    // The same plan with heavy images split over groups of ranks (median planning time of 5 runs).
                    let splitBalancer = try BatchBalancer(
                        cost: cost,
                        options: .init(ranks: ranks, equalCounts: true, separateEncoder: true, splitImages: true))
                    let splitRuns = try (0..<5).map { _ in try splitBalancer.plan(batch.samples) }
                    guard let split = splitRuns.last, let splitSkew = split.encoderSkew else {
                        throw BenchmarkFailure(message: "no split plan for \(batch.shape)")
                    }
                    splitTally.add(gain: alone / split.stepSeconds, potential: splitSkew.potentialSpeedUp)
                    let splitCount = Set((split.encoder ?? []).flatMap { $0.shards ?? [] }).count
                    rows.append(
                        String(
                            format:
                                "| %@ | %@ | %d / %d | %d | %.2f× | %.2f× | %.3f s | %.3f s | %.3f s | %.2f× | %@ | %@ | %.2f× (%.2f×) | %d | %.1f |",
                            name, mix.shortLabel, count, ranks,
                            count / ranks, skew.averagedSpeedUp, skew.potentialSpeedUp, alone,
                            plans.together.stepSeconds, plans.separate.stepSeconds,
                            alone / plans.ours.stepSeconds, plans.separateGain,
                            largestBinds ? "largest image" : "Σ ÷ ranks", alone / split.stepSeconds,
                            splitSkew.potentialSpeedUp, splitCount,
                            SequenceParallelBenchmark.median(splitRuns.map(\.planningSeconds)) * 1000))
                }
            }
        }
        return rows + ["", tally.summary, "With `--split-images`: " + splitTally.summary]
    }

    static func run() throws -> [String] {
        let costs = try visionLanguageCosts()
        let batches = batches()
        var separateRows = [
            "",
            "| model | multimodal batch | encoder share of the work | encoder max ÷ mean per rank, images with their samples | most any encoder-aware plan can gain (bound) | LLM phase balanced alone (images stay with their samples) | one assignment, encoder-aware (`--phases llm`) | separate encoder phase | speed-up of the faster (`--phases encoder,llm`) | separate phase's (at most) | speed-up over verl-kk | planning ms, `--phases encoder,llm` / `--phases llm` |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        var synchronisedRows = [
            "",
            "Ranks synchronised in every phase (`--sync-every-phase`; FSDP, ZeRO-3): one assignment for both phases.",
            "",
            "| model | multimodal batch | LLM phase balanced alone | balanced on encoder + LLM work | phase search (ours) | its bound | planning ms | separate encoder phase |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        var tally = GainTally()
        for (name, cost) in costs {
            for batch in batches {
                let samples = batch.samples
                func phases(_ contents: [[Int]]) -> (encoder: Double, llm: Double) {
                    var encoder = 0.0
                    var llm = 0.0
                    for content in contents {
                        encoder = max(encoder, encoderSeconds(content, samples: samples, cost: cost))
                        llm = max(llm, content.reduce(0.0) { $0 + cost.llm.seconds(Double(samples[$1].tokens)) })
                    }
                    return (encoder, llm)
                }
                func contents(_ result: BatchBalanceResult) -> [[Int]] {
                    result.ranks.map { Array($0.microBatches.joined()) }
                }
                let plans = try EncoderAwarePlans(batch, cost: cost, runs: 9)
                let together = plans.together
                // verl's balancer sees LLM lengths only, as practitioners run it today.
                let verl = plans.ours.baselines.first { $0.name == "verl-kk" }?.stepSeconds ?? .nan
                // How skewed the images are: the encoder's share of all work, and how unevenly the LLM-alone
                // assignment leaves it across ranks (the plan's own report).
                guard let skew = plans.ours.encoderSkew else {
                    throw BenchmarkFailure(message: "no encoder skew for \(batch.shape)")
                }
                tally.add(gain: plans.alone / plans.ours.stepSeconds, potential: skew.potentialSpeedUp)
                separateRows.append(
                    String(
                        format:
                            "| %@ | %@ | %.0f %% | %.2f | %.2f× | %.3f s | %.3f s | %.3f s | %.2f× | %@ | %.2f× | %.1f / %.1f |",
                        name, batch.shape,
                        skew.share * 100, skew.imbalance, skew.potentialSpeedUp, plans.alone, together.stepSeconds,
                        plans.separate.stepSeconds, plans.alone / plans.ours.stepSeconds,
                        plans.separateGain, verl / plans.ours.stepSeconds, plans.oursPlanning * 1000,
                        plans.togetherPlanning * 1000))
                // Synchronised phases: the plan balanced on encoder + LLM work (right when ranks meet only at the
                // gradient reduction) scored per phase, against the phase search.
                let togetherPhases = phases(contents(together))
                let balancer = try BatchBalancer(
                    cost: cost, options: .init(ranks: batch.ranks, equalCounts: true, syncEveryPhase: true))
                var times: [Double] = []
                var synchronised: BatchBalanceResult?
                for _ in 0..<3 {
                    let planned = try balancer.plan(samples)
                    times.append(planned.planningSeconds)
                    synchronised = planned
                }
                guard let synchronised else { continue }
                let separateSynchronised = try BatchBalancer(
                    cost: cost,
                    options: .init(
                        ranks: batch.ranks, equalCounts: true, separateEncoder: true,
                        syncEveryPhase: true, keepEncoderPhase: true)
                ).plan(samples)
                synchronisedRows.append(
                    String(
                        format: "| %@ | %@ | %.3f s | %.3f s | %.3f s | %.3f s | %.1f | %.3f s |", name, batch.shape,
                        try llmOnly(synchronised), togetherPhases.encoder + togetherPhases.llm,
                        synchronised.stepSeconds,
                        synchronised.lowerBoundSeconds, SequenceParallelBenchmark.median(times) * 1000,
                        separateSynchronised.stepSeconds))
            }
        }
        return separateRows + ["", tally.summary] + synchronisedRows + (try samplesPerRank(costs: costs))
    }
}
