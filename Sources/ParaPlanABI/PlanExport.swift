import ExecutionPlan
import Foundation
import Frontend

/// A plan handed to a caller: its bulk numbers in two flat arrays (int64 and float64) that a binding copies in one
/// go, every other field in a small JSON header, and the plan itself for its canonical JSON on demand. Parsing a
/// 0.5 MB JSON plan costs Python 10 ms; copying its arrays costs microseconds. Immutable once made, so threads may
/// share it (the buffers are written only in `init`).
final class PlanHandle: @unchecked Sendable {
    let header: Data
    let ints: UnsafeMutableBufferPointer<Int64>
    let doubles: UnsafeMutableBufferPointer<Double>
    private let encoder: @Sendable (Bool) throws -> Data

    init<Body: PlanBody>(_ plan: Plan<Body>) throws(FrontendError) {
        var builder = ExportBuilder()
        let header: Data
        do {
            header = try Self.header(plan, &builder)
        } catch {
            throw FrontendError(code: .internalFailure, message: "could not export the plan: \(error)")
        }
        self.header = header
        ints = .allocate(capacity: builder.ints.count)
        _ = ints.initialize(from: builder.ints)
        doubles = .allocate(capacity: builder.doubles.count)
        _ = doubles.initialize(from: builder.doubles)
        encoder = { compact in try PlanCoding.encode(plan, compact: compact) }
    }

    deinit {
        ints.deallocate()
        doubles.deallocate()
    }

    func json(compact: Bool) throws(FrontendError) -> Data {
        do {
            return try encoder(compact)
        } catch {
            throw FrontendError(code: .internalFailure, message: "could not encode the plan: \(error)")
        }
    }

    private static func header<Body: PlanBody>(_ plan: Plan<Body>, _ builder: inout ExportBuilder) throws -> Data {
        let envelope = Envelope(
            format: plan.format, kind: plan.kind, predicted: plan.predicted, baselines: plan.baselines,
            solver: plan.solver, inputs: plan.inputs)
        switch plan.body {
        case let body as SequenceParallelPlan:
            var groups: [Int] = []
            var sequences: [Int] = []
            var schemes: [Int] = []
            for (index, batch) in body.microBatches.enumerated() {
                for group in batch.groups {
                    groups += [index, group.degree, group.firstRank, group.sequences.count]
                    sequences += group.sequences
                    schemes += [group.ulysses ?? group.degree, group.ring ?? 1]
                }
            }
            builder.ints("groups", groups)
            builder.ints("groupSchemes", schemes)
            builder.ints("sequences", sequences)
            builder.doubles("microBatchSeconds", body.microBatches.map(\.predictedSeconds))
            return try builder.header(envelope, SequenceParallelFields(gpus: body.gpus))
        case let body as BatchBalancePlan:
            builder.ints("rank", body.ranks.map(\.rank))
            builder.ints("rankMicroBatches", body.ranks.map(\.microBatches.count))
            builder.ints("microBatchSizes", body.ranks.flatMap { $0.microBatches.map(\.count) })
            builder.ints("samples", body.ranks.flatMap { $0.microBatches.joined() })
            builder.doubles("rankSeconds", body.ranks.map(\.predictedSeconds))
            if body.ranks.allSatisfy({ $0.tokens != nil }) {
                builder.ints("rankTokens", body.ranks.map { $0.tokens ?? 0 })
            }
            if let sends = body.sends { builder.ints("sends", sends.flatMap { [$0.sample, $0.from, $0.to] }) }
            return try builder.header(
                envelope, BatchBalanceFields(encoder: body.encoder, moved: body.moved, stepModel: body.stepModel))
        case let body as ExpertPlacementPlan:
            builder.ints("layerGPUs", body.layers.map(\.gpus.count))
            builder.ints("gpuSlots", body.layers.flatMap { $0.gpus.map(\.count) })
            builder.ints("slots", body.layers.flatMap { $0.gpus.joined() })
            builder.ints("shareCounts", body.layers.flatMap { $0.shares.map(\.count) })
            builder.doubles("shares", body.layers.flatMap { $0.shares.joined() })
            builder.doubles("maxLoad", body.layers.map(\.maxLoad))
            builder.doubles("meanLoad", body.layers.map(\.meanLoad))
            builder.doubles("interNodeTokens", body.layers.map { $0.interNodeTokens ?? .nan })
            if body.layers.allSatisfy({ $0.dispatch != nil && $0.nodeTokens != nil }) {
                let entries = body.layers.flatMap { ($0.dispatch ?? []).joined() }
                builder.doubles("nodeTokens", body.layers.flatMap { ($0.nodeTokens ?? []).joined() })
                builder.ints("dispatchCounts", entries.map(\.count))
                builder.ints("dispatchReplicas", entries.flatMap { $0.map { Int($0[0]) } })
                builder.doubles("dispatchFractions", entries.flatMap { $0.map { $0[1] } })
            }
            return try builder.header(
                envelope,
                ExpertPlacementFields(
                    experts: body.experts, gpusPerNode: body.gpusPerNode, slotsPerGPU: body.slotsPerGPU,
                    secondsPerToken: body.secondsPerToken, bytesPerToken: body.bytesPerToken))
        case let body as GNNPipelinePlan:
            if let chunkOf = body.chunkOf { builder.ints("chunkOf", chunkOf) }
            return try builder.header(
                envelope,
                GNNPipelineFields(
                    graphParallelWays: body.graphParallelWays, stages: body.stages, chunks: body.chunks,
                    chunkOfFile: body.chunkOfFile,
                    chunkSizes: body.chunkSizes, mirrorsSource: body.mirrorsSource))
        default:
            throw FrontendError(code: .internalFailure, message: "no export for \(Body.kind.rawValue) plans")
        }
    }
}

