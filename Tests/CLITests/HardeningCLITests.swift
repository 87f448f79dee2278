import Foundation
import Testing

/// Inputs the fuzz harness (shared/tools/fuzz.py) found crashing the CLI, aborting or leaving exit code 1: each is now
/// a one-line error with exit code 2, read before any work grows with it.
@Suite(.serialized) struct HardeningCLITests {
    func expectBadInput(_ arguments: [String], _ parts: [String]) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 2, "\(arguments.joined(separator: " ")): \(outcome.status) \(outcome.stderr)")
        #expect(
            outcome.stderr.hasPrefix("paraplan: ") && outcome.stderr.filter { $0 == "\n" }.count == 1,
            "\(outcome.stderr)")
        for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
    }

    @Test func deeplyNestedYAMLIsRefusedBeforeParsing() throws {
        let deep = try CLIRunner.temporaryFile(
            "x: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n",
            suffix: "yaml")
        try expectBadInput(
            ["estimate", "--model", "llama-3-8b", "--cluster", deep, "--global-batch", "64", "--seq-len", "4096"],
            [deep, "nests deeper than 64 levels"])
        // An apostrophe in a plain scalar does not hide the brackets after it.
        let sneaky = try CLIRunner.temporaryFile(
            "x: it's\ny: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
                + "\n", suffix: "yaml")
        try expectBadInput(
            ["estimate", "--model", "llama-3-8b", "--cluster", sneaky, "--global-batch", "64", "--seq-len", "4096"],
            ["nests deeper"])
    }

    @Test func aliasBombsAreRefusedBeforeParsing() throws {
        var lines = ["a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
        for (name, previous) in zip("bcdefghi", "abcdefgh") {
            lines.append(
                "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
        }
        let bomb = try CLIRunner.temporaryFile(lines.joined(separator: "\n") + "\n", suffix: "yaml")
        try expectBadInput(
            ["plan", "sequence-parallel", "--lengths", "Examples/batches/wikipedia-batch0.txt", "--profile", bomb],
            [bomb, "72 YAML aliases"])
    }

    @Test func repeatedYAMLKeysAreRefused() throws {
        let cluster = try CLIRunner.temporaryFile("gpu: h100-sxm\nnodes: 2\ngpusPerNode: 8\nnodes: 4\n", suffix: "yaml")
        try expectBadInput(
            ["estimate", "--model", "llama-3-8b", "--cluster", cluster, "--global-batch", "64", "--seq-len", "4096"],
            [cluster, "nodes", "repeated"])
        let nested = try CLIRunner.temporaryFile(
            "gpu: h100-sxm\nnodes: 2\ngpusPerNode: 8\nefficiency: {compute: 0.5, compute: 0.9}\n",
            suffix: "yaml")
        try expectBadInput(
            ["estimate", "--model", "llama-3-8b", "--cluster", nested, "--global-batch", "64", "--seq-len", "4096"],
            ["efficiency.compute", "repeated"])
    }

    @Test func expertLoadsPastTheTokenLimit() throws {
        let loads = try CLIRunner.temporaryFile("[[1e19, 5, 5, 5, 5, 5, 5, 5]]", suffix: "json")
        try expectBadInput(
            ["plan", "expert-placement", "--loads", loads, "--cluster", "hgx-h800:1", "--slots-per-gpu", "2"],
            ["loads[0]", "at most"])
        let many = try CLIRunner.temporaryFile(
            "[[" + Array(repeating: "1", count: 300).joined(separator: ",") + "]]", suffix: "json")
        try expectBadInput(
            ["plan", "expert-placement", "--loads", many, "--cluster", "hgx-h800:32768", "--slots-per-gpu", "1"],
            ["300 experts × 262144 GPUs"])
    }

    @Test func gnnModelsAndGraphsPastTheirLimits() throws {
        let deep = try CLIRunner.temporaryFile(
            "type: gcn\nlayers: 2147483648\ninputWidth: 8\nhiddenWidth: 8\noutputWidth: 2\n", suffix: "yaml")
        try expectBadInput(
            [
                "plan", "gnn-pipeline", "--graph", "Examples/gnn/community-3k.txt", "--model", deep, "--cluster",
                "dgx-a100:1",
            ],
            ["layers = 2147483648"])
        let wide = try CLIRunner.temporaryFile(
            "type: gat\nlayers: 4\ninputWidth: 4294967296\nhiddenWidth: 8\noutputWidth: 2\nheads: 4294967296\n",
            suffix: "yaml")
        try expectBadInput(
            [
                "plan", "gnn-pipeline", "--graph", "Examples/gnn/community-3k.txt", "--model", wide, "--cluster",
                "dgx-a100:1",
            ],
            ["inputWidth = 4294967296"])
        let stray = try CLIRunner.temporaryFile("0 2147483645\n", suffix: "txt")
        try expectBadInput(
            [
                "plan", "gnn-pipeline", "--graph", stray, "--model", "Examples/gnn/gcn-32.yaml", "--cluster",
                "dgx-a100:1",
            ],
            ["2147483646 vertices for 1 edges"])
    }

    @Test func transformerShapesPastTheirLimits() throws {
        let config = try CLIRunner.temporaryFile(
            """
            {"model_type": "llama", "num_hidden_layers": 999999999999999, "hidden_size": 4096, "num_attention_heads": 32,
             "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256}
            """, suffix: "json")
        try expectBadInput(
            ["layouts", "--model", config, "--cluster", "hgx-h100:1", "--global-batch", "8", "--seq-len", "1024"],
            ["layers = 999999999999999", "4096"])
    }

    @Test func solverNumbersPastWhatTheBackendsTake() throws {
        let huge = try CLIRunner.temporaryFile("Minimize\n obj: -1e26 x\nSubject To\n c: x <= 1\nEnd\n", suffix: "lp")
        try expectBadInput(["solve", huge], ["objective", "1e+18"])
        let enormous = try CLIRunner.temporaryFile(
            "Maximize\n obj: x\nSubject To\n c: 1e300 x <= 1\nEnd\n", suffix: "lp")
        try expectBadInput(["solve", enormous], ["coefficient", "1e+18"])
    }

    @Test func clustersThatMakeTimesInfinite() throws {
        let slow = try CLIRunner.temporaryFile(
            "gpu: a100-80gb\nnodes: 2\ngpusPerNode: 8\nintraNodeBandwidth: 1e-300\n", suffix: "yaml")
        try expectBadInput(
            [
                "plan", "gnn-pipeline", "--graph", "Examples/gnn/community-3k.txt", "--model",
                "Examples/gnn/gcn-32.yaml",
                "--cluster", slow,
            ], ["intraNodeBandwidth = 1e-300"])
        try expectBadInput(
            ["estimate", "--model", "llama-3-8b", "--cluster", slow, "--global-batch", "64", "--seq-len", "4096"],
            ["intraNodeBandwidth"])
    }

    @Test func repeatedContextDegreesListEachLayoutOnce() throws {
        let once = try CLIRunner.run([
            "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "16", "--seq-len", "4096",
            "--cp", "1,2", "--all-variants", "--top", "100000", "--json",
        ])
        let twice = try CLIRunner.run([
            "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "16", "--seq-len", "4096",
            "--cp", "1,2,1,2,2", "--all-variants", "--top", "100000", "--json",
        ])
        #expect(once.status == 0 && twice.status == 0)
        #expect(once.stdout == twice.stdout)
    }
}

/// Where plans go: standard output with `--output -`, through symbolic links, into devices in place, and never a
/// silent success when the write fails; files only from commands that succeed.
@Suite(.serialized) struct OutputCLITests {
    static let plan = [
        "plan", "sequence-parallel", "--lengths", "Examples/batches/wikipedia-batch0.txt",
        "--profile", "Examples/profiles/flexsp-gpt7b.yaml",
    ]

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("paraplan-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func dashWritesThePlanToStandardOutput() throws {
        let outcome = try CLIRunner.run(Self.plan + ["--output", "-", "--compact"])
        #expect(outcome.status == 0)
        #expect(
            outcome.stdout.hasPrefix("{\"baselines\"") && outcome.stdout.hasSuffix("}\n")
                && outcome.stdout.filter { $0 == "\n" }.count == 1)
        #expect(outcome.stderr.contains("512 sequences on 64 GPUs"))
        let compactAlone = try CLIRunner.run(Self.plan + ["--compact"])
        #expect(compactAlone.status == 2 && compactAlone.stderr.contains("--compact"))
    }

    @Test func linksAreFollowedAndDevicesWrittenInPlace() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("target.json").path
        let link = folder.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try CLIRunner.run(Self.plan + ["--output", link]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(FileManager.default.contents(atPath: target)?.starts(with: Data("{\n".utf8)) == true)
        // A FIFO stands in for a device: written in place, still a FIFO afterwards.
        let fifo = folder.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let pipe = Pipe()
        reader.standardOutput = pipe
        try reader.run()
        #expect(try CLIRunner.run(Self.plan + ["--output", fifo]).status == 0)
        let received = pipe.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        #expect(received.starts(with: Data("{\n".utf8)))
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
    }

    @Test func aFullDeviceIsAnError() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let outcome = try CLIRunner.run(Self.plan + ["--output", "/dev/full"])
        #expect(outcome.status == 2 && outcome.stderr.contains("/dev/full") && outcome.stderr.contains("No space left"))
    }

    @Test func exportsOnlyFromSolvesThatSucceed() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let infeasible = try CLIRunner.temporaryFile(
            "Minimize\n obj: x\nSubject To\n c1: x >= 2\n c2: x <= 1\nEnd\n", suffix: "lp")
        let export = folder.appendingPathComponent("model.mps").path
        let failed = try CLIRunner.run(["solve", infeasible, "--export-mps", export])
        #expect(failed.status == 3)
        #expect(!FileManager.default.fileExists(atPath: export))
        let solved = try CLIRunner.run(["solve", "Examples/models/transport.lp", "--export-mps", export])
        #expect(solved.status == 0 && FileManager.default.fileExists(atPath: export))
    }
}

