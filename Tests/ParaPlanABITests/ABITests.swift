import Foundation
import Frontend
import Testing
@testable import ParaPlanABI

/// The C ABI called as C would call it: statuses, messages, and plans equal to the library's own.
@Suite struct ABITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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
        #expect(String(cString: ppVersion()) == "0.1.0")
    }

    @Test func sequenceParallelPlanEqualsTheFrontendPlan() throws {
        let profile = Self.root.appendingPathComponent("Examples/profiles/flexsp-gpt7b.yaml").path
        let handle = try planner("sequence-parallel", "{\"profile\": \"\(profile)\"}")
        defer { ppPlannerFree(handle) }
        let lengths: [Int64] = [1_000, 20_000, 3_000, 150_000, 700]
        var result: UnsafeMutablePointer<CChar>?
        #expect(lengths.withUnsafeBufferPointer { ppPlanSequenceParallel(handle, $0.baseAddress, 5, &result) } == 0)
        let text = take(result)
        let planner = try SequenceParallelRequest(cost: .profile(.named(profile))).makePlanner()
        let expected = try PlanTools.encode(try SequenceParallelRequest.plan(planner, lengths: lengths.map { Int($0) }, source: "lengths")
            .executionPlan(), compact: true)
        #expect(text == String(decoding: expected, as: UTF8.self))
    }

    @Test func statusesAndMessages() throws {
        let profile = Self.root.appendingPathComponent("Examples/profiles/flexsp-gpt7b.yaml").path
        let handle = try planner("sequence-parallel", "{\"profile\": \"\(profile)\"}")
        defer { ppPlannerFree(handle) }
        var result: UnsafeMutablePointer<CChar>?
        let bad: [Int64] = [100, -2]
        #expect(bad.withUnsafeBufferPointer { ppPlanSequenceParallel(handle, $0.baseAddress, 2, &result) } == 2)
        #expect(take(result).hasPrefix("lengths: lengths[1] = -2: a length must be a positive whole number"))
        let long: [Int64] = [100, 100_000_000]
        #expect(long.withUnsafeBufferPointer { ppPlanSequenceParallel(handle, $0.baseAddress, 2, &result) } == 3)
        #expect(take(result).contains("longer than the largest SP group"))
        #expect(ppPlanSequenceParallel(handle, nil, 3, &result) == 2)
        #expect(take(result) == "lengths: is NULL")
        #expect(ppPlanSequenceParallel(handle, nil, -1, &result) == 2)
        #expect(take(result).contains("must hold 0 to"))
        #expect(ppPlanBatchBalance(handle, nil, 0, nil, nil, nil, &result) == 2)
        #expect(take(result) == "planner: is a sequence-parallel planner, not batch-balance")
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
        let handle = try planner("gnn-pipeline", """
            {"model": {"type": "gcn", "layers": 4, "inputWidth": 8, "hiddenWidth": 8, "outputWidth": 2}, "cluster": "dgx-a100:1"}
            """)
        ppPlannerFree(handle)
        ppPlannerFree(handle)
        var result: UnsafeMutablePointer<CChar>?
        #expect(ppPlanGNNPipeline(handle, nil, 0, 0, "{}", &result) == 2)
        #expect(take(result).contains("not a live planner"))
    }

    @Test func callCommands() {
        var result: UnsafeMutablePointer<CChar>?
        #expect(ppCall("presets", "{}", &result) == 0)
        #expect(take(result).contains("\"hgx-h100\""))
        #expect(ppCall("estimate", "{\"model\": \"llama-3-8b\", \"cluster\": \"hgx-h100:1\", \"global-batch\": 8, \"seq-len\": 2048}", &result) == 0)
        #expect(take(result).contains("\"iterationSeconds\""))
        #expect(ppCall("layouts", "{\"model\": \"llama-3-8b\", \"cluster\": \"hgx-h100:1\", \"global-batch\": 8, \"seq-len\": 2048, \"cp\": [1, 1, 2]}",
                       &result) == 0)
        #expect(take(result).contains("\"tried\""))
        #expect(ppCall("validate", "{\"plan\": \"{}\"}", &result) == 2)
        #expect(!take(result).isEmpty)
        #expect(ppCall(nil, nil, &result) == 2)
        #expect(take(result) == "command: is NULL")
    }
}
