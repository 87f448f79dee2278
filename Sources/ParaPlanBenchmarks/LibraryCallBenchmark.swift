import Foundation
import Frontend
import ParaPlan

/// `paraplan-bench library-calls SPEC.json`: times the Swift library calls the Python benchmark
/// (python/benchmarks/call_latency.py) makes through the C ABI, on the inputs it writes, and prints JSON.
/// Each call is what a Swift training loop does per step: plan, then the execution plan as a value; the JSON encoding
/// the ABI adds on top is timed apart.
enum LibraryCallBenchmark {
    struct Spec: Decodable {
        struct Case: Decodable {
            var name: String
            var kind: String
            var profile: String?
            var cluster: String?
            var ranks: Int?
            var equalCounts: Bool?
            var slotsPerGPU: Int?
            var groups: Int?
            var lengths: [Int]?
            var tokens: [Int]?
            var loads: [[Double]]?
        }

        var repetitions: Int
        var cases: [Case]
    }

    struct Timing: Encodable {
        var name: String
        var medianSeconds: Double
        var encodeMedianSeconds: Double
    }

    static func run(specPath: String) throws {
        let spec = try JSONDecoder().decode(Spec.self, from: try Data(contentsOf: URL(fileURLWithPath: specPath)))
        var timings: [Timing] = []
        for item in spec.cases {
            let call = try makeCall(item)
            var plan: Data?
            let measured = try Measurement.run(item.name, repetitions: spec.repetitions) { plan = try call.plan() }
            guard plan != nil else { throw BenchmarkFailure(message: "\(item.name): no plan") }
            let encoded = try Measurement.run(item.name, repetitions: spec.repetitions) { plan = try call.encode() }
            timings.append(Timing(name: item.name, medianSeconds: measured.median, encodeMedianSeconds: encoded.median))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(timings), as: UTF8.self))
    }

    /// The planner built once, as a training loop would; `plan` is the per-step call, `encode` the ABI's extra work.
    private struct Call {
        var plan: () throws -> Data?
        var encode: () throws -> Data?
    }

    private static func makeCall(_ item: Spec.Case) throws -> Call {
        switch item.kind {
        case "sequence-parallel":
            let planner = try SequenceParallelRequest(cost: .profile(.named(item.profile ?? ""))).makePlanner()
            let lengths = item.lengths ?? []
            let result = try SequenceParallelRequest.plan(planner, lengths: lengths, source: "lengths").executionPlan()
            return Call(
                plan: {
                    _ = try SequenceParallelRequest.plan(planner, lengths: lengths, source: "lengths").executionPlan()
                    return Data()
                },
                encode: { try PlanTools.encode(result, compact: true) })
        case "batch-balance":
            let balancer = try BatchBalanceRequest(
                cost: .profile(.named(item.profile ?? "")), ranks: item.ranks ?? 1,
                equalCounts: item.equalCounts ?? false
            ).makeBalancer()
            let samples = (item.tokens ?? []).map { Sample(tokens: $0) }
            let result = try BatchBalanceRequest.plan(balancer, samples: samples, source: "samples").executionPlan()
            return Call(
                plan: {
                    _ = try BatchBalanceRequest.plan(balancer, samples: samples, source: "samples").executionPlan()
                    return Data()
                },
                encode: { try PlanTools.encode(result, compact: true) })
        case "expert-placement":
            let (planner, experts) = try ExpertPlacementRequest(
                cluster: .named(item.cluster ?? ""), slotsPerGPU: item.slotsPerGPU ?? 1,
                groups: item.groups
            ).makePlanner()
            let loads = item.loads ?? []
            let result = try ExpertPlacementRequest.plan(
                planner, modelExperts: experts, loads: loads, origins: nil, previous: nil,
                source: "loads"
            ).executionPlan()
            return Call(
                plan: {
                    _ = try ExpertPlacementRequest.plan(
                        planner, modelExperts: experts, loads: loads, origins: nil, previous: nil, source: "loads"
                    )
                    .executionPlan()
                    return Data()
                }, encode: { try PlanTools.encode(result, compact: true) })
        default:
            throw BenchmarkFailure(message: "\(item.name): unknown kind \(item.kind)")
        }
    }
}
