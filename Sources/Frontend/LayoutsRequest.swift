import CostModel
import Foundation

/// `layouts`' options: every static layout of the cluster ranked for one batch shape.
public struct LayoutsRequest: Sendable {
    public var inputs: CostModelInputs
    public var shape: BatchShape
    /// Context-parallel degrees to try.
    public var contextParallel: [Int] = [1]
    public var top = 10
    public var allVariants = false
    /// Degrees the user fixed (`--tp 4,8`, `--pp`, `--ep`, `--micro-batch`); nil leaves them to the search.
    public var tensorParallel: [Int]?
    public var pipelineParallel: [Int]?
    public var expertParallel: [Int]?
    public var microBatches: [Int]?
    /// Only layouts whose layers split evenly over the (virtual) stages: what Megatron-LM's flags accept without
    /// `--pipeline-model-parallel-layout`.
    public var evenStagesOnly = false
    /// Leave activation offloading out of the search (`--no-cpu-offload`).
    public var noCpuOffload = false

    public init(inputs: CostModelInputs, shape: BatchShape) {
        self.inputs = inputs
        self.shape = shape
    }

    public struct Outcome: Sendable {
        public let model: TransformerModel
        public let cluster: Cluster
        public let template: ParallelStrategy
        public let search: StaticLayoutSearch.Outcome
        public let shown: [StaticLayoutSearch.Ranked]
        public let usableGiB: Double

        public var report: LayoutsReport {
            LayoutsReport(
                tried: search.tried, fitting: search.ranked.count,
                layouts: shown.map { LayoutsReport.Entry($0, model: model) },
                accuracy: PublishedAccuracy.note(moe: model.moe != nil, fp8: template.fp8))
        }
    }

    /// `--cp 1,2,4` as the list of degrees, naming a bad item.
    public static func contextDegrees(_ text: String) throws(FrontendError) -> [Int] {
        try degrees(text, flag: "--cp")
    }

