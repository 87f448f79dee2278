import Foundation
import Testing

@Suite(.serialized) struct WhatIfCLITests {
    let trace = "Examples/traces/trace-ST.csv"
    let meta = "Examples/traces/meta-ST.yaml"

    @Test func summaryReportAndHeatmap() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whatif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("report.json").path
        let heatmap = folder.appendingPathComponent("heat.svg").path
        let timeline = folder.appendingPathComponent("timeline.json").path
        let ideal = folder.appendingPathComponent("ideal.json").path
        let outcome = try CLIRunner.run([
            "whatif", "--trace", trace, "--meta", meta, "--output", report, "--heatmap", heatmap,
            "--timeline", timeline, "--ideal-timeline", ideal, "--layers", "32",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for part in ["slowdown S = 1.179", "cause: the last pipeline stage", "M_S 1.219", "by worker: dp 1 stage 3"] {
            #expect(outcome.stdout.contains(part), "missing \(part) in \(outcome.stdout)")
        }
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        for key in ["slowdown", "stepSeconds", "attribution", "mw", "ms", "heatmap", "culprit", "replayError"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let attribution = try #require(json["attribution"] as? [String: Any])
        for key in ["byOpType", "byDPRank", "byStage", "byWorker"] {
            #expect(attribution[key] != nil, "missing \(key)")
        }
        #expect(try String(contentsOfFile: heatmap, encoding: .utf8).hasPrefix("<svg"))
        #expect(outcome.stdout.contains("re-split of layers: 8/8/8/8 → 10/9/9/4"))
        // The recorded micro-batches reassigned by ParaPlan's batch balancer, priced by the same replay.
        #expect(outcome.stdout.contains("micro-batches rebalanced over the DP ranks by plan batch-balance"))
        let remedies = try #require(json["remedies"] as? [String: Any])
        let rebalanced = try #require(remedies["rebalancedMicroBatches"] as? [String: Any])
        #expect(rebalanced["movedMicroBatches"] is Int && rebalanced["remedy"] != nil)
        for path in [timeline, ideal] {
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let events = try #require(document["traceEvents"] as? [[String: Any]])
            #expect(events.filter { $0["ph"] as? String == "X" }.count == 6784)
        }
        // The same bytes on stdout with --json, and from a second run.
        let again = try CLIRunner.run(["whatif", "--trace", trace, "--meta", meta, "--layers", "32", "--json"])
        let written = try String(contentsOfFile: report, encoding: .utf8)
        #expect(again.status == 0 && again.stdout == written)
    }

    /// Measured speeds as a cluster file that `estimate` reads. The ST trace has no slow machine, so every factor is 1;
    /// the factors themselves are checked on generated traces (InjectedStragglerTests).
    @Test func speedFactorsClusterFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("speeds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = folder.appendingPathComponent("cluster.json").path
        let fragment = folder.appendingPathComponent("f.json").path
        let outcome = try CLIRunner.run([
            "whatif", "--trace", trace, "--meta", meta, "--speed-factors", cluster,
            "--gpu", "h100-sxm", "--gpus-per-node", "4",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cluster))) as? [String: Any])
        #expect(document["nodes"] as? Int == 2 && document["gpusPerNode"] as? Int == 4)
        #expect((document["speedFactors"] as? [Double])?.count == 8)
        let estimate = try CLIRunner.run([
            "estimate", "--model", "llama-3-8b", "--cluster", cluster, "--tp", "2", "--pp", "4",
            "--global-batch", "8", "--seq-len", "2048",
        ])
        #expect(estimate.status == 0 || estimate.status == 3, "\(estimate.stderr)")
        #expect(estimate.stdout.contains("2 × 4 h100-sxm"), "\(estimate.stdout)")
        let bare = try CLIRunner.run(["whatif", "--trace", trace, "--meta", meta, "--speed-factors", fragment])
        #expect(bare.status == 0)
        #expect(try String(contentsOfFile: fragment, encoding: .utf8).hasPrefix("{\"speedFactors\":[1,1,1,1,1,1,1,1]}"))
        for (arguments, part) in [
            (["--gpu", "b9000"], "--gpu = b9000"), (["--gpu", "h100-sxm", "--gpus-per-node", "3"], "must divide"),
        ] {
            let bad = try CLIRunner.run(
                ["whatif", "--trace", trace, "--meta", meta, "--speed-factors", fragment] + arguments)
            #expect(bad.status == 2 && bad.stderr.contains(part), "\(bad.stderr)")
        }
    }

    @Test func badInputIsOneLineWithExitTwo() throws {
        let badMeta = try CLIRunner.temporaryFile("dp_size: 2\npp_size: 3\n", suffix: "yaml")
        let badTrace = try CLIRunner.temporaryFile("dp_rank,stage\n0,0\n", suffix: "csv")
        defer { for path in [badMeta, badTrace] { try? FileManager.default.removeItem(atPath: path) } }
        for (arguments, part) in [
            (["--trace", trace, "--meta", badMeta], "outside the meta file"),
            (["--trace", badTrace, "--meta", meta], "column rank missing"),
            (["--trace", "missing.csv", "--meta", meta], "missing.csv"),
            (["--trace", trace], "--meta"),
        ] {
            let outcome = try CLIRunner.run(["whatif"] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains(part), "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        }
        let json = try CLIRunner.run(["whatif", "--trace", trace, "--meta", badMeta, "--json"])
        #expect(json.status == 2 && json.stderr.hasPrefix("{\"error\""), "\(json.stderr)")
    }
}
