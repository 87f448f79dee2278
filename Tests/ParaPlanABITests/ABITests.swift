import Foundation
import Frontend
import ParaPlan
import Testing

@testable import ParaPlanABI

/// The C ABI called as C would call it: statuses, messages, and plans equal to the library's own.
@Suite struct ABITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        defer { ppFree(pointer) }
        return pointer.map { String(cString: $0) } ?? ""
    }

    private func planner(_ kind: String, _ options: String) throws -> UnsafeMutableRawPointer {
        var handle: UnsafeMutableRawPointer?
        var error: UnsafeMutablePointer<CChar>?
        let status = ppPlannerNew(kind, options, &handle, &error)
        #expect(status == 0, "\(take(error))")
        return try #require(handle)
    }

    @Test func versionAndStaticText() {
        #expect(ppAbiVersion() == 1)
        #expect(String(cString: ppVersion()) == ParaPlanInfo.version)
    }

    @Test func sequenceParallelPlanEqualsTheFrontendPlan() throws {
        let profile = Self.root.appendingPathComponent("Examples/profiles/flexsp-gpt7b.yaml").path
        let handle = try planner("sequence-parallel", "{\"profile\": \"\(profile)\"}")
        defer { ppPlannerFree(handle) }
        let lengths: [Int64] = [1_000, 20_000, 3_000, 150_000, 700]
        var plan: UnsafeMutableRawPointer?
        var error: UnsafeMutablePointer<CChar>?
        #expect(
            lengths.withUnsafeBufferPointer { ppPlanSequenceParallel(handle, $0.baseAddress, 5, &plan, &error) } == 0)
        #expect(error == nil)
        defer { ppPlanFree(plan) }
        var result: UnsafeMutablePointer<CChar>?
        #expect(ppPlanJSON(plan, 1, &result) == 0)
        let text = take(result)
        var header: UnsafeMutablePointer<CChar>?
        var ints: UnsafePointer<Int64>?
        var doubles: UnsafePointer<Double>?
        var intCount: Int64 = 0
        var doubleCount: Int64 = 0
        #expect(ppPlanExport(plan, &header, &ints, &intCount, &doubles, &doubleCount) == 0)
        let exported = take(header)
        #expect(exported.contains("\"arrays\":{") && exported.contains("\"sequences\":{\"count\":5,"))
        // Every sequence once, in the flat array after the 4 numbers of each group.
        let all = Array(UnsafeBufferPointer(start: ints, count: Int(intCount)))
        #expect(Set(all.suffix(5)) == Set(0..<5))
        let planner = try SequenceParallelRequest(cost: .profile(.named(profile))).makePlanner()
        let expected = try PlanTools.encode(
            try SequenceParallelRequest.plan(planner, lengths: lengths.map { Int($0) }, source: "lengths")
                .executionPlan(), compact: true)
        #expect(text == String(decoding: expected, as: UTF8.self))
    }

    @Test func statusesAndMessages() throws {
        let profile = Self.root.appendingPathComponent("Examples/profiles/flexsp-gpt7b.yaml").path
        let handle = try planner("sequence-parallel", "{\"profile\": \"\(profile)\"}")
        defer { ppPlannerFree(handle) }
        var result: UnsafeMutablePointer<CChar>?
        var plan: UnsafeMutableRawPointer?
        let bad: [Int64] = [100, -2]
        #expect(bad.withUnsafeBufferPointer { ppPlanSequenceParallel(handle, $0.baseAddress, 2, &plan, &result) } == 2)
        #expect(plan == nil)
        #expect(take(result).hasPrefix("lengths: lengths[1] = -2: a length must be a positive whole number"))
        let long: [Int64] = [100, 100_000_000]
        #expect(long.withUnsafeBufferPointer { ppPlanSequenceParallel(handle, $0.baseAddress, 2, &plan, &result) } == 3)
        #expect(take(result).contains("longer than the largest SP group"))
        #expect(ppPlanSequenceParallel(handle, nil, 3, &plan, &result) == 2)
        #expect(take(result) == "lengths: is NULL")
        #expect(ppPlanSequenceParallel(handle, nil, -1, &plan, &result) == 2)
        #expect(take(result).contains("must hold 0 to"))
        #expect(ppPlanBatchBalance(handle, nil, 0, nil, nil, nil, &plan, &result) == 2)
        #expect(take(result) == "planner: is a sequence-parallel planner, not batch-balance")
        #expect(ppPlanSequenceParallel(handle, nil, 0, nil, &result) == 2)
        #expect(take(result) == "plan: the out-pointer is NULL")
        #expect(ppPlanJSON(handle, 0, &result) == 2)
        #expect(take(result).contains("not a live plan"))
        var none: UnsafeMutableRawPointer?
        #expect(ppPlannerNew("sequence-parallel", "{\"profile\": 7}", &none, &result) == 2)
        #expect(none == nil)
        #expect(take(result).hasPrefix("--profile = 7: must be a preset name, a file path or a mapping"))
        #expect(ppPlannerNew("batch-balance", "{\"ranks\": 1.5, \"profile\": \"x\"}", &none, &result) == 2)
        #expect(take(result).hasPrefix("--ranks = 1.5: must be a whole number"))
        #expect(ppPlannerNew("batch-balance", "{\"rank\": 2}", &none, &result) == 2)
        #expect(take(result).hasPrefix("options = rank: unknown option"))
    }

    @Test func freedHandlesAreRefused() throws {
        let handle = try planner(
            "gnn-pipeline",
            """
            {"model": {"type": "gcn", "layers": 4, "inputWidth": 8, "hiddenWidth": 8, "outputWidth": 2}, "cluster": "dgx-a100:1"}
            """)
        ppPlannerFree(handle)
        ppPlannerFree(handle)
        var result: UnsafeMutablePointer<CChar>?
        var plan: UnsafeMutableRawPointer?
        #expect(ppPlanGNNPipeline(handle, nil, 0, 0, "{}", &plan, &result) == 2)
        #expect(take(result).contains("not a live planner"))
    }

    @Test func callCommands() {
        var result: UnsafeMutablePointer<CChar>?
        #expect(ppCall("presets", "{}", &result) == 0)
        #expect(take(result).contains("\"hgx-h100\""))
        #expect(
            ppCall(
                "estimate",
                "{\"model\": \"llama-3-8b\", \"cluster\": \"hgx-h100:1\", \"global-batch\": 8, \"seq-len\": 2048}",
                &result) == 0)
        #expect(take(result).contains("\"iterationSeconds\""))
        #expect(
            ppCall(
                "layouts",
                "{\"model\": \"llama-3-8b\", \"cluster\": \"hgx-h100:1\", \"global-batch\": 8, \"seq-len\": 2048, \"cp\": [1, 1, 2]}",
                &result) == 0)
        #expect(take(result).contains("\"tried\""))
        #expect(ppCall("validate", "{\"plan\": \"{}\"}", &result) == 2)
        #expect(!take(result).isEmpty)
        #expect(ppCall(nil, nil, &result) == 2)
        #expect(take(result) == "command: is NULL")
    }
}