/// JSON for scripts: presets and validation as JSON, errors under `--json` as a JSON object with the exit code kept,
/// and `estimate` exiting 3 for a layout that does not fit (as `layouts` treats it).
@Suite(.serialized) struct ScriptingCLITests {
    @Test func presetsAndValidationAsJSON() throws {
        let presets = try CLIRunner.run(["presets", "--json"])
        #expect(presets.status == 0)
        let catalog = try JSONSerialization.jsonObject(with: Data(presets.stdout.utf8)) as? [String: Any]
        #expect((catalog?["models"] as? [[String: Any]])?.contains { $0["name"] as? String == "llama-3-8b" } == true)
        let plan = FileManager.default.temporaryDirectory.appendingPathComponent("paraplan-\(UUID().uuidString).json")
            .path
        defer { try? FileManager.default.removeItem(atPath: plan) }
        #expect(
            try CLIRunner.run([
                "plan", "sequence-parallel", "--lengths", "Examples/batches/wikipedia-batch0.txt",
                "--profile", "Examples/profiles/flexsp-gpt7b.yaml", "--output", plan,
            ]).status == 0)
        let verdict = try CLIRunner.run(["validate", plan, "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(verdict.stdout.utf8)) as? [String: Any]
        #expect(parsed?["valid"] as? Bool == true && parsed?["kind"] as? String == "sequence-parallel")
        #expect((parsed?["description"] as? String)?.hasPrefix("2 micro-batches, 512 sequences on 64 GPUs") == true)
    }

    @Test func errorsUnderJSONAreJSON() throws {
        let outcome = try CLIRunner.run([
            "estimate", "--model", "no-such-model", "--cluster", "hgx-h100:1", "--global-batch", "8",
            "--seq-len", "128", "--json",
        ])
        #expect(outcome.status == 2 && outcome.stdout.isEmpty)
        let error =
            (try JSONSerialization.jsonObject(with: Data(outcome.stderr.utf8)) as? [String: Any])?["error"]
            as? [String: Any]
        #expect(error?["exitCode"] as? Int == 2 && (error?["message"] as? String)?.contains("no-such-model") == true)
    }

    @Test func estimateOfALayoutThatDoesNotFitIsInfeasible() throws {
        let outcome = try CLIRunner.run([
            "estimate", "--model", "llama-3-70b", "--cluster", "hgx-h100:1", "--global-batch", "8",
            "--seq-len", "4096",
        ])
        #expect(outcome.status == 3)
        #expect(outcome.stdout.contains("iteration") && outcome.stderr.contains("GiB usable"))
    }
}

/// A negative number after a numeric flag is its value (and refused with the flag's rule), not a missing value.
@Suite struct NegativeValuesCLITests {
    @Test func negativeNumbersAreValues() throws {
        let outcome = try CLIRunner.run([
            "plan", "batch-balance", "--samples", "Examples/samples/multimodal-256.jsonl", "--ranks", "-1",
            "--profile", "Examples/profiles/batch-balance-7b.yaml",
        ])
        #expect(
            outcome.status == 2 && outcome.stderr.contains("--ranks = -1: must be a whole number from 1"),
            "\(outcome.stderr)")
        let headroom = try CLIRunner.run([
            "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "8",
            "--seq-len", "1024", "--memory-headroom", "-0.5",
        ])
        #expect(headroom.status == 2 && headroom.stderr.contains("--memory-headroom = -0.5"), "\(headroom.stderr)")
    }
}
