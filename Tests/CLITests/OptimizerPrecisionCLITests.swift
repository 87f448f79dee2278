import Foundation
import Testing

/// `--main-params-dtype`, `--exp-avg-dtype` and `--exp-avg-sq-dtype`: priced by `estimate` and `layouts`, written as
/// Megatron-LM and Megatron-Bridge name them, and bad values refused in one line that names the flag.
@Suite(.serialized) struct OptimizerPrecisionCLITests {
    static let estimate = [
        "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "64", "--seq-len", "4096",
    ]
    static let bf16Moments = ["--exp-avg-dtype", "bf16", "--exp-avg-sq-dtype", "bf16"]

    static func optimizerBytes(_ object: [String: Any]) -> Double? {
        (object["memory"] as? [String: Any])?["optimizer"] as? Double
    }

    @Test func estimateShrinksTheOptimizerStateAndSaysSo() throws {
        let fp32 = try FullIterationCUDAGraphCLITests.json(Self.estimate)
        let bf16 = try FullIterationCUDAGraphCLITests.json(Self.estimate + Self.bf16Moments)
        let full = try #require(Self.optimizerBytes(fp32))
        #expect(abs((Self.optimizerBytes(bf16) ?? 0) - full * 8 / 12) < 1)
        let table = try CLIRunner.run(Self.estimate + Self.bf16Moments)
        #expect(table.stdout.contains("Adam state fp32 master, bf16 and bf16 moments"), "\(table.stdout)")
    }

    @Test func formatsWriteTheSettings() throws {
        let megatron = try CLIRunner.run(Self.estimate + Self.bf16Moments + ["--format", "megatron"])
        #expect(
            megatron.stdout.contains(
                "--use-precision-aware-optimizer --main-params-dtype fp32 --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16"),
            "\(megatron.stdout)")
        let plain = try CLIRunner.run(Self.estimate + ["--format", "megatron"])
        #expect(!plain.stdout.contains("precision-aware"))
        let nemo = try CLIRunner.run(Self.estimate + ["--exp-avg-sq-dtype", "fp8", "--format", "nemo"])
        for expected in [
            "optimizer.use_precision_aware_optimizer = True", "optimizer.exp_avg_dtype = torch.float32",
            "optimizer.exp_avg_sq_dtype = torch.uint8",
        ] {
            #expect(nemo.stdout.contains(expected), "\(expected) in \(nemo.stdout)")
        }
    }

    @Test func layoutsPriceEveryLayoutSo() throws {
        let base = [
            "layouts", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "64", "--seq-len",
            "4096", "--top", "3",
        ]
        let object = try FullIterationCUDAGraphCLITests.json(base + Self.bf16Moments)
        let layouts = object["layouts"] as? [[String: Any]] ?? []
        #expect(!layouts.isEmpty)
        for layout in layouts {
            let precision = (layout["strategy"] as? [String: Any])?["optimizerPrecision"] as? [String: String]
            #expect(precision == ["mainParams": "fp32", "expAvg": "bf16", "expAvgSq": "bf16"])
        }
    }

    @Test(arguments: [
        (["--exp-avg-dtype", "fp64"], "--exp-avg-dtype"),
        (["--exp-avg-sq-dtype", ""], "--exp-avg-sq-dtype"),
        (["--main-params-dtype", "bf16"], "--main-params-dtype"),
        (["--exp-avg-dtype", "bf16", "--zero", "0"], "--exp-avg-dtype"),
        (["--exp-avg-sq-dtype", "fp8", "--zero", "3"], "--exp-avg-sq-dtype"),
    ])
    func badValuesAreRefusedInOneLine(extra: [String], flag: String) throws {
        let outcome = try CLIRunner.run(Self.estimate + extra)
        #expect(outcome.status == 2)
        let message = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.contains("\n") && message.contains(flag), "\(message)")
    }
}
