import Foundation
import Testing

@Suite(.serialized) struct CLITests {
    /// One line on stderr, starting with "paraplan: ", nothing on stdout, no trace.
    func expectOneLineError(_ outcome: CLIRunner.Outcome, code: Int32, containing parts: [String]) {
        #expect(outcome.status == code, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("paraplan: "))
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "\(outcome.stderr)")
        for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
    }

    @Test func versionAndHelp() throws {
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        for subcommand in ["validate", "format", "solve", "schema"] {
            let help = try CLIRunner.run([subcommand, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: paraplan \(subcommand)"))
        }
        let completion = try CLIRunner.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("paraplan"))
    }

    @Test func validateAcceptsTheExamplePlan() throws {
        let outcome = try CLIRunner.run(["validate", "Examples/plans/sequence-parallel-flexsp-oracle.json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("valid sequence-parallel plan"))
    }

    @Test func missingFileIsExitTwo() throws {
        expectOneLineError(
            try CLIRunner.run(["validate", "no/such/plan.json"]), code: 2,
            containing: ["no/such/plan.json", "no such file"])
    }

    @Test func malformedJSONIsExitTwo() throws {
        let path = try CLIRunner.temporaryFile("{\"format\": \"paraplan/v1\", ", suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try CLIRunner.run(["validate", path]), code: 2, containing: [path, "not valid JSON"])
    }

    @Test func negativeCountInAPlanIsExitTwo() throws {
        let example = try String(
            contentsOf: CLIRunner.repositoryRoot.appendingPathComponent(
                "Examples/plans/sequence-parallel-flexsp-oracle.json"), encoding: .utf8)
        let path = try CLIRunner.temporaryFile(
            example.replacingOccurrences(of: "\"gpus\" : 64", with: "\"gpus\" : -8"), suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(
            try CLIRunner.run(["validate", path]), code: 2, containing: [path, "$.gpus = -8", "must be ≥ 1"])
    }

    @Test func negativeTimeLimitIsExitTwo() throws {
        expectOneLineError(
            try CLIRunner.run(["solve", "Examples/models/transport.lp", "--time-limit=-3"]), code: 2,
            containing: ["--time-limit = -3.0", "positive"])
        expectOneLineError(
            try CLIRunner.run(["solve", "Examples/models/transport.lp", "--time-limit", "soon"]), code: 2,
            containing: ["soon"])
    }

    @Test func unknownArgumentsAreExitTwo() throws {
        expectOneLineError(try CLIRunner.run(["plan-everything"]), code: 2, containing: ["plan-everything"])
        expectOneLineError(
            try CLIRunner.run(["solve", "Examples/models/transport.lp", "--backend", "cplex"]), code: 2,
            containing: ["cplex"])
    }

    @Test func solveReportsTheOptimum() throws {
        for backend in ["clp", "glpk"] {
            let outcome = try CLIRunner.run(["solve", "Examples/models/transport.lp", "--backend", backend, "--json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let result = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            #expect(result?["status"] as? String == "optimal")
            #expect(result?["objective"] as? Double == 2110)
        }
        let milp = try CLIRunner.run(["solve", "Examples/models/knapsack.lp"])
        #expect(milp.status == 0)
        #expect(milp.stdout.contains("glpk: optimal, objective 220.0"))
    }

    /// A model file saved with a byte-order mark: GLPK's reader would stop at it; the CLI reads it like the plain one,
    /// and errors still name the user's file and line.
    @Test func solveReadsAFileWithAByteOrderMark() throws {
        let plain = try String(contentsOfFile: "Examples/models/transport.lp", encoding: .utf8)
        let marked = try CLIRunner.temporaryFile("\u{FEFF}" + plain, suffix: "lp")
        let broken = try CLIRunner.temporaryFile("\u{FEFF}minimize\n obj: x +\nbad\n", suffix: "lp")
        defer { for file in [marked, broken] { try? FileManager.default.removeItem(atPath: file) } }
        let outcome = try CLIRunner.run(["solve", marked])
        #expect(
            outcome.status == 0 && outcome.stdout.contains("objective 2110.0")
                && outcome.stdout.contains("model \(marked):"), "\(outcome.stdout)\(outcome.stderr)")
        expectOneLineError(try CLIRunner.run(["solve", broken]), code: 2, containing: [broken + ":3"])
    }

    @Test func milpOnClpIsExitTwo() throws {
        expectOneLineError(
            try CLIRunner.run(["solve", "Examples/models/knapsack.lp", "--backend", "clp"]), code: 2,
            containing: ["knapsack.lp", "integer variables", "glpk"])
    }

    @Test func infeasibleModelIsExitThree() throws {
        let path = try CLIRunner.temporaryFile(
            "Minimize\n obj: x\nSubject To\n low: x >= 5\n high: x <= 3\nEnd\n", suffix: "lp")
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try CLIRunner.run(["solve", path]), code: 3, containing: [path, "infeasible"])
    }

    @Test func malformedModelNamesTheLine() throws {
        let path = try CLIRunner.temporaryFile("Minimize\n obj: x +\nSubject To\n c: x >=\nEnd\n", suffix: "lp")
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try CLIRunner.run(["solve", path]), code: 2, containing: [path + ":"])
        expectOneLineError(
            try CLIRunner.run(["solve", "README.md"]), code: 2, containing: ["README.md", "unknown model format"])
    }

    @Test func exportWritesReadableModels() throws {
        let lp = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paraplan-export-\(UUID().uuidString).lp"
        ).path
        let mps = lp.replacingOccurrences(of: ".lp", with: ".mps")
        defer { for path in [lp, mps] { try? FileManager.default.removeItem(atPath: path) } }
        let outcome = try CLIRunner.run([
            "solve", "Examples/models/transport.lp", "--export-lp", lp, "--export-mps", mps,
        ])
        #expect(outcome.status == 0)
        for path in [lp, mps] {
            let again = try CLIRunner.run(["solve", path, "--json"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("\"objective\" : 2110"))
        }
    }

    @Test func formatWritesCanonicalPrettyOrCompactPlans() throws {
        let example = "Examples/plans/sequence-parallel-flexsp-oracle.json"
        let pretty = try CLIRunner.run(["format", example])
        #expect(pretty.status == 0, "\(pretty.stderr)")
        #expect(
            pretty.stdout.hasPrefix("{\n  \"baselines\" : [\n\n  ],\n  \"format\" : \"paraplan/v1\",\n  \"gpus\" : 64,")
        )
        let compact = try CLIRunner.run(["format", example, "--compact"])
        #expect(compact.status == 0)
        #expect(compact.stdout.hasPrefix(#"{"baselines":[],"format":"paraplan/v1","gpus":64,"inputs":{"sha256":"#))
        #expect(compact.stdout.filter { $0 == "\n" }.count == 1)
        // Formatting is idempotent and the output still validates.
        let path = try CLIRunner.temporaryFile(pretty.stdout, suffix: "json")
        let output = path + ".out"
        defer { for file in [path, output] { try? FileManager.default.removeItem(atPath: file) } }
        #expect(try CLIRunner.run(["format", path, "--output", output]).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == pretty.stdout)
        #expect(try CLIRunner.run(["validate", output]).status == 0)
    }

    @Test func formatRejectsAnInvalidPlan() throws {
        let path = try CLIRunner.temporaryFile(#"{"format": "paraplan/v1"}"#, suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try CLIRunner.run(["format", path]), code: 2, containing: [path, "$.kind", "is required"])
    }

    @Test func schemaCommandPrintsTheSchema() throws {
        let outcome = try CLIRunner.run(["schema"])
        #expect(outcome.status == 0)
        let docs = try String(
            contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("docs/plan-v1.schema.json"), encoding: .utf8)
        #expect(outcome.stdout == docs)
    }
}
