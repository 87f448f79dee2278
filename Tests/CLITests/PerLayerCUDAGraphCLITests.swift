import Foundation
import Testing

/// `--cuda-graph-modules` and `--moe-dispatcher`: priced by `estimate` and `layouts`, written as Megatron-LM and
/// NeMo name them, and bad values refused in one line that names the flag.
@Suite(.serialized) struct PerLayerCUDAGraphCLITests {
    static let estimate = FullIterationCUDAGraphCLITests.estimate
    static let graphed = ["--cuda-graph-modules", "attn,moe_router,moe_preprocess", "--moe-dispatcher", "hybridep"]

    static func hostSync(_ object: [String: Any]) -> Double? {
        ((object["breakdown"] as? [String: Any])?["computeParts"] as? [String: Any])?["hostSync"] as? Double
    }

    @Test func estimateDropsTheWaitWithAFusedDispatcherOnly() throws {
        let launched = try FullIterationCUDAGraphCLITests.json(Self.estimate)
        let fused = try FullIterationCUDAGraphCLITests.json(Self.estimate + Self.graphed)
        let allToAll = try FullIterationCUDAGraphCLITests.json(
            Self.estimate + ["--cuda-graph-modules", "moe_router,moe_preprocess", "--moe-dispatcher", "alltoall"])
        let wait = try #require(Self.hostSync(launched))
        #expect(wait > 0 && Self.hostSync(fused) == 0 && Self.hostSync(allToAll) == wait)
        let warnings = allToAll["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("fused dispatcher") })
        let table = try CLIRunner.run(Self.estimate + Self.graphed)
        #expect(
            table.stdout.contains("per-layer CUDA graphs (attn, moe_router, moe_preprocess), hybridep dispatcher"),
            "\(table.stdout)")
    }

    @Test func formatsWriteTheSettings() throws {
        let megatron = try CLIRunner.run(Self.estimate + Self.graphed + ["--format", "megatron"])
        #expect(
            megatron.stdout.contains(
                "--cuda-graph-impl transformer_engine --cuda-graph-modules attn moe_router moe_preprocess "
                    + "--moe-token-dispatcher-type flex --moe-flex-dispatcher-backend hybridep"), "\(megatron.stdout)")
        let allToAll = try CLIRunner.run(Self.estimate + ["--moe-dispatcher", "alltoall", "--format", "megatron"])
        #expect(allToAll.stdout.contains("--moe-token-dispatcher-type alltoall"), "\(allToAll.stdout)")
        #expect(!allToAll.stdout.contains("cuda-graph"))
        let nemo = try CLIRunner.run(Self.estimate + Self.graphed + ["--format", "nemo"])
        for expected in [
            "model.cuda_graph_impl", "\"transformer_engine\"",
            "model.cuda_graph_modules", "[\"attn\", \"moe_router\", \"moe_preprocess\"]",
            "model.moe_token_dispatcher_type", "\"flex\"", "model.moe_flex_dispatcher_backend", "\"hybridep\"",
        ] {
            #expect(nemo.stdout.contains(expected), "\(expected) in \(nemo.stdout)")
        }
    }

    /// Every layout `layouts` ranks carries the settings and is priced without the wait; the title says so.
    @Test func layoutsPriceEveryLayoutSo() throws {
        let base = [
            "layouts", "--model", "mixtral-8x7b", "--cluster", "hgx-h100:2", "--global-batch", "512", "--seq-len",
            "4096", "--top", "5",
        ]
        let graphed = try FullIterationCUDAGraphCLITests.json(base + Self.graphed)
        let launched = try FullIterationCUDAGraphCLITests.json(base)
        let layouts = { (object: [String: Any]) in object["layouts"] as? [[String: Any]] ?? [] }
        #expect(!layouts(graphed).isEmpty)
        for layout in layouts(graphed) {
            let strategy = layout["strategy"] as? [String: Any]
            #expect(strategy?["cudaGraph"] as? String == "transformer_engine")
            #expect(strategy?["moeDispatcher"] as? String == "hybridep")
            #expect(strategy?["recompute"] as? String != "full")
        }
        let best = { (object: [String: Any]) in layouts(object).first?["iterationSeconds"] as? Double ?? .nan }
        #expect(best(graphed) < best(launched))
        let table = try CLIRunner.run(base + Self.graphed)
        #expect(table.stdout.contains("per-layer CUDA graphs"), "\(table.stdout)")
    }

    @Test(arguments: [
        (["--cuda-graph-modules", "attn,router"], "--cuda-graph-modules"),
        (["--cuda-graph-modules", ""], "--cuda-graph-modules"),
        (["--cuda-graph-modules", "moe_preprocess"], "--cuda-graph-modules"),
        (["--cuda-graph-modules", "attn", "--full-iteration-cuda-graph"], "--cuda-graph-modules"),
        (["--cuda-graph-modules", "attn", "--recompute", "full"], "--recompute"),
        (["--moe-dispatcher", "nccl"], "--moe-dispatcher"),
    ])
    func badValuesAreRefusedInOneLine(extra: [String], flag: String) throws {
        let outcome = try CLIRunner.run(Self.estimate + extra)
        #expect(outcome.status != 0)
        let message = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.contains("\n") && message.contains(flag), "\(message)")
    }

    @Test func aDenseModelRefusesADispatcher() throws {
        let outcome = try CLIRunner.run([
            "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "64", "--seq-len",
            "8192", "--moe-dispatcher", "deepep",
        ])
        #expect(outcome.status != 0 && outcome.stderr.contains("--moe-dispatcher"), "\(outcome.stderr)")
    }
}
