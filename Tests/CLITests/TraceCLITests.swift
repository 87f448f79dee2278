import Foundation
import Testing

/// `paraplan trace`: a plan's predicted schedule as a Chrome trace, and its errors.
@Suite(.serialized) struct TraceCLITests {
    let lengths = "Examples/batches/wikipedia-batch0.txt"
    let profile = "Examples/profiles/flexsp-gpt7b.yaml"

    @Test func sequenceParallelPlanToPerfetto() throws {
        let plan = try CLIRunner.temporaryFile("", suffix: "json")
        let trace = try CLIRunner.temporaryFile("", suffix: "json")
        defer { for path in [plan, trace] { try? FileManager.default.removeItem(atPath: path) } }
        let planned = try CLIRunner.run([
            "plan", "sequence-parallel", "--lengths", lengths, "--profile", profile, "--output", plan,
        ])
        #expect(planned.status == 0, "\(planned.stderr)")
        let outcome = try CLIRunner.run(["trace", plan, "--lengths", lengths, "--profile", profile, "--output", trace])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any])
        let events = try #require(document["traceEvents"] as? [[String: Any]])
        #expect(events.contains { $0["ph"] as? String == "X" && $0["cat"] as? String == "communication" })
        // The same bytes on standard output.
        let again = try CLIRunner.run(["trace", plan, "--lengths", lengths, "--profile", profile, "--output", "-"])
        let written = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(again.status == 0 && again.stdout == written)
        for (arguments, part) in [
            (
                ["--lengths", "Examples/batches/wikipedia-batch0.txt", "--model", "gpt-7b", "--cluster", "hgx-h100:8"],
                "micro-batch 0"
            ),
            (["--profile", profile], "--lengths: required"),
        ] {
            let bad = try CLIRunner.run(["trace", plan] + arguments + ["--output", trace])
            #expect(bad.status == 2 && bad.stderr.contains(part), "\(bad.stderr)")
            #expect(bad.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func plansThatDoNotValidateOrOtherKindsAreRefused() throws {
        let broken = try CLIRunner.temporaryFile("{\"kind\": \"sequence-parallel\"}", suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let invalid = try CLIRunner.run(["trace", broken, "--lengths", lengths, "--profile", profile, "--output", "-"])
        #expect(invalid.status == 2 && invalid.stderr.contains("not a valid plan"), "\(invalid.stderr)")
        let experts = try CLIRunner.temporaryFile("", suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: experts) }
        let placed = try CLIRunner.run([
            "plan", "expert-placement", "--loads", "Examples/moe/loads-64-experts.json",
            "--cluster", "hgx-h800:2", "--slots-per-gpu", "5", "--output", experts,
        ])
        #expect(placed.status == 0, "\(placed.stderr)")
        let other = try CLIRunner.run(["trace", experts, "--output", "-"])
        #expect(
            other.status == 2 && other.stderr.contains("an expert placement has no schedule to draw"), "\(other.stderr)"
        )
    }
}

