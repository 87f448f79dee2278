import Foundation
import Testing

/// The second round's flags: expert-TP, the FP8 recipe, BF16 gradient reduction, EP overlap and block recompute.
@Suite(.serialized) struct EstimateMoEAndFP8CLITests {
    static let qwen = [
        "estimate", "--model", "deepseek-v3", "--cluster", "hgx-h100:128", "--tp", "2", "--pp", "8",
        "--interleave", "4", "--global-batch", "8192", "--seq-len", "4096", "--sequence-parallel", "--json",
    ]

    static func json(_ arguments: [String]) throws -> (status: Int32, object: [String: Any], stderr: String) {
        let outcome = try CLIRunner.run(arguments)
        let object = (try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))) as? [String: Any] ?? [:]
        return (outcome.status, object, outcome.stderr)
    }

    static func seconds(_ object: [String: Any]) -> Double { object["iterationSeconds"] as? Double ?? .nan }

    /// Megatron-Bridge's DeepSeek-V3 layout on 1,024 H100s: EP 64 over TP 2 × DP 64 with expert-TP 1, which the first
    /// round refused (`--ep 64: must divide --dp × --cp`).
    @Test func megatronBridgeDeepSeekLayoutEstimates() throws {
        let run = try Self.json(
            Self.qwen + [
                "--ep", "64", "--etp", "1", "--fp8", "--fp8-recipe", "current", "--grad-reduce-bf16",
                "--recompute", "selective",
            ])
        #expect(run.status == 0 || run.status == 3, "\(run.stderr)")
        #expect(Self.seconds(run.object) > 0)
        let overlapped = try Self.json(
            Self.qwen + [
                "--ep", "64", "--etp", "1", "--fp8", "--fp8-recipe", "current",
                "--grad-reduce-bf16", "--recompute", "selective", "--ep-comm-overlap",
            ])
        #expect(Self.seconds(overlapped.object) < Self.seconds(run.object))
        let breakdown = try #require(overlapped.object["breakdown"] as? [String: Any])
        #expect((breakdown["computeParts"] as? [String: Any])?["hostSync"] != nil)
    }

    @Test func badCombinationsNameTheirFlag() throws {
        for (extra, part) in [
            (["--ep", "128"], "--ep × --etp = 128 × 2"), (["--ep", "8", "--fp8-recipe", "current"], "--fp8-recipe"),
            (["--ep", "8", "--etp", "3"], "--ep × --etp"), (["--ep", "8", "--fp8", "--fp8-recipe", "fp4"], "fp4"),
            (["--ep", "8", "--fp8", "--fp8-recipe", "mxfp8"], "Blackwell"),
            (["--ep", "8", "--recompute-layers", "2"], "needs --recompute full"),
            (["--ep", "8", "--recompute-modules", "layernorm"], "needs --recompute selective"),
            (["--ep", "8", "--recompute-modules", "core_attn"], "needs --recompute selective"),
            (
                ["--ep", "8", "--recompute", "selective", "--recompute-modules", "moe_act,norm"],
                "is not one of core_attn, layernorm, moe_act"
            ),
        ] {
            let run = try Self.json(Self.qwen + extra)
            #expect(run.status == 2, "\(extra): \(run.stderr)")
            #expect(run.stderr.contains(part) && run.stderr.filter { $0 == "\n" }.count == 1, "\(extra): \(run.stderr)")
        }
    }

    /// BF16 gradients halve the gradient buffer; block recompute of some layers sits between none and full.
    @Test func gradientPrecisionAndBlockRecompute() throws {
        let base = [
            "estimate", "--model", "llama-3-70b", "--cluster", "hgx-h100:8", "--tp", "4", "--pp", "4", "--interleave",
            "5",
            "--global-batch", "128", "--seq-len", "8192", "--sequence-parallel", "--json",
        ]
        let fp32 = try Self.json(base)
        let bf16 = try Self.json(base + ["--grad-reduce-bf16"])
        let gradients = { (object: [String: Any]) in
            (object["memory"] as? [String: Any])?["gradients"] as? Double ?? .nan
        }
        #expect(abs(gradients(bf16.object) * 2 - gradients(fp32.object)) < 1)
        let none = try Self.json(base + ["--recompute", "none"])
        let some = try Self.json(base + ["--recompute", "full", "--recompute-layers", "2"])
        let full = try Self.json(base + ["--recompute", "full"])
        #expect(
            Self.seconds(none.object) < Self.seconds(some.object)
                && Self.seconds(some.object) < Self.seconds(full.object))
        let peak = { (object: [String: Any]) in object["memoryBytes"] as? Double ?? .nan }
        #expect(peak(none.object) > peak(some.object) && peak(some.object) > peak(full.object))
    }

    /// Fine-grained recompute: less activation memory, a longer step, and the flags Megatron-Core takes.
    @Test func recomputeModulesReachTheEstimateAndTheArguments() throws {
        let base = Self.qwen + ["--ep", "8"]
        let plain = try Self.json(base)
        let modules = try Self.json(base + ["--recompute", "selective", "--recompute-modules", "layernorm,moe_act"])
        #expect([0, 3].contains(plain.status) && [0, 3].contains(modules.status), "\(modules.stderr)")
        let activations = { (object: [String: Any]) in
            (object["memory"] as? [String: Any])?["activations"] as? Double ?? .nan
        }
        #expect(activations(modules.object) < activations(plain.object))
        #expect(Self.seconds(modules.object) > Self.seconds(plain.object))
        let strategy =
            ((modules.object["setup"] as? [String: Any])?["strategy"] as? [String: Any])?["recomputeModules"]
            as? [String]
        #expect(strategy == ["layernorm", "moe_act"])
        let megatron = try CLIRunner.run(
            base.filter { $0 != "--json" } + [
                "--recompute", "selective", "--recompute-modules",
                "layernorm,moe_act", "--format", "megatron",
            ])
        #expect(
            megatron.stdout.contains("--recompute-granularity selective --recompute-modules layernorm moe_act"),
            "\(megatron.stdout)")
    }
}