    /// A comma-separated list of degrees for `flag` (`--tp 4,8`), naming a bad item.
    public static func degrees(_ text: String, flag: String) throws(FrontendError) -> [Int] {
        var degrees: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let degree = Int(trimmed), degree >= 1, degree <= Limits.gpus else {
                throw .badInput(
                    flag, value: String(trimmed.prefix(40)),
                    "must list whole numbers from 1 to \(Limits.gpus), comma-separated")
            }
            degrees.append(degree)
        }
        return degrees
    }

    public func run() throws(FrontendError) -> Outcome {
        let (model, cluster, profile) = try inputs.resolve()
        guard top >= 1, top <= Limits.sequences else {
            throw .badInput("--top", value: "\(top)", "must be a whole number from 1 to \(Limits.sequences)")
        }
        let template = ParallelStrategy(
            dataParallel: cluster.gpuCount, globalBatch: shape.globalBatch, sequenceLength: shape.seqLen,
            zeroStage: shape.zero, overlapTensorParallel: shape.tpCommOverlap, fp8: shape.fp8,
            fp8Recipe: try shape.validatedFP8Recipe(), gradientReduceFP32: !shape.gradReduceBF16,
            cudaGraph: try shape.validatedCUDAGraph(), cudaGraphModules: shape.cudaGraphModules,
            moeDispatcher: shape.moeDispatcher, optimizerPrecision: shape.optimizerPrecision)
        // A bad batch, length, ZeRO stage or FP8 on this GPU is named before the search runs.
        try costModelCall { () throws(CostModelError) in
            try template.validateBatchShape(cluster: cluster)
            try template.validateCUDAGraphs(model: model)
        }
        for degree in contextParallel where degree < 1 || degree > Limits.gpus {
            throw .badInput(
                "--cp", value: "\(degree)", "must list whole numbers from 1 to \(Limits.gpus), comma-separated")
        }
        // Repeated degrees would list every layout twice.
        let degrees = Array(Set(contextParallel)).sorted()
        guard !degrees.isEmpty, degrees.count <= Self.maximumContextDegrees else {
            throw .badInput(
                "--cp", value: "\(degrees.count) degrees", "give 1 to \(Self.maximumContextDegrees) distinct degrees")
        }
        let headroom = try shape.validatedMemoryHeadroom()
        let options = EstimateOptions(profile: profile, memoryHeadroom: headroom)
        let search = StaticLayoutSearch(model: model, cluster: cluster, options: options)
        let usable = options.usableMemoryBytes(of: cluster.gpu) / 1_073_741_824
        for (flag, values) in [
            ("--tp", tensorParallel), ("--pp", pipelineParallel), ("--ep", expertParallel),
            ("--micro-batch", microBatches),
        ] {
            if let values, values.isEmpty || values.contains(where: { $0 < 1 || $0 > Limits.gpus }) {
                throw .badInput(
                    flag, value: values.map(String.init).joined(separator: ","),
                    "must list whole numbers from 1 to \(Limits.gpus), comma-separated")
            }
        }
        let (tp, pp, ep, micro, even) = (
            tensorParallel.map(Set.init), pipelineParallel.map(Set.init), expertParallel.map(Set.init),
            microBatches.map(Set.init), evenStagesOnly
        )
        let outcome = search.search(template: template, contextParallel: degrees, offload: !noCpuOffload) { layout in
            (tp?.contains(layout.tensorParallel) ?? true) && (pp?.contains(layout.pipelineParallel) ?? true)
                && (ep?.contains(layout.expertParallel) ?? true) && (micro?.contains(layout.microBatch) ?? true)
                && !(even && layout.unevenPipeline(model: model))
        }
        guard !outcome.ranked.isEmpty else {
            let least =
                outcome.leastMemoryBytes.map { String(format: "the smallest needs %.1f GiB", $0 / 1_073_741_824) }
                ?? "none is valid for this batch shape"
            throw .infeasible(
                "--model",
                "no layout of \(cluster.gpuCount) GPUs fits in \(String(format: "%.1f", usable)) GiB usable per GPU "
                    + "(\(String(format: "%.1f", options.headroomBytes(of: cluster.gpu) / 1_073_741_824)) GiB headroom, "
                    + "--memory-headroom): \(least)")
        }
        let shown = Array((allVariants ? outcome.ranked : outcome.bestPerSplit).prefix(top))
        return Outcome(
            model: model, cluster: cluster, template: template, search: outcome, shown: shown, usableGiB: usable)
    }

    /// More distinct context-parallel degrees than any cluster has divisors of its GPU count.
    public static let maximumContextDegrees = 64
}

/// `layouts --json`.
public struct LayoutsReport: Encodable, Sendable {
    public struct Entry: Encodable, Sendable {
        public let strategy: ParallelStrategy
        public let iterationSeconds: Double
        public let mfu: Double
        public let tokensPerSecondPerGPU: Double
        public let memoryBytes: Double
        /// The layers do not split evenly over the (virtual) stages: Megatron needs `--pipeline-model-parallel-layout`.
        public let unevenPipeline: Bool
        /// The layout as Megatron-LM's command-line arguments.
        public let megatronArguments: [String]

        public init(_ ranked: StaticLayoutSearch.Ranked, model: TransformerModel) {
            strategy = ranked.strategy
            iterationSeconds = ranked.estimate.iterationSeconds
            mfu = ranked.estimate.mfu
            tokensPerSecondPerGPU = ranked.estimate.tokensPerSecondPerGPU
            memoryBytes = ranked.estimate.memory.peak
            unevenPipeline = ranked.strategy.unevenPipeline(model: model)
            megatronArguments = MegatronArguments.commandLine(model: model, strategy: ranked.strategy)
        }
    }

    public let tried: Int
    public let fitting: Int
    public let layouts: [Entry]
    /// How far the estimator that ranked them was from published runs of this kind of model (`PublishedAccuracy`).
    public let accuracy: String
}
