import Foundation
import Testing

/// `layouts` and `estimate` agree on what Megatron can run, let users fix degrees, and write layouts as Megatron-LM
/// arguments or NeMo / Megatron-Bridge keys.
@Suite(.serialized) struct LayoutsMegatronCLITests {
    static let llama = [
        "layouts", "--model", "llama-3-70b", "--cluster", "hgx-h100:16", "--global-batch", "512", "--seq-len", "4096",
    ]
    static let deepSeek = [
        "layouts", "--model", "deepseek-v3", "--cluster", "hgx-h100:32", "--global-batch", "1024", "--seq-len", "4096",
    ]

    static func layouts(_ arguments: [String]) throws -> [[String: Any]] {
        let outcome = try CLIRunner.run(arguments + ["--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return try #require(object["layouts"] as? [[String: Any]])
    }

    static func strategy(_ entry: [String: Any]) -> [String: Any] { entry["strategy"] as? [String: Any] ?? [:] }

    @Test func fixedDegreesAreHonoured() throws {
        let entries = try Self.layouts(
            Self.llama + ["--tp", "8", "--pp", "2,4", "--micro-batch", "1", "--all-variants", "--top", "50"])
        #expect(!entries.isEmpty)
        for entry in entries {
            let strategy = Self.strategy(entry)
            #expect(strategy["tensorParallel"] as? Int == 8 && strategy["microBatch"] as? Int == 1)
            #expect([2, 4].contains(strategy["pipelineParallel"] as? Int ?? 0))
        }
    }

    /// DeepSeek-V3's 61 layers split unevenly over most pipelines: such layouts are marked, carry the layout string
    /// Megatron-Core needs, and `--even-stages` leaves them out; `estimate` warns about the same layouts.
    @Test func unevenStagesAreMarkedAndCanBeLeftOut() throws {
        let entries = try Self.layouts(Self.deepSeek + ["--top", "20"])
        let uneven = entries.filter { $0["unevenPipeline"] as? Bool == true }
        #expect(!uneven.isEmpty)
        for entry in uneven {
            let arguments = entry["megatronArguments"] as? [String] ?? []
            let index = try #require(arguments.firstIndex(of: "--pipeline-model-parallel-layout"))
            let layout = arguments[index + 1]
            #expect(layout.filter { $0 == "t" }.count == 61 && layout.hasPrefix("E") && layout.hasSuffix("L"))
            let strategy = Self.strategy(entry)
            let stages = (strategy["pipelineParallel"] as? Int ?? 0) * (strategy["interleave"] as? Int ?? 0)
            #expect(layout.split(separator: "|").count == stages)
            // estimate on the same layout says the same.
            let estimate = try CLIRunner.run([
                "estimate", "--model", "deepseek-v3", "--cluster", "hgx-h100:32", "--global-batch", "1024",
                "--seq-len", "4096", "--tp", "\(strategy["tensorParallel"] as? Int ?? 0)",
                "--pp", "\(strategy["pipelineParallel"] as? Int ?? 0)",
                "--interleave", "\(strategy["interleave"] as? Int ?? 0)",
                "--ep", "\(strategy["expertParallel"] as? Int ?? 0)", "--etp",
                "\(strategy["expertTensorParallel"] as? Int ?? 0)",
            ])
            #expect(estimate.stdout.contains("--pipeline-model-parallel-layout"), "\(estimate.stdout)")
            break
        }
        let even = try Self.layouts(Self.deepSeek + ["--top", "20", "--even-stages"])
        #expect(!even.isEmpty && even.allSatisfy { $0["unevenPipeline"] as? Bool == false })
        let table = try CLIRunner.run(Self.deepSeek + ["--top", "5"])
        #expect(table.stdout.contains("uneven*") && table.stdout.contains("--pipeline-model-parallel-layout"))
    }

    @Test func formatsForMegatronAndNeMo() throws {
        let megatron = try CLIRunner.run(Self.llama + ["--top", "2", "--format", "megatron"])
        #expect(megatron.status == 0, "\(megatron.stderr)")
        let lines = megatron.stdout.split(separator: "\n")
        #expect(
            lines.count == 4 && lines[0].hasPrefix("# rank 1:") && lines[1].hasPrefix("--tensor-model-parallel-size "))
        #expect(lines[1].contains("--global-batch-size 512") && lines[1].contains("--use-distributed-optimizer"))
        let nemo = try CLIRunner.run(Self.llama + ["--top", "1", "--format", "nemo"])
        #expect(
            nemo.stdout.contains("recipe.model.tensor_model_parallel_size = ")
                && nemo.stdout.contains("recipe.train.global_batch_size = 512"))
        let estimate = try CLIRunner.run([
            "estimate", "--model", "llama-3-70b", "--cluster", "hgx-h100:8", "--tp", "4", "--pp", "4",
            "--interleave", "5", "--global-batch", "128", "--seq-len", "8192", "--sequence-parallel", "--fp8",
            "--fp8-recipe", "current", "--recompute", "full", "--recompute-layers", "2", "--format", "megatron",
        ])
        #expect(estimate.status == 0, "\(estimate.stderr)")
        for part in [
            "--num-layers-per-virtual-pipeline-stage 4", "--fp8-recipe tensorwise", "--recompute-method block",
            "--recompute-num-layers 2", "--sequence-parallel",
        ] {
            #expect(estimate.stdout.contains(part), "\(part) in \(estimate.stdout)")
        }
    }

