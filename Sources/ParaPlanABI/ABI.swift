import Foundation
import Frontend
import ParaPlan

// The C ABI of include/paraplan.h. Every function returns the CLI's exit code (0 ok, 1 internal, 2 bad input,
// 3 infeasible) and hands out a malloc'd UTF-8 string through its last argument: the answer on success (nothing where
// the answer is a handle), the CLI's one-line message on failure; pp_free releases it. Nothing a caller passes reaches
// code that can trap unchecked: pointers, counts and sizes are checked here, values by the library's validation.

/// Bumped whenever a signature or the meaning of an argument changes; bindings refuse any other.
let abiVersion: UInt32 = 1

@_cdecl("pp_abi_version")
public func ppAbiVersion() -> UInt32 { abiVersion }

/// The library's version, in storage that lives as long as the library (not to be freed).
@_cdecl("pp_version")
public func ppVersion() -> UnsafePointer<CChar> { UnsafePointer(versionText) }

/// Written once, at first use, and never changed: safe to share between threads.
nonisolated(unsafe) private let versionText: UnsafeMutablePointer<CChar> = {
    let bytes = Array(ParaPlanInfo.version.utf8CString)
    let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    copy.initialize(from: bytes, count: bytes.count)
    return copy
}()

@_cdecl("pp_free")
public func ppFree(_ text: UnsafeMutablePointer<CChar>?) { free(text) }

@_cdecl("pp_planner_new")
public func ppPlannerNew(
    _ kind: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
    _ planner: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guard let planner else { return answer(.failure(.badInput("planner", "the out-pointer is NULL")), into: error) }
    planner.pointee = nil
    return answer(into: error) { () throws(FrontendError) in
        let handle = try PlannerHandle.make(
            kind: try CText.read(kind, "kind"), options: try CText.read(options, "options"))
        planner.pointee = planners.register(handle)
        return nil
    }
}

@_cdecl("pp_planner_free")
public func ppPlannerFree(_ planner: UnsafeMutableRawPointer?) { planners.release(planner) }

@_cdecl("pp_plan_sequence_parallel")
public func ppPlanSequenceParallel(
    _ planner: UnsafeRawPointer?, _ lengths: UnsafePointer<Int64>?, _ count: Int64,
    _ plan: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    handOut(plan, error) { () throws(FrontendError) in
        guard case .sequenceParallel(let sp) = try handle(planner, "sequence-parallel").planner else { throw wrongKind }
        let values = try CArray.ints(lengths, count: count, limit: Limits.sequences, name: "lengths")
        let result = try SequenceParallelRequest.plan(sp, lengths: values, source: "lengths")
        return try PlanHandle(try unexpected { try result.executionPlan() })
    }
}

@_cdecl("pp_plan_batch_balance")
public func ppPlanBatchBalance(
    _ planner: UnsafeRawPointer?, _ tokens: UnsafePointer<Int64>?, _ count: Int64,
    _ imageOffsets: UnsafePointer<Int64>?, _ imageTokens: UnsafePointer<Int64>?,
    _ loadedRanks: UnsafePointer<Int64>?, _ plan: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    handOut(plan, error) { () throws(FrontendError) in
        guard case .batchBalance(let balancer) = try handle(planner, "batch-balance").planner else { throw wrongKind }
        let samples = try CArray.samples(
            tokens: tokens, count: count, imageOffsets: imageOffsets, imageTokens: imageTokens,
            loadedRanks: loadedRanks)
        let result = try BatchBalanceRequest.plan(balancer, samples: samples, source: "samples")
        return try PlanHandle(try unexpected { try result.executionPlan() })
    }
}

