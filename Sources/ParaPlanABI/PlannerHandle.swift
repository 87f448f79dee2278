import Foundation
import Frontend
import ParaPlan
import Synchronization

/// A planner built once from options and reused for every step; shared by any number of threads (planners are
/// values; planning reads them only).
final class PlannerHandle: Sendable {
    enum Planner: Sendable {
        case sequenceParallel(SequenceParallelPlanner)
        case batchBalance(BatchBalancer)
        case expertPlacement(ExpertPlacementPlanner, modelExperts: Int?)
        case gnnPipeline(GNNPipelinePlanner)

        var kind: String {
            switch self {
            case .sequenceParallel: "sequence-parallel"
            case .batchBalance: "batch-balance"
            case .expertPlacement: "expert-placement"
            case .gnnPipeline: "gnn-pipeline"
            }
        }
    }

    let planner: Planner

    init(planner: Planner) {
        self.planner = planner
    }

    static let kinds = ["sequence-parallel", "batch-balance", "expert-placement", "gnn-pipeline"]

    /// The planner `kind` names, from its options (the CLI's flags as JSON keys).
    static func make(kind: String, options: String) throws(FrontendError) -> PlannerHandle {
        switch kind {
        case "sequence-parallel":
            let reader = try OptionsReader(
                json: options, allowed: ["profile", "model", "cluster", "time-budget-ms", "speed-factors"])
            let request = SequenceParallelRequest(
                cost: try costSource(reader), timeBudgetMs: try reader.int("time-budget-ms"),
                speedFactors: try reader.source("speed-factors"))
            return PlannerHandle(planner: .sequenceParallel(try request.makePlanner()))
        case "batch-balance":
            let reader = try OptionsReader(
                json: options,
                allowed: [
                    "profile", "model", "cluster", "ranks", "micro-batches", "equal-counts",
                    "max-tokens-per-micro-batch", "phases",
                    "sync-every-phase", "keep-encoder-phase", "split-images", "speed-factors",
                ])
            let request = BatchBalanceRequest(
                cost: try costSource(reader), ranks: try reader.required("ranks"),
                microBatches: try reader.int("micro-batches"),
                equalCounts: try reader.bool("equal-counts"),
                maxTokensPerMicroBatch: try reader.int("max-tokens-per-micro-batch"),
                phases: try reader.string("phases") ?? "llm", syncEveryPhase: try reader.bool("sync-every-phase"),
                keepEncoderPhase: try reader.bool("keep-encoder-phase"), splitImages: try reader.bool("split-images"),
                speedFactors: try reader.source("speed-factors"))
            return PlannerHandle(planner: .batchBalance(try request.makeBalancer()))
        case "expert-placement":
            let reader = try OptionsReader(
                json: options,
                allowed: [
                    "cluster", "slots-per-gpu", "groups", "max-moves", "balance-tolerance", "model", "speed-factors",
                ])
            guard let cluster = try reader.source("cluster") else { throw .badInput("--cluster", "required") }
            let request = ExpertPlacementRequest(
                cluster: cluster, slotsPerGPU: try reader.required("slots-per-gpu"), groups: try reader.int("groups"),
                maxMoves: try reader.int("max-moves"), balanceTolerance: try reader.double("balance-tolerance") ?? 0,
                model: try reader.source("model"), speedFactors: try reader.source("speed-factors"))
            let (planner, experts) = try request.makePlanner()
            return PlannerHandle(planner: .expertPlacement(planner, modelExperts: experts))
        case "gnn-pipeline":
            let reader = try OptionsReader(json: options, allowed: ["model", "cluster", "chunks", "ways"])
            guard let model = try reader.source("model") else { throw .badInput("--model", "required") }
            guard let cluster = try reader.source("cluster") else { throw .badInput("--cluster", "required") }
            let request = GNNPipelineRequest(
                model: model, cluster: cluster, chunks: try reader.int("chunks"), ways: try reader.int("ways"))
            return PlannerHandle(planner: .gnnPipeline(try request.makePlanner()))
        default:
            throw .badInput("kind", value: "\"\(kind.prefix(60))\"", "must be one of \(kinds.joined(separator: ", "))")
        }
    }

    private static func costSource(_ reader: OptionsReader) throws(FrontendError) -> PlannerCostSource {
        try PlannerCostSource.of(
            profile: try reader.source("profile"), model: try reader.source("model"),
            cluster: try reader.source("cluster"))
    }
}

/// The handles a caller holds, so a freed or made-up pointer is an error instead of a crash.
final class Registry<Handle: AnyObject & Sendable>: Sendable {
    private let live = Mutex(Set<UInt>())

    func register(_ handle: Handle) -> UnsafeMutableRawPointer {
        let pointer = Unmanaged.passRetained(handle).toOpaque()
        live.withLock { _ = $0.insert(UInt(bitPattern: pointer)) }
        return pointer
    }

    /// The handle behind `pointer`, if it is live; the caller's reference keeps it alive for the call.
    func take(_ pointer: UnsafeRawPointer?) -> Handle? {
        guard let pointer else { return nil }
        return live.withLock { set -> Handle? in
            guard set.contains(UInt(bitPattern: pointer)) else { return nil }
            return Unmanaged<Handle>.fromOpaque(pointer).takeUnretainedValue()
        }
    }

    func release(_ pointer: UnsafeRawPointer?) {
        guard let pointer else { return }
        let removed = live.withLock { $0.remove(UInt(bitPattern: pointer)) != nil }
        if removed { Unmanaged<Handle>.fromOpaque(pointer).release() }
    }
}

let planners = Registry<PlannerHandle>()
let plans = Registry<PlanHandle>()