/// `paraplan report`: a plan's self-contained HTML report.
@Suite(.serialized) struct ReportCLITests {
    @Test func reportsOfBothKindsAndTheirErrors() throws {
        let lengths = "Examples/batches/wikipedia-batch0.txt"
        let profile = "Examples/profiles/flexsp-gpt7b.yaml"
        let plan = try CLIRunner.temporaryFile("", suffix: "json")
        let balance = try CLIRunner.temporaryFile("", suffix: "json")
        defer { for path in [plan, balance] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(
            try CLIRunner.run([
                "plan", "sequence-parallel", "--lengths", lengths, "--profile", profile, "--output", plan,
            ]).status == 0)
        let html = try CLIRunner.run(["report", plan, "--lengths", lengths, "--profile", profile, "--output", "-"])
        #expect(
            html.status == 0 && html.stdout.hasPrefix("<?xml") && html.stdout.contains("Micro-batch 0"),
            "\(html.stderr)")
        #expect(
            try CLIRunner.run([
                "plan", "batch-balance", "--samples", "Examples/samples/multimodal-256.jsonl", "--ranks", "8",
                "--profile", "Examples/profiles/batch-balance-7b.yaml", "--output", balance,
            ]).status == 0)
        let ranks = try CLIRunner.run(["report", balance, "--output", "-"])
        #expect(ranks.status == 0 && ranks.stdout.contains("Predicted seconds per rank"))
        let compared = try CLIRunner.run(["compare", balance, balance, "--format", "html"])
        #expect(
            compared.status == 0 && compared.stdout.contains("Batch-balancing plans compared"), "\(compared.stderr)")
        let sideBySide = try CLIRunner.run([
            "compare", plan, plan, "--format", "html", "--lengths", lengths, "--profile", profile,
        ])
        #expect(
            sideBySide.status == 0 && sideBySide.stdout.contains("Sequence-parallel plans compared"),
            "\(sideBySide.stderr)")
        let noLengths = try CLIRunner.run(["compare", plan, plan, "--format", "html"])
        #expect(noLengths.status == 2 && noLengths.stderr.contains("--lengths: required"))
        let mixed = try CLIRunner.run(["report", plan, balance, "--output", "-"])
        #expect(mixed.status == 2 && mixed.stderr.contains("a report compares plans of one kind"))
        let gnn = try CLIRunner.run([
            "plan", "gnn-pipeline", "--graph", "Examples/gnn/community-3k.txt", "--model",
            "Examples/gnn/gcnii-16.yaml", "--cluster", "dgx-a100:2", "--report", "-",
        ])
        #expect(gnn.status == 0 && gnn.stdout.contains("Lock-step pipeline schedule"), "\(gnn.stderr)")
        let missing = try CLIRunner.run(["report", plan, "--output", "-"])
        #expect(missing.status == 2 && missing.stderr.contains("--lengths: required"))
        let other = try CLIRunner.run([
            "report", plan, "--lengths", "Examples/batches/wikipedia-batch0.txt", "--model", "gpt-7b",
            "--cluster", "hgx-h100:8", "--output", "-",
        ])
        #expect(
            other.status == 2 && other.stderr.contains("micro-batch 0")
                && other.stderr.split(separator: "\n").count == 1)
    }

    /// A GNN plan file drawn as `plan gnn-pipeline --report/--trace` drew it when planning, from the same inputs.
    @Test func gnnPlanFilesReportAndTraceAsWhenPlanned() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gnn-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = directory.appendingPathComponent("plan.json").path
        let report = directory.appendingPathComponent("planned.html").path
        let trace = directory.appendingPathComponent("planned.trace.json").path
        let inputs = [
            "--graph", "Examples/gnn/community-3k.txt", "--model", "Examples/gnn/gcnii-16.yaml", "--cluster",
            "dgx-a100:2",
        ]
        let planned = try CLIRunner.run(
            ["plan", "gnn-pipeline"] + inputs + [
                "--ways", "2", "--output", plan, "--report", report,
                "--trace", trace,
            ])
        #expect(planned.status == 0, "\(planned.stderr)")
        let html = try CLIRunner.run(["report", plan] + inputs + ["--output", "-"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout == (try String(contentsOfFile: report, encoding: .utf8)))
        let timeline = try CLIRunner.run(["trace", plan] + inputs + ["--output", "-"])
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(timeline.stdout == (try String(contentsOfFile: trace, encoding: .utf8)))
        let noGraph = try CLIRunner.run([
            "report", plan, "--model", "Examples/gnn/gcnii-16.yaml", "--cluster", "dgx-a100:2",
            "--output", "-",
        ])
        #expect(noGraph.status == 2 && noGraph.stderr.contains("exactly one of --graph and --graph-stats"))
        let otherModel = try CLIRunner.run([
            "trace", plan, "--graph", "Examples/gnn/community-3k.txt", "--model",
            "Examples/gnn/gcn-32.yaml", "--cluster", "dgx-a100:2", "--output", "-",
        ])
        #expect(otherModel.status == 2 && otherModel.stderr.contains("stages end at layer 16"))
        let profile = try CLIRunner.run([
            "report", plan, "--profile", "Examples/profiles/flexsp-gpt7b.yaml", "--output", "-",
        ])
        #expect(profile.status == 2 && profile.stderr.contains("GNN model file"))
    }

    /// `report --estimate`: estimates from `estimate --json` files, alone or after a plan; bad files named by field.
    @Test func estimatesFromTheirFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "estimate-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for (tp, pp) in [(2, 2), (1, 4)] {
            let estimate = try CLIRunner.run([
                "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:2", "--tp", "\(tp)", "--pp",
                "\(pp)", "--global-batch", "64", "--seq-len", "4096", "--json",
            ])
            #expect(estimate.status == 0, "\(estimate.stderr)")
            let path = directory.appendingPathComponent("tp\(tp)-pp\(pp).json").path
            try estimate.stdout.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let directPath = directory.appendingPathComponent("direct.html").path
        #expect(
            try CLIRunner.run([
                "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:2", "--tp", "2", "--pp", "2",
                "--global-batch", "64", "--seq-len", "4096", "--report", directPath,
            ]).status == 0)
        let one = try CLIRunner.run(["report", "--estimate", files[0], "--output", "-"])
        let direct = try String(contentsOfFile: directPath, encoding: .utf8)
        #expect(one.status == 0 && one.stdout == direct, "\(one.stderr)")
        let two = try CLIRunner.run(["report", "--estimate", files[0], "--estimate", files[1], "--output", "-"])
        #expect(
            two.status == 0 && two.stdout.contains("Iteration estimates compared")
                && two.stdout.contains("tp1-pp4.json"))
        let balance = directory.appendingPathComponent("balance.json").path
        let planned = try CLIRunner.run([
            "plan", "batch-balance", "--samples", "Examples/samples/multimodal-256.jsonl", "--ranks", "8",
            "--profile", "Examples/profiles/batch-balance-7b.yaml", "--output", balance,
            "--report", directory.appendingPathComponent("balance.html").path,
        ])
        #expect(planned.status == 0, "\(planned.stderr)")
        let planReport = try String(
            contentsOfFile: directory.appendingPathComponent("balance.html").path, encoding: .utf8)
        #expect(planReport.contains("Baseline lpt: seconds per rank") && planReport.contains("Baselines' ranks"))
        let mixed = try CLIRunner.run(["report", balance, "--estimate", files[1], "--output", "-"])
        #expect(
            mixed.status == 0 && mixed.stdout.contains("Batch-balancing plan")
                && mixed.stdout.contains("Iteration estimate"))
        let broken = directory.appendingPathComponent("broken.json").path
        try #"{"iterationSeconds": 1, "mfu": 0.4}"#.write(toFile: broken, atomically: true, encoding: .utf8)
        let missing = try CLIRunner.run(["report", "--estimate", broken, "--output", "-"])
        #expect(
            missing.status == 2 && missing.stderr.contains("broken.json: memoryBytes: missing"), "\(missing.stderr)")
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files[0]))) as? [String: Any])
        var breakdown = try #require(object["breakdown"] as? [String: Any])
        breakdown["optimizer"] = -1.0
        object["breakdown"] = breakdown
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: broken))
        let bad = try CLIRunner.run(["report", "--estimate", broken, "--output", "-"])
        #expect(bad.status == 2 && bad.stderr.contains("must be a finite number from 0"), "\(bad.stderr)")
        // Files written before the memory named its pipeline rank still read (the figures were the first rank's);
        // a rank outside the layout is named.
        var memory = try #require(object["memory"] as? [String: Any])
        #expect(memory["pipelineRank"] as? Int == 0)
        breakdown["optimizer"] = 0.0
        object["breakdown"] = breakdown
        memory["pipelineRank"] = nil
        object["memory"] = memory
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: broken))
        let older = try CLIRunner.run(["report", "--estimate", broken, "--output", "-"])
        #expect(older.status == 0 && older.stdout.contains("on pipeline rank 0 (ranks 0-1)"), "\(older.stderr)")
        memory["pipelineRank"] = 2
        object["memory"] = memory
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: broken))
        let outside = try CLIRunner.run(["report", "--estimate", broken, "--output", "-"])
        #expect(
            outside.status == 2 && outside.stderr.contains("memory.pipelineRank") && outside.stderr.contains("0 to 1"),
            "\(outside.stderr)")
        let plan = try CLIRunner.run(["report", "--estimate", balance, "--output", "-"])
        #expect(plan.status == 2 && plan.stderr.contains("not the output of `paraplan estimate --json`"))
        let nothing = try CLIRunner.run(["report", "--output", "-"])
        #expect(nothing.status == 2 && nothing.stderr.contains("give at least one plan file or --estimate"))
    }

    /// A plan with ring groups (Llama-3-8B past its 32 heads) validates, traces and reports with its schemes.
    @Test func ringGroupsTraceAndReport() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lengths = directory.appendingPathComponent("lengths.txt").path
        try ([600_000, 65_536, 8_192] + Array(repeating: 2_048, count: 40)).map(String.init).joined(separator: "\n")
            .write(toFile: lengths, atomically: true, encoding: .utf8)
        let plan = directory.appendingPathComponent("plan.json").path
        let cost = ["--model", "llama-3-8b", "--cluster", "hgx-h100:8"]
        let planned = try CLIRunner.run(
            ["plan", "sequence-parallel", "--lengths", lengths] + cost + ["--output", plan])
        #expect(planned.status == 0 && planned.stdout.contains("ring"), "\(planned.stderr)")
        #expect(try String(contentsOfFile: plan, encoding: .utf8).contains("\"ring\""))
        #expect(try CLIRunner.run(["validate", plan]).status == 0)
        let trace = try CLIRunner.run(["trace", plan, "--lengths", lengths] + cost + ["--output", "-"])
        #expect(trace.status == 0 && trace.stdout.contains("all-to-all and ring seq"), "\(trace.stderr)")
        let report = try CLIRunner.run(["report", plan, "--lengths", lengths] + cost + ["--output", "-"])
        #expect(report.status == 0 && report.stdout.contains("×R"), "\(report.stderr)")
        let other = try CLIRunner.run([
            "trace", plan, "--lengths", lengths, "--model", "gpt-7b", "--cluster", "hgx-h100:8", "--output", "-",
        ])
        #expect(other.status == 2 && other.stderr.contains("profile"), "\(other.stderr)")
    }

    /// Several expert placements, and several GNN layouts, side by side: `report` and `compare --format html` agree.
    @Test func expertAndGNNPlansCompared() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var experts: [String] = []
        for slots in [5, 6] {
            let path = directory.appendingPathComponent("ep\(slots).json").path
            #expect(
                try CLIRunner.run([
                    "plan", "expert-placement", "--loads", "Examples/moe/loads-64-experts.json", "--origins",
                    "Examples/moe/origins-64-experts.json", "--cluster", "hgx-h800:2", "--slots-per-gpu", "\(slots)",
                    "--groups", "8", "--output", path,
                ]).status == 0)
            experts.append(path)
        }
        let report = try CLIRunner.run(["report"] + experts + ["--output", "-"])
        #expect(report.status == 0 && report.stdout.contains("Expert placements compared"), "\(report.stderr)")
        let compared = try CLIRunner.run(["compare"] + experts + ["--format", "html"])
        #expect(compared.status == 0 && compared.stdout == report.stdout)
        let inputs = [
            "--graph", "Examples/gnn/community-3k.txt", "--model", "Examples/gnn/gcnii-16.yaml", "--cluster",
            "dgx-a100:2",
        ]
        var layouts: [String] = []
        for ways in [1, 2] {
            let path = directory.appendingPathComponent("gnn\(ways).json").path
            #expect(
                try CLIRunner.run(["plan", "gnn-pipeline"] + inputs + ["--ways", "\(ways)", "--output", path]).status
                    == 0)
            layouts.append(path)
        }
        let gnn = try CLIRunner.run(["report"] + layouts + inputs + ["--output", "-"])
        #expect(gnn.status == 0 && gnn.stdout.contains("GNN layouts compared"), "\(gnn.stderr)")
        let gnnCompared = try CLIRunner.run(["compare"] + layouts + inputs + ["--format", "html"])
        #expect(gnnCompared.status == 0 && gnnCompared.stdout == gnn.stdout, "\(gnnCompared.stderr)")
        let noGraph = try CLIRunner.run(
            ["compare"] + layouts + [
                "--format", "html", "--model", "Examples/gnn/gcnii-16.yaml",
                "--cluster", "dgx-a100:2",
            ])
        #expect(noGraph.status == 2 && noGraph.stderr.contains("--graph"))
    }
}
