import Foundation
import Testing

@Suite(.serialized) struct PlanGNNPipelineCLITests {
    let graph = "Examples/gnn/community-3k.txt"
    let model = "Examples/gnn/gcnii-16.yaml"

    @Test func plansTheExampleGraphAndStats() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("gnn-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "gnn-pipeline", "--graph", graph, "--model", model, "--cluster", "dgx-a100:2",
            "--output", output,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for part in [
            "ways ×", "stage layers:", "mirrors from metis-volume", "baseline graph-parallel", "baseline pipeline",
            "baseline gnnpipe-fixed",
        ] {
            #expect(outcome.stdout.contains(part), "missing \(part)")
        }
        #expect(outcome.stderr.contains("warning:") && outcome.stderr.contains("self-loops"))
        let validation = try CLIRunner.run(["validate", output])
        #expect(
            validation.status == 0 && validation.stdout.contains("valid gnn-pipeline plan"),
            "\(validation.stdout)\(validation.stderr)")
        let stats = try CLIRunner.run([
            "plan", "gnn-pipeline", "--graph-stats", "Examples/gnn/reddit-stats.json", "--model",
            "Examples/gnn/gcn-32.yaml",
            "--cluster", "dgx-a100:1",
        ])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("estimated for k = 2, 4"))
        #expect(stats.stdout.contains("baseline graph-parallel: epoch") && stats.stdout.contains("14.501 GiB"))
    }

    @Test func badInputIsOneLineWithExitTwo() throws {
        func expect(_ arguments: [String], _ parts: [String]) throws {
            let outcome = try CLIRunner.run(["plan", "gnn-pipeline"] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "\(outcome.stderr)")
            for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
        }
        let malformed = try CLIRunner.temporaryFile("0 1\n1 2\n2 three\n", suffix: "txt")
        let outOfRange = try CLIRunner.temporaryFile("3 2\n2\n1 7\n\n", suffix: "graph")
        let zeroLayers = try CLIRunner.temporaryFile(
            "type: gcn\nlayers: 0\ninputWidth: 8\nhiddenWidth: 8\noutputWidth: 2\n", suffix: "yaml")
        let empty = try CLIRunner.temporaryFile("# no edges\n", suffix: "txt")
        defer {
            for path in [malformed, outOfRange, zeroLayers, empty] { try? FileManager.default.removeItem(atPath: path) }
        }
        try expect(["--graph", malformed, "--model", model, "--cluster", "dgx-a100:1"], ["line 3", "2 three"])
        try expect(
            ["--graph", outOfRange, "--model", model, "--cluster", "dgx-a100:1"],
            ["line 3", "vertex id 7 out of range"])
        try expect(["--graph", graph, "--model", zeroLayers, "--cluster", "dgx-a100:1"], ["layers = 0"])
        try expect(["--graph", empty, "--model", model, "--cluster", "dgx-a100:1"], ["empty graph"])
        try expect(
            [
                "--graph", graph, "--graph-stats", "Examples/gnn/reddit-stats.json", "--model", model, "--cluster",
                "dgx-a100:1",
            ], ["exactly one"])
        try expect(
            ["--graph", graph, "--model", model, "--cluster", "dgx-a100:1", "--ways", "3"], ["ways = 3", "divide"])
    }
}