/// The flat arrays and where each named one sits in them.
struct ExportBuilder {
    struct Slice: Encodable {
        var type: String
        var offset: Int
        var count: Int
    }

    var ints: [Int64] = []
    var doubles: [Double] = []
    var arrays: [String: Slice] = [:]

    mutating func ints(_ name: String, _ values: some Collection<Int>) {
        arrays[name] = Slice(type: "int64", offset: ints.count, count: values.count)
        ints.append(contentsOf: values.lazy.map { Int64($0) })
    }

    mutating func doubles(_ name: String, _ values: [Double]) {
        arrays[name] = Slice(type: "float64", offset: doubles.count, count: values.count)
        doubles.append(contentsOf: values)
    }

    /// `{"arrays": …, "plan": envelope and the kind's small fields}`.
    func header<Cost: PlanCost>(_ envelope: Envelope<Cost>, _ fields: some Encodable) throws -> Data {
        try CanonicalJSON.encode(Header(arrays: arrays, plan: Merged(envelope: envelope, fields: fields)))
    }
}

struct Envelope<Cost: PlanCost>: Encodable {
    var format: String
    var kind: PlanKind
    var predicted: Predicted<Cost>
    var baselines: [Baseline<Cost>]
    var solver: SolverReport
    var inputs: InputDigest
}

private struct Header<Plan: Encodable>: Encodable {
    var arrays: [String: ExportBuilder.Slice]
    var plan: Plan
}

/// The envelope's keys and the kind's keys in one object, as in the plan.
private struct Merged<Cost: PlanCost, Fields: Encodable>: Encodable {
    var envelope: Envelope<Cost>
    var fields: Fields

    func encode(to encoder: any Encoder) throws {
        try envelope.encode(to: encoder)
        try fields.encode(to: encoder)
    }
}

private struct SequenceParallelFields: Encodable { var gpus: Int }

private struct BatchBalanceFields: Encodable {
    var encoder: [BatchBalancePlan.EncoderRank]?
    var moved: BatchBalancePlan.Moved?
    var stepModel: BatchBalancePlan.StepModel?
}

private struct ExpertPlacementFields: Encodable {
    var experts: Int
    var gpusPerNode: Int
    var slotsPerGPU: Int
    var secondsPerToken: Double
    var bytesPerToken: Double?
}

private struct GNNPipelineFields: Encodable {
    var graphParallelWays: Int
    var stages: [GNNPipelinePlan.Stage]
    var chunks: Int
    var chunkOfFile: String?
    var chunkSizes: [Int]?
    var mirrorsSource: String
}
