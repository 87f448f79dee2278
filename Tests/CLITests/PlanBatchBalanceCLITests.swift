import Foundation
import Testing

@Suite(.serialized) struct PlanBatchBalanceCLITests {
    let profile = "Examples/profiles/batch-balance-7b.yaml"
    let samples = "Examples/samples/multimodal-256.jsonl"

    @Test func plansTheExampleAndWritesAValidPlan() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--equal-counts", "--micro-batches", "4",
            "--max-tokens-per-micro-batch", "24576", "--profile", profile, "--phases", "encoder,llm", "--output",
            output,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for part in [
            "256 samples on 8 ranks", "lower bound", "baseline as-loaded", "baseline lpt", "baseline verl-kk",
            "baseline llm-only", "moved:",
        ] {
            #expect(outcome.stdout.contains(part), "missing \(part)")
        }
        #expect(try CLIRunner.run(["validate", output]).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains(#""name" : "llm-only""#))
        // Every rank may plan the step itself: a second run writes the same bytes.
        let again = output + ".again"
        defer { try? FileManager.default.removeItem(atPath: again) }
        #expect(
            try CLIRunner.run([
                "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--equal-counts", "--micro-batches", "4",
                "--max-tokens-per-micro-batch", "24576", "--profile", profile, "--phases", "encoder,llm",
                "--output", again,
            ]).status == 0)
        #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: again))
    }

    /// Without a profile, a Qwen2-VL config gives both phases: the encoder's from its vision_config.
    @Test func plansBothPhasesFromAVisionLanguageConfig() throws {
        let outcome = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--equal-counts",
            "--model", "Examples/models/qwen2-vl-7b.config.json", "--cluster", "hgx-h100:1", "--phases", "encoder,llm",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("256 samples on 8 ranks") && outcome.stdout.contains("lower bound"))
        // The skew line: what encoder-aware balancing can gain on
        // this batch, next to the llm-only baseline it predicts.
        let skew = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("images: the encoder is ") })
        #expect(
            skew.contains("% of the work") && skew.contains("can gain at most") && skew.contains("(this plan: "),
            "\(skew)")
        // A text-only model has no encoder to price the images with.
        let textOnly = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8",
            "--model", "Examples/models/qwen2.5-7b.config.json", "--cluster", "hgx-h100:1",
        ])
        #expect(textOnly.status == 2)
        #expect(textOnly.stderr.contains("no encoder phase"), "\(textOnly.stderr)")
    }

    /// --sync-every-phase: one assignment, the step the slowest
    /// encoder rank plus the slowest LLM rank, stated in the plan.
    @Test func synchronisedPhasesAreStatedInThePlan() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--equal-counts", "--profile", profile,
            "--sync-every-phase", "--output", output,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("encoder phase with its samples, ranks synchronised"), "\(outcome.stdout)")
        #expect(try CLIRunner.run(["validate", output]).status == 0)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains(#""stepModel" : "sum-of-phase-maxima""#))
    }

    /// --keep-encoder-phase: the plan keeps its encoder section
    /// whichever plan is faster; it needs --phases encoder,llm.
    @Test func keepsTheEncoderPhaseWhenAsked() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--equal-counts", "--profile", profile,
            "--phases", "encoder,llm", "--keep-encoder-phase", "--output", output,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("encoder phase balanced separately"), "\(outcome.stdout)")
        #expect(try CLIRunner.run(["validate", output]).status == 0)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains(#""encoder" : ["#), "the plan should list the encoder phase")
        let without = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--profile", profile, "--keep-encoder-phase",
        ])
        #expect(without.status == 2)
        #expect(
            without.stderr.contains("--phases = llm")
                && without.stderr.contains("--keep-encoder-phase needs encoder,llm"), "\(without.stderr)")
    }

    /// --split-images: heavy images split over groups of ranks, listed as shards in a plan that validates; refused
    /// without a separate encoder phase, and with a profile that cannot price it.
    @Test func splitsHeavyImagesWhenAsked() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bb-split-\(UUID().uuidString).json")
            .path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "64", "--equal-counts",
            "--model", "Examples/models/qwen2-vl-7b.config.json", "--cluster", "hgx-h100:8",
            "--phases", "encoder,llm", "--split-images", "--output", output,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("images split: "), "\(outcome.stdout)")
        #expect(try CLIRunner.run(["validate", output]).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains(#""shards" : ["#))
        let without = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--profile", profile, "--split-images",
        ])
        #expect(
            without.status == 2 && without.stderr.contains("--split-images needs --phases encoder,llm"),
            "\(without.stderr)")
        #expect(without.stderr.filter { $0 == "\n" }.count == 1)
        let unpriced = try CLIRunner.run([
            "plan", "batch-balance", "--samples", samples, "--ranks", "8", "--profile", profile,
            "--phases", "encoder,llm", "--split-images",
        ])
        #expect(unpriced.status == 2 && unpriced.stderr.contains("no encoderSplit"), "\(unpriced.stderr)")
    }

    @Test func badInputAndInfeasibleCaps() throws {
        func expect(_ arguments: [String], code: Int32, _ parts: [String]) throws {
            let outcome = try CLIRunner.run(["plan", "batch-balance"] + arguments)
            #expect(outcome.status == code, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.filter { $0 == "\n" }.count == 1)
            for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
        }
        try expect(
            [
                "--samples", samples, "--ranks", "8", "--micro-batches", "4", "--max-tokens-per-micro-batch", "16384",
                "--profile", profile,
            ],
            code: 3, ["exceed ranks × micro-batches × cap"])
        try expect(
            ["--samples", samples, "--ranks", "8", "--max-tokens-per-micro-batch", "1000", "--profile", profile],
            code: 3, ["exceeds the micro-batch cap of 1000 tokens"])
        let five = try CLIRunner.temporaryFile(
            (0..<5).map { _ in #"{"tokens": 100}"# }.joined(separator: "\n"), suffix: "jsonl")
        defer { try? FileManager.default.removeItem(atPath: five) }
        try expect(
            ["--samples", five, "--ranks", "2", "--equal-counts", "--profile", profile], code: 2,
            ["5 samples do not divide evenly over 2 ranks"])
        try expect(["--samples", samples, "--ranks", "0", "--profile", profile], code: 2, ["--ranks = 0"])
        try expect(
            ["--samples", samples, "--ranks", "8", "--profile", profile, "--phases", "vision"], code: 2,
            ["--phases = vision"])
        let bad = try CLIRunner.temporaryFile(#"{"tokens": 100, "images": [80, 40]}"# + "\n", suffix: "jsonl")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try expect(
            ["--samples", bad, "--ranks", "1", "--profile", profile], code: 2, ["samples[0].images = 120 tokens"])
    }
}