/// Plans of every kind, from the examples, encode through CanonicalJSON exactly as through JSONEncoder.
@Suite struct CanonicalPlanBytesTests {
    @Test func everyPlanKindMatchesJSONEncoder() throws {
        let root = ABITests.root.path
        let reference = JSONEncoder()
        reference.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let sp = try SequenceParallelRequest(cost: .profile(.named(root + "/Examples/profiles/flexsp-gpt7b.yaml")))
            .makePlanner()
        let lengths = try LengthsFile.parse(
            try InputFile.readOrFail(root + "/Examples/batches/wikipedia-batch0.txt"), source: "batch")
        let spPlan = try SequenceParallelRequest.plan(sp, lengths: lengths, source: "lengths").executionPlan()
        #expect(try PlanCoding.encode(spPlan, compact: true) == (try reference.encode(spPlan)) + [0x0A])

        let samples = try SamplesFile.parse(
            try InputFile.readOrFail(root + "/Examples/samples/multimodal-256.jsonl"), source: "samples")
        let balancer = try BatchBalanceRequest(
            cost: .derived(
                model: .named(root + "/Examples/models/qwen2-vl-7b.config.json"),
                cluster: .named("hgx-h100:8")),
            ranks: 64, equalCounts: true, phases: "encoder,llm", splitImages: true
        ).makeBalancer()
        let bbPlan = try BatchBalanceRequest.plan(balancer, samples: samples, source: "samples").executionPlan()
        #expect(try PlanCoding.encode(bbPlan, compact: true) == (try reference.encode(bbPlan)) + [0x0A])

        let loads = try ExpertLoadsFile.parse(
            try InputFile.readOrFail(root + "/Examples/moe/loads-64-experts.json"), source: "loads")
        let origins = try ExpertLoadsFile.parseOrigins(
            try InputFile.readOrFail(root + "/Examples/moe/origins-64-experts.json"), source: "o")
        let (experts, count) = try ExpertPlacementRequest(cluster: .named("hgx-h800:2"), slotsPerGPU: 5, groups: 8)
            .makePlanner()
        let epPlan = try ExpertPlacementRequest.plan(
            experts, modelExperts: count, loads: loads, origins: origins, previous: nil,
            source: "loads"
        ).executionPlan()
        #expect(try PlanCoding.encode(epPlan, compact: true) == (try reference.encode(epPlan)) + [0x0A])

        let gnn = try GNNPipelineRequest(
            model: .named(root + "/Examples/gnn/gcnii-16.yaml"), cluster: .named("dgx-a100:2")
        ).makePlanner()
        let graph = try GraphFile.parse(
            try InputFile.readOrFail(root + "/Examples/gnn/community-3k.txt"), format: .edgeList, source: "g"
        ).graph
        let gnnPlan = try GNNPipelineRequest.plan(gnn, graph: graph).executionPlan()
        #expect(try PlanCoding.encode(gnnPlan, compact: true) == (try reference.encode(gnnPlan)) + [0x0A])
    }
}
