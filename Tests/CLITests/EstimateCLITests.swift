import Foundation
import Testing

@Suite(.serialized) struct EstimateCLITests {
    func expectError(_ arguments: [String], containing parts: [String]) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
        #expect(
            outcome.stderr.hasPrefix("paraplan: ") && outcome.stderr.filter { $0 == "\n" }.count == 1,
            "\(outcome.stderr)")
        for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
    }

    @Test func jsonHasTheHeadlineFieldsAtTheTop() throws {
        let outcome = try CLIRunner.run([
            "estimate", "--model", "Examples/models/llama-3-8b.config.json", "--cluster", "hgx-h100:2",
            "--tp", "2", "--global-batch", "64", "--seq-len", "4096", "--sequence-parallel", "--json",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let seconds = try #require(object["iterationSeconds"] as? Double)
        let mfu = try #require(object["mfu"] as? Double)
        let memory = try #require(object["memoryBytes"] as? Double)
        let usable = try #require(object["usableMemoryBytes"] as? Double)
        #expect(seconds > 0 && mfu > 0.2 && mfu < 0.7 && memory > 1e9)
        #expect(usable == 81_559 * 1_048_576 * 0.9)
        #expect((object["breakdown"] as? [String: Any])?["compute"] != nil)
    }

    /// Llama 3.1 405B over 16 × 4 stages: the first rank holds one layer fewer (it also holds the embedding), so the
    /// second rank is the busiest, and the text and the JSON say which rank the memory figures are.
    @Test func memoryNamesTheBusiestPipelineRank() throws {
        let flags = [
            "estimate", "--model", "llama-3.1-405b", "--gpu", "gb200", "--nodes", "4", "--gpus-per-node", "64",
            "--tp", "4", "--pp", "16", "--interleave", "4", "--sequence-parallel", "--global-batch", "1536",
            "--seq-len", "8192", "--fp8", "--fp8-recipe", "current", "--grad-reduce-bf16",
        ]
        let text = try CLIRunner.run(flags)
        #expect(text.stdout.contains("on pipeline rank 1 (ranks 0-15)"), "\(text.stdout)")
        let json = try CLIRunner.run(flags + ["--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["memory"] as? [String: Any])?["pipelineRank"] as? Int == 1)
        // Without a pipeline there is one rank and nothing to name.
        let flat = try CLIRunner.run([
            "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "8", "--seq-len", "4096",
        ])
        #expect(flat.stdout.contains("memory per GPU") && !flat.stdout.contains("pipeline rank"), "\(flat.stdout)")
    }

    @Test func textShowsBreakdownMemoryAndWarnings() throws {
        let outcome = try CLIRunner.run([
            "estimate", "--model", "llama-3-70b", "--gpu", "a100-40gb", "--nodes", "1",
            "--global-batch", "8", "--seq-len", "4096",
        ])
        // 70B on one 40 GB node does not fit: the estimate is printed, and the exit code says infeasible.
        #expect(outcome.status == 3, "\(outcome.stderr)")
        for part in [
            "iteration", "MFU", "compute", "pipeline bubble", "exposed DP", "memory per GPU", "optimizer",
            "does not fit",
        ] {
            #expect(outcome.stdout.contains(part), "missing \(part)")
        }
    }

    @Test func clusterFileAndOwnModelFileWork() throws {
        let outcome = try CLIRunner.run([
            "estimate", "--model", "Examples/models/gpt-7b.yaml", "--cluster",
            "Examples/clusters/hgx-h100-4-nodes.yaml",
            "--tp", "2", "--pp", "2", "--global-batch", "64", "--seq-len", "2048",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("TP 2 × PP 2 × DP 8"))
    }

    @Test func badInputIsNamed() throws {
        try expectError(
            [
                "estimate", "--model", "llama-3-8b", "--gpu", "v100", "--nodes", "1", "--global-batch", "8",
                "--seq-len", "1024",
            ],
            containing: ["--gpu = v100", "unknown GPU"])
        try expectError(
            [
                "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:2", "--tp", "2", "--dp", "5",
                "--global-batch", "10", "--seq-len", "1024",
            ],
            containing: ["--tp × --pp × --dp × --cp", "16 GPUs"])
        try expectError(
            [
                "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--tp", "3", "--dp", "1",
                "--global-batch", "8", "--seq-len", "1024",
            ],
            containing: ["--tp = 3", "32 heads"])
        try expectError(
            ["estimate", "--model", "gpt-9000", "--cluster", "hgx-h100", "--global-batch", "8", "--seq-len", "1024"],
            containing: ["--model = gpt-9000", "presets"])
        try expectError(
            [
                "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:0", "--global-batch", "8", "--seq-len",
                "1024",
            ],
            containing: ["nodes = 0"])
    }

    @Test func brokenFilesNameTheField() throws {
        let config = try CLIRunner.temporaryFile(
            #"{"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "intermediate_size": 14336, "vocab_size": 128256}"#,
            suffix: "json")
        let cluster = try CLIRunner.temporaryFile(
            "gpu: h100-sxm\nnodes: 1\ngpusPerNode: 8\ninterNodeBandwidth: -5\n", suffix: "yaml")
        defer { for file in [config, cluster] { try? FileManager.default.removeItem(atPath: file) } }
        try expectError(
            ["estimate", "--model", config, "--cluster", "hgx-h100", "--global-batch", "8", "--seq-len", "1024"],
            containing: [config, "num_hidden_layers", "missing"])
        try expectError(
            ["estimate", "--model", "llama-3-8b", "--cluster", cluster, "--global-batch", "8", "--seq-len", "1024"],
            containing: [cluster, "interNodeBandwidth = -5", "must be a number from"])
    }

    @Test func presetsListsEveryKind() throws {
        let outcome = try CLIRunner.run(["presets"])
        #expect(outcome.status == 0)
        for name in [
            "a100-40gb", "a100-80gb", "h100-sxm", "h200", "h800", "b200", "dgx-a100", "hgx-h100", "hgx-h200",
            "llama-3-8b", "deepseek-v3",
        ] {
            #expect(outcome.stdout.contains(name), "missing \(name)")
        }
    }
}
