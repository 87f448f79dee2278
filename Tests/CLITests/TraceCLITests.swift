import Foundation
import Testing

/// `paraplan trace`: a plan's predicted schedule as a Chrome trace, and its errors.
@Suite(.serialized) struct TraceCLITests {
    let lengths = "Examples/batches/wikipedia-batch0.txt"
    let profile = "Examples/profiles/flexsp-gpt7b.yaml"

    @Test func sequenceParallelPlanToPerfetto() throws {
        let plan = try CLIRunner.temporaryFile("", suffix: "json"), trace = try CLIRunner.temporaryFile("", suffix: "json")
        defer { for path in [plan, trace] { try? FileManager.default.removeItem(atPath: path) } }
        let planned = try CLIRunner.run(["plan", "sequence-parallel", "--lengths", lengths, "--profile", profile, "--output", plan])
        #expect(planned.status == 0, "\(planned.stderr)")
        let outcome = try CLIRunner.run(["trace", plan, "--lengths", lengths, "--profile", profile, "--output", trace])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any])
        let events = try #require(document["traceEvents"] as? [[String: Any]])
        #expect(events.contains { $0["ph"] as? String == "X" && $0["cat"] as? String == "communication" })
        // The same bytes on standard output.
        let again = try CLIRunner.run(["trace", plan, "--lengths", lengths, "--profile", profile, "--output", "-"])
        let written = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(again.status == 0 && again.stdout == written)
        for (arguments, part) in [
            (["--lengths", "Examples/batches/wikipedia-batch0.txt", "--model", "gpt-7b", "--cluster", "hgx-h100:8"], "micro-batch 0"),
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
        let placed = try CLIRunner.run(["plan", "expert-placement", "--loads", "Examples/moe/loads-64-experts.json",
                                        "--cluster", "hgx-h800:2", "--slots-per-gpu", "5", "--output", experts])
        #expect(placed.status == 0, "\(placed.stderr)")
        let other = try CLIRunner.run(["trace", experts, "--output", "-"])
        #expect(other.status == 2 && other.stderr.contains("sequence-parallel and batch-balance plans so far"), "\(other.stderr)")
    }
}

/// `paraplan report`: a plan's self-contained HTML report.
@Suite(.serialized) struct ReportCLITests {
    @Test func reportsOfBothKindsAndTheirErrors() throws {
        let lengths = "Examples/batches/wikipedia-batch0.txt", profile = "Examples/profiles/flexsp-gpt7b.yaml"
        let plan = try CLIRunner.temporaryFile("", suffix: "json"), balance = try CLIRunner.temporaryFile("", suffix: "json")
        defer { for path in [plan, balance] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(try CLIRunner.run(["plan", "sequence-parallel", "--lengths", lengths, "--profile", profile, "--output", plan]).status == 0)
        let html = try CLIRunner.run(["report", plan, "--lengths", lengths, "--profile", profile, "--output", "-"])
        #expect(html.status == 0 && html.stdout.hasPrefix("<?xml") && html.stdout.contains("Micro-batch 0"), "\(html.stderr)")
        #expect(try CLIRunner.run(["plan", "batch-balance", "--samples", "Examples/samples/multimodal-256.jsonl", "--ranks", "8",
                                   "--profile", "Examples/profiles/batch-balance-7b.yaml", "--output", balance]).status == 0)
        let ranks = try CLIRunner.run(["report", balance, "--output", "-"])
        #expect(ranks.status == 0 && ranks.stdout.contains("Predicted seconds per rank"))
        let compared = try CLIRunner.run(["compare", balance, balance, "--format", "html"])
        #expect(compared.status == 0 && compared.stdout.contains("Batch-balancing plans compared"), "\(compared.stderr)")
        let sideBySide = try CLIRunner.run(["compare", plan, plan, "--format", "html", "--lengths", lengths, "--profile", profile])
        #expect(sideBySide.status == 0 && sideBySide.stdout.contains("Sequence-parallel plans compared"), "\(sideBySide.stderr)")
        let noLengths = try CLIRunner.run(["compare", plan, plan, "--format", "html"])
        #expect(noLengths.status == 2 && noLengths.stderr.contains("--lengths: required"))
        let mixed = try CLIRunner.run(["report", plan, balance, "--output", "-"])
        #expect(mixed.status == 2 && mixed.stderr.contains("a report compares plans of one kind"))
        let gnn = try CLIRunner.run(["plan", "gnn-pipeline", "--graph", "Examples/gnn/community-3k.txt", "--model",
                                     "Examples/gnn/gcnii-16.yaml", "--cluster", "dgx-a100:2", "--report", "-"])
        #expect(gnn.status == 0 && gnn.stdout.contains("Lock-step pipeline schedule"), "\(gnn.stderr)")
        let missing = try CLIRunner.run(["report", plan, "--output", "-"])
        #expect(missing.status == 2 && missing.stderr.contains("--lengths: required"))
        let other = try CLIRunner.run(["report", plan, "--lengths", "Examples/batches/wikipedia-batch0.txt", "--model", "gpt-7b",
                                       "--cluster", "hgx-h100:8", "--output", "-"])
        #expect(other.status == 2 && other.stderr.contains("micro-batch 0") && other.stderr.split(separator: "\n").count == 1)
    }
}