@_cdecl("pp_plan_expert_placement")
public func ppPlanExpertPlacement(
    _ planner: UnsafeRawPointer?, _ loads: UnsafePointer<Double>?, _ layers: Int64, _ experts: Int64,
    _ origins: UnsafePointer<Double>?, _ originGPUs: Int64, _ previous: UnsafePointer<CChar>?,
    _ plan: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    handOut(plan, error) { () throws(FrontendError) in
        guard case .expertPlacement(let placer, let modelExperts) = try handle(planner, "expert-placement").planner
        else { throw wrongKind }
        let loadMatrix = try CArray.loads(loads, layers: layers, experts: experts)
        let originMatrices = try CArray.origins(origins, layers: layers, gpus: originGPUs, experts: experts)
        let previousSlots = try previous.map { pointer throws(FrontendError) in
            try ExpertPlacementRequest.previousSlots(Data(try CText.read(pointer, "previous").utf8), source: "previous")
        }
        let result = try ExpertPlacementRequest.plan(
            placer, modelExperts: modelExperts, loads: loadMatrix, origins: originMatrices,
            previous: previousSlots, source: "loads")
        return try PlanHandle(try unexpected { try result.executionPlan() })
    }
}

@_cdecl("pp_plan_gnn_pipeline")
public func ppPlanGNNPipeline(
    _ planner: UnsafeRawPointer?, _ edges: UnsafePointer<Int64>?, _ edgeCount: Int64, _ vertices: Int64,
    _ graphStats: UnsafePointer<CChar>?, _ plan: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    handOut(plan, error) { () throws(FrontendError) in
        guard case .gnnPipeline(let gnn) = try handle(planner, "gnn-pipeline").planner else { throw wrongKind }
        let result: GNNPipelineResult
        switch (edges, graphStats) {
        case (let edges?, nil):
            let pairs = try CArray.edgePairs(edges, count: edgeCount)
            let graph = try GNNPipelineRequest.graph(pairs: pairs, vertices: vertices > 0 ? Int(vertices) : nil)
            result = try GNNPipelineRequest.plan(gnn, graph: graph)
        case (nil, let stats?):
            let text = try CText.read(stats, "graph_stats")
            result = try GNNPipelineRequest.plan(
                gnn, stats: try GNNPipelineRequest.stats(Data(text.utf8), source: "graph_stats"))
        default:
            throw .badInput("edges", "give exactly one of edges and graph_stats")
        }
        return try PlanHandle(try unexpected { try result.executionPlan() })
    }
}

/// A plan from its JSON text (a file a runtime holds, a plan sent between ranks), validated first.
@_cdecl("pp_plan_load")
public func ppPlanLoad(
    _ text: UnsafePointer<CChar>?, _ source: UnsafePointer<CChar>?,
    _ plan: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    handOut(plan, error) { () throws(FrontendError) in
        let data = Data(try CText.read(text, "plan").utf8)
        let name = source == nil ? "plan" : try CText.read(source, "source")
        switch try PlanTools.validate(data, source: name).kind {
        case .sequenceParallel: return try PlanHandle(try decoded(SequenceParallelPlan.self, data, name))
        case .batchBalance: return try PlanHandle(try decoded(BatchBalancePlan.self, data, name))
        case .expertPlacement: return try PlanHandle(try decoded(ExpertPlacementPlan.self, data, name))
        case .gnnPipeline: return try PlanHandle(try decoded(GNNPipelinePlan.self, data, name))
        }
    }
}

/// The plan's header (JSON, to pp_free) and its flat arrays, which stay valid until pp_plan_free.
@_cdecl("pp_plan_export")
public func ppPlanExport(
    _ plan: UnsafeRawPointer?, _ header: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ ints: UnsafeMutablePointer<UnsafePointer<Int64>?>?, _ intCount: UnsafeMutablePointer<Int64>?,
    _ doubles: UnsafeMutablePointer<UnsafePointer<Double>?>?, _ doubleCount: UnsafeMutablePointer<Int64>?
) -> Int32 {
    answer(into: header) { () throws(FrontendError) in
        guard let handle = plans.take(plan) else {
            throw .badInput("plan", "is not a live plan (freed, or never made here)")
        }
        guard let ints, let intCount, let doubles, let doubleCount else {
            throw .badInput("plan", "an out-pointer is NULL")
        }
        ints.pointee = UnsafePointer(handle.ints.baseAddress)
        intCount.pointee = Int64(handle.ints.count)
        doubles.pointee = UnsafePointer(handle.doubles.baseAddress)
        doubleCount.pointee = Int64(handle.doubles.count)
        return handle.header
    }
}