    /// MegaScale's Megatron-LM baseline waited for its interleaved schedule's pipeline transfers; the flag prices that
    /// wait and writes Megatron-LM's switch for it, and the NeMo keys say both ways what the estimate assumed.
    @Test func waitingForPipelineTransfersIsPricedAndWritten() throws {
        let base = [
            "estimate", "--model", "gpt3-175b", "--cluster", "dgx-a100:32", "--tp", "8", "--pp", "8", "--interleave",
            "6", "--sequence-parallel", "--recompute", "selective", "--global-batch", "768", "--seq-len", "2048",
        ]
        func transfers(_ flags: [String]) throws -> Double {
            let outcome = try CLIRunner.run(base + flags + ["--json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            let breakdown = try #require(object?["breakdown"] as? [String: Any])
            return try #require(breakdown["pipelineTransfers"] as? Double)
        }
        let overlapped = try transfers([])
        let waited = try transfers(["--no-overlap-p2p-communication"])
        // Only the overlap slowdown (0.13 s per second hidden) is left of transfers this short.
        #expect(abs(overlapped / waited - 0.13) < 1e-9, "\(overlapped) \(waited)")
        let megatron = try CLIRunner.run(base + ["--no-overlap-p2p-communication", "--format", "megatron"])
        #expect(megatron.stdout.contains("--no-overlap-p2p-communication"), "\(megatron.stdout)")
        #expect(!(try CLIRunner.run(base + ["--format", "megatron"])).stdout.contains("overlap-p2p"))
        let nemo = try CLIRunner.run(base + ["--no-overlap-p2p-communication", "--format", "nemo"])
        #expect(
            nemo.stdout.contains("recipe.model.overlap_p2p_comm = False")
                && nemo.stdout.contains("recipe.model.batch_p2p_comm = True"), "\(nemo.stdout)")
        let nemoDefault = try CLIRunner.run(base + ["--format", "nemo"])
        #expect(nemoDefault.stdout.contains("recipe.model.overlap_p2p_comm = True"), "\(nemoDefault.stdout)")
    }

    @Test func badDegreeListsNameTheirFlag() throws {
        for (flag, value) in [("--tp", "0"), ("--pp", "a"), ("--ep", "4,,8"), ("--micro-batch", "-1")] {
            let outcome = try CLIRunner.run(Self.llama + [flag, value])
            #expect(outcome.status == 2 && outcome.stderr.contains(flag), "\(flag) \(value): \(outcome.stderr)")
        }
        let none = try CLIRunner.run(Self.llama + ["--tp", "3"])
        #expect(none.status == 3, "\(none.stderr)")
    }

    /// Megatron-Bridge runs Llama 3.1 405B's 126 layers over 16 × 8 virtual stages, the embedding and the loss each on
    /// a stage of its own (account_for_embedding/loss_in_pipeline_split): `estimate` prices it and writes that
    /// layout; more stages are refused, naming the flag and the limit.
    @Test func embeddingAndLossMayTakeStagesOfTheirOwn() throws {
        let base = [
            "estimate", "--model", "llama-3.1-405b", "--cluster", "hgx-h100:32", "--global-batch", "1536",
            "--seq-len", "8192", "--tp", "4", "--pp", "16", "--fp8", "--sequence-parallel", "--recompute", "full",
        ]
        let outcome = try CLIRunner.run(base + ["--interleave", "8", "--format", "megatron"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let layout = "E|" + Array(repeating: "t", count: 126).joined(separator: "|") + "|L"
        // Quoted for the shell, as `|` would pipe.
        #expect(outcome.stdout.contains("--pipeline-model-parallel-layout '\(layout)'"), "\(outcome.stdout)")
        let refused = try CLIRunner.run(base + ["--interleave", "9"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--pp × --interleave = 144"), "\(refused.stderr)")
        #expect(refused.stderr.contains("128 stages at most"), "\(refused.stderr)")
    }
}
