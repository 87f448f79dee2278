import Foundation
import Testing

/// `--full-iteration-cuda-graph`: priced by `estimate` and `layouts`, and written as Megatron-LM and NeMo name it.
@Suite(.serialized) struct FullIterationCUDAGraphCLITests {
    static let estimate = [
        "estimate", "--model", "mixtral-8x7b", "--cluster", "hgx-h100:2", "--global-batch", "512", "--seq-len",
        "4096", "--ep", "8", "--etp", "1",
    ]

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let outcome = try CLIRunner.run(arguments + ["--json"])
        #expect(outcome.status == 0 || outcome.status == 3, "\(outcome.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    @Test func estimateDropsTheHostWaitAndSaysWhatTheGraphNeeds() throws {
        let launched = try Self.json(Self.estimate)
        let graphed = try Self.json(Self.estimate + ["--full-iteration-cuda-graph"])
        let seconds = { (object: [String: Any]) in object["iterationSeconds"] as? Double ?? .nan }
        let hostSync = { (object: [String: Any]) in
            ((object["breakdown"] as? [String: Any])?["computeParts"] as? [String: Any])?["hostSync"] as? Double
        }
        let slowestWorker = { (object: [String: Any]) in
            (object["breakdown"] as? [String: Any])?["synchronisation"] as? Double ?? .nan
        }
        let wait = try #require(hostSync(launched))
        #expect(wait > 0 && hostSync(graphed) == 0)
        // The wait goes, and with it the slowest worker's share of it (`SynchronisationJitter` scales with compute).
        let jitter = slowestWorker(launched) - slowestWorker(graphed)
        #expect(jitter > 0 && jitter < 0.05 * wait)
        #expect(abs(seconds(launched) - seconds(graphed) - wait - jitter) < 1e-9 * seconds(launched))
        let warnings = graphed["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("--moe-expert-rank-capacity-factor") })
        let megatron = try CLIRunner.run(Self.estimate + ["--full-iteration-cuda-graph", "--format", "megatron"])
        #expect(megatron.stdout.contains("--cuda-graph-impl full_iteration"), "\(megatron.stdout)")
        let nemo = try CLIRunner.run(Self.estimate + ["--full-iteration-cuda-graph", "--format", "nemo"])
        #expect(nemo.stdout.contains("model.cuda_graph_impl") && nemo.stdout.contains("full_iteration"))
        let table = try CLIRunner.run(Self.estimate + ["--full-iteration-cuda-graph"])
        #expect(table.stdout.contains("one CUDA graph per iteration"), "\(table.stdout)")
        let plain = try CLIRunner.run(Self.estimate + ["--format", "megatron"])
        #expect(!plain.stdout.contains("cuda-graph"))
    }

    /// Every layout `layouts` ranks carries the capture, and MoE layouts are priced without the host wait.
    @Test func layoutsPriceEveryLayoutSo() throws {
        let base = [
            "layouts", "--model", "mixtral-8x7b", "--cluster", "hgx-h100:2", "--global-batch", "512", "--seq-len",
            "4096", "--top", "5",
        ]
        let graphed = try Self.json(base + ["--full-iteration-cuda-graph"])
        let launched = try Self.json(base)
        let layouts = { (object: [String: Any]) in object["layouts"] as? [[String: Any]] ?? [] }
        #expect(!layouts(graphed).isEmpty)
        for layout in layouts(graphed) {
            #expect((layout["strategy"] as? [String: Any])?["cudaGraph"] as? String == "full_iteration")
        }
        let best = { (object: [String: Any]) in layouts(object).first?["iterationSeconds"] as? Double ?? .nan }
        #expect(best(graphed) < best(launched))
    }
}