/// The plan's canonical JSON: what the CLI writes (compact != 0: with --compact).
@_cdecl("pp_plan_json")
public func ppPlanJSON(
    _ plan: UnsafeRawPointer?, _ compact: Int32, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    answer(into: result) { () throws(FrontendError) in
        guard let handle = plans.take(plan) else {
            throw .badInput("plan", "is not a live plan (freed, or never made here)")
        }
        return try handle.json(compact: compact != 0)
    }
}

@_cdecl("pp_plan_free")
public func ppPlanFree(_ plan: UnsafeMutableRawPointer?) { plans.release(plan) }

private func decoded<Body: PlanBody>(_ body: Body.Type, _ data: Data, _ source: String) throws(FrontendError) -> Plan<
    Body
> {
    do {
        return try PlanCoding.decode(body, from: data)
    } catch {
        throw .badInput(source, "does not decode as \(Body.kind.withArticle) plan")
    }
}

/// Everything else the CLI does, by name: `presets`, `estimate`, `layouts`, `validate`, `format`, `compare`.
@_cdecl("pp_call")
public func ppCall(
    _ command: UnsafePointer<CChar>?, _ request: UnsafePointer<CChar>?,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    answer(into: result) { () throws(FrontendError) in
        try Commands.run(try CText.read(command, "command"), request: try CText.read(request, "request"))
    }
}

// MARK: - Plumbing

private let wrongKind = FrontendError.badInput("planner", "internal mismatch of planner kinds")

/// The live handle behind `pointer`, of the kind the function plans for.
private func handle(_ pointer: UnsafeRawPointer?, _ kind: String) throws(FrontendError) -> PlannerHandle {
    guard let handle = planners.take(pointer) else {
        throw .badInput(
            "planner", pointer == nil ? "is NULL" : "is not a live planner (freed, or never made by pp_planner_new)")
    }
    guard handle.planner.kind == kind else {
        throw .badInput(
            "planner",
            "is \(handle.planner.kind == "expert-placement" ? "an" : "a") \(handle.planner.kind) planner, not \(kind)")
    }
    return handle
}

/// A library failure that no input should cause, reported as an internal error rather than a trap.
private func unexpected<T>(_ body: () throws -> T) throws(FrontendError) -> T {
    do {
        return try body()
    } catch {
        throw FrontendError(code: .internalFailure, message: "could not build the plan: \(error)")
    }
}

/// Runs `body` and hands the plan it makes to the caller as a handle, or its error's message.
private func handOut(
    _ plan: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ body: () throws(FrontendError) -> PlanHandle
) -> Int32 {
    guard let plan else { return answer(.failure(.badInput("plan", "the out-pointer is NULL")), into: error) }
    plan.pointee = nil
    return answer(into: error) { () throws(FrontendError) in
        plan.pointee = plans.register(try body())
        return nil
    }
}

/// Runs `body` and hands its answer (or its error's message) to the caller as a malloc'd C string.
private func answer(
    into result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ body: () throws(FrontendError) -> Data?
) -> Int32 {
    do {
        return answer(.success(try body()), into: result)
    } catch {
        return answer(.failure(error), into: result)
    }
}

private func answer(
    _ outcome: Result<Data?, FrontendError>, into result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    let (code, bytes): (Int32, Data?)
    switch outcome {
    case .success(let data): (code, bytes) = (0, data)
    case .failure(let error):
        (code, bytes) = (error.code.rawValue, Data(error.message.replacingOccurrences(of: "\n", with: " ").utf8))
    }
    guard let result else { return code }
    if let bytes {
        result.pointee = CText.copy(bytes)
    } else {
        result.pointee = nil
    }
    return code
}
