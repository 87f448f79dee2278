import Foundation
import Testing

/// `compare` and `format` on plans of every kind, as the planners write them.
@Suite(.serialized) struct CompareAndFormatCLITests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cmp-\(UUID().uuidString).json").path
    }

    static func plan(_ arguments: [String]) throws -> String {
        let output = temporaryPath()
        let outcome = try CLIRunner.run(arguments + ["--output", output])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return output
    }

    static let samples = [
        "plan", "batch-balance", "--samples", "Examples/samples/multimodal-256.jsonl", "--ranks", "8",
        "--profile", "Examples/profiles/batch-balance-7b.yaml",
    ]

    @Test func comparesOneBatchUnderTwoOptionSets() throws {
        let free = try Self.plan(Self.samples)
        let equal = try Self.plan(Self.samples + ["--equal-counts", "--phases", "encoder,llm"])
        defer { for file in [free, equal] { try? FileManager.default.removeItem(atPath: file) } }
        let table = try CLIRunner.run(["compare", free, equal])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        // A header, then the two plans and their four baselines each; no note, since both plans come from one batch.
        #expect(lines.count == 11, "\(table.stdout)")
        #expect(lines.first?.hasPrefix("plan") == true && lines.first?.contains("step seconds") == true)
        #expect(lines.dropFirst().first?.contains(" plan ") == true, "the fastest row is a plan: \(table.stdout)")
        for baseline in ["as-loaded", "lpt", "verl-kk", "llm-only"] { #expect(table.stdout.contains(baseline)) }
        #expect(!table.stdout.contains("note:"))
        let csv = try CLIRunner.run(["compare", free, equal, "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "plan,strategy,step seconds,× best,× bound" && rows.count == 11)
        // Rows are fastest first.
        let seconds = rows.dropFirst().compactMap { Double($0.split(separator: ",")[2]) }
        #expect(seconds == seconds.sorted() && seconds.count == 10)
        let json = try CLIRunner.run(["compare", free, "--format", "json"])
        #expect(json.status == 0 && json.stdout.contains("\"metric\" : \"step seconds\""))
        let markdown = try CLIRunner.run(["compare", free, "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("| plan | strategy | step seconds | × best | × bound |"))
    }

    @Test func formatRewritesEveryKindByteForByte() throws {
        let experts = try Self.plan([
            "plan", "expert-placement", "--loads", "Examples/moe/loads-64-experts.json", "--cluster", "hgx-h800:2",
            "--slots-per-gpu", "5",
        ])
        let gnn = try Self.plan([
            "plan", "gnn-pipeline", "--graph-stats", "Examples/gnn/reddit-stats.json", "--model",
            "Examples/gnn/gcn-32.yaml", "--cluster", "dgx-a100:1",
        ])
        let balance = try Self.plan(Self.samples)
        defer { for file in [experts, gnn, balance] { try? FileManager.default.removeItem(atPath: file) } }
        for file in [experts, gnn, balance, "Examples/plans/sequence-parallel-flexsp-oracle.json"] {
            let formatted = try CLIRunner.run(["format", file])
            #expect(formatted.status == 0, "\(file): \(formatted.stderr)")
            #expect(formatted.stdout == (try String(contentsOfFile: file, encoding: .utf8)), "\(file) changed")
        }
        let compared = try CLIRunner.run(["compare", experts])
        #expect(
            compared.status == 0 && compared.stdout.contains("max/mean") && compared.stdout.contains("eplb-global"),
            "\(compared.stdout)")
    }

    @Test func mixedKindsBadPlansAndMissingFilesAreOneLineErrors() throws {
        let balance = try Self.plan(Self.samples)
        let broken = try CLIRunner.temporaryFile(#"{"format": "paraplan/v1"}"#, suffix: "json")
        defer { for file in [balance, broken] { try? FileManager.default.removeItem(atPath: file) } }
        let oracle = "Examples/plans/sequence-parallel-flexsp-oracle.json"
        for (arguments, parts) in [
            (["compare", balance, oracle], [oracle, "a sequence-parallel plan, but", "is batch-balance"]),
            (["compare", balance, broken], [broken, "$.kind"]),
            (["compare", "missing.json"], ["missing.json", "no such file"]),
        ] {
            let outcome = try CLIRunner.run(arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(
                outcome.stderr.hasPrefix("paraplan: ") && outcome.stderr.filter { $0 == "\n" }.count == 1,
                "\(outcome.stderr)")
            for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
        }
        #expect(try CLIRunner.run(["compare"]).status == 2)
    }
}

/// `paraplan layouts`: the ranked table, JSON, and the errors.
@Suite(.serialized) struct LayoutsCLITests {
    @Test func ranksLayoutsAndPrintsJSON() throws {
        let outcome = try CLIRunner.run([
            "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:2", "--global-batch", "64",
            "--seq-len", "8192", "--top", "4",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n")
        // Two header lines, four layouts, a footnote when one of them splits its layers unevenly, the accuracy.
        let uneven = lines.dropFirst(2).prefix(4).contains { $0.contains("uneven*") }
        #expect(lines.count == (uneven ? 8 : 7), "\(outcome.stdout)")
        #expect(!uneven || lines[6].hasPrefix("* uneven:"), "\(outcome.stdout)")
        // A dense ranking ends with the estimator's measured error on published dense runs.
        let last = lines.last ?? ""
        #expect(last.hasPrefix("accuracy: dense runs") && last.contains("held-out"), "\(last)")
        #expect(lines[0].contains("16 GPUs") && lines[0].contains("fit in 71.7 GiB usable per GPU"), "\(lines[0])")
        #expect(lines[1].hasPrefix("rank  TP  PP  CP  DP  EP"))
        let times = lines.dropFirst(2).compactMap { line in
            line.split(separator: " ").dropFirst(10).first.flatMap { Double($0) }
        }
        #expect(times.count == 4 && times == times.sorted(), "\(times)")
        let json = try CLIRunner.run([
            "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:2", "--global-batch", "64",
            "--seq-len", "8192", "--json",
        ])
        #expect(
            json.status == 0 && json.stdout.contains("\"iterationSeconds\"")
                && json.stdout.contains("\"tensorParallel\""))
        let moe = try CLIRunner.run([
            "layouts", "--model", "mixtral-8x7b", "--cluster", "hgx-h100:4", "--global-batch", "256",
            "--seq-len", "4096", "--top", "2",
        ])
        // The note gives the held-out error, not only the fitted one, so nobody reads an MoE ranking as exact.
        #expect(
            moe.status == 0 && moe.stdout.contains("note: MoE layouts") && moe.stdout.contains("held-out"),
            "\(moe.stdout)\(moe.stderr)")
        #expect(!moe.stdout.contains("FP8's speed-up"))
        // An FP8 ranking also says how close FP8's predicted gain came on published pairs, dense or MoE.
        for model in ["mixtral-8x7b", "llama-3-8b"] {
            let fp8 = try CLIRunner.run([
                "layouts", "--model", model, "--cluster", "hgx-h100:4", "--global-batch", "256", "--seq-len", "4096",
                "--top", "2", "--fp8",
            ])
            #expect(
                fp8.status == 0 && fp8.stdout.contains("FP8's speed-up over BF16 was predicted within 3.4 %"),
                "\(fp8.stdout)")
        }
    }

    @Test func noFitIsExitThreeAndBadFlagsExitTwo() throws {
        let tooBig = try CLIRunner.run([
            "layouts", "--model", "llama-3-70b", "--cluster", "hgx-h100:1", "--global-batch", "8", "--seq-len", "4096",
        ])
        #expect(
            tooBig.status == 3 && tooBig.stderr.contains("no layout of 8 GPUs fits") && tooBig.stderr.contains("GiB"),
            "\(tooBig.stderr)")
        for (flag, value) in [
            ("--cp", "1,x"), ("--top", "0"), ("--zero", "5"), ("--global-batch", "-3"), ("--memory-headroom", "0.95"),
            ("--memory-headroom", "-0.1"), ("--memory-headroom", "nan"),
        ] {
            var arguments = [
                "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "64", "--seq-len",
                "4096",
            ]
            if let index = arguments.firstIndex(of: flag) {
                arguments[index + 1] = value
            } else {
                arguments += [flag, value]
            }
            let outcome = try CLIRunner.run(arguments)
            #expect(outcome.status == 2, "\(flag) \(value): \(outcome.stderr)")
            #expect(
                outcome.stderr.hasPrefix("paraplan: ") && outcome.stderr.filter { $0 == "\n" }.count == 1,
                "\(outcome.stderr)")
        }
        // The headroom is what the search plans around: with none, more layouts fit, and the message names the flag.
        func fitting(_ headroom: String) throws -> Int? {
            let outcome = try CLIRunner.run([
                "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "64",
                "--seq-len", "4096", "--memory-headroom", headroom, "--json",
            ])
            return (try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])?["fitting"]
                as? Int
        }
        let withHeadroom = try #require(try fitting("0.1"))
        let without = try #require(try fitting("0"))
        #expect(without > withHeadroom && withHeadroom > 0, "\(without) \(withHeadroom)")
        #expect(tooBig.stderr.contains("usable per GPU (8.0 GiB headroom, --memory-headroom)"), "\(tooBig.stderr)")
        let fp8 = try CLIRunner.run([
            "layouts", "--model", "llama-3-8b", "--cluster", "dgx-a100:1", "--global-batch", "64", "--seq-len", "4096",
            "--fp8",
        ])
        #expect(fp8.status == 2 && fp8.stderr.contains("FP8"), "\(fp8.stderr)")
    }
}
