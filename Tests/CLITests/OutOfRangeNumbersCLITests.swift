import Foundation
import Testing

/// Numbers past the limits (docs/architecture.md §Input limits) are one-line errors naming the flag or field, never
/// an overflow trap or a failed allocation. Each of these crashed the CLI before the limits existed.
@Suite(.serialized) struct OutOfRangeNumbersCLITests {
    static let huge = "4611686018427387904"  // 2^62

    func expectNamedError(_ arguments: [String], _ parts: [String], file: String? = nil) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 2, "\(arguments.joined(separator: " ")): \(outcome.stderr)")
        #expect(
            outcome.stderr.hasPrefix("paraplan: ") && outcome.stderr.filter { $0 == "\n" }.count == 1,
            "\(outcome.stderr)")
        for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
    }

    @Test func estimateFlags() throws {
        let base = ["estimate", "--model", "Examples/models/llama-3-8b.config.json"]
        let shape = ["--global-batch", "64", "--seq-len", "4096"]
        try expectNamedError(
            base + ["--cluster", "hgx-h100:2", "--tp", "2", "--global-batch", Self.huge, "--seq-len", "4096"],
            ["--global-batch = \(Self.huge)", "from 1 to 16777216"])
        try expectNamedError(
            base + ["--cluster", "hgx-h100:2", "--tp", "2", "--global-batch", "64", "--seq-len", Self.huge],
            ["--seq-len = \(Self.huge)", "from 1 to 4294967296"])
        try expectNamedError(
            base + ["--cluster", "hgx-h100:\(Self.huge)"] + shape, ["nodes = \(Self.huge)", "262144 GPUs"])
        try expectNamedError(
            base + [
                "--cluster", "hgx-h100:2", "--micro-batch", Self.huge, "--global-batch", Self.huge, "--seq-len", "4096",
            ],
            ["--micro-batch = \(Self.huge)"])
        try expectNamedError(
            base + ["--cluster", "hgx-h100:2", "--pp", "2", "--interleave", Self.huge] + shape,
            ["--interleave = \(Self.huge)"])
        try expectNamedError(base + ["--cluster", "hgx-h100:2", "--tp", Self.huge] + shape, ["--tp = \(Self.huge)"])
        // Degrees at the limit: the product (2^54 here, past 2^63 with a larger --tp) is compared as a Double.
        try expectNamedError(
            base + ["--cluster", "hgx-h100:2", "--pp", "262144", "--cp", "262144", "--dp", "262144"] + shape,
            ["--tp × --pp × --dp × --cp", "must equal the cluster's 16 GPUs"])
        try expectNamedError(base + ["--gpu", "h100-sxm", "--nodes", Self.huge] + shape, ["nodes = \(Self.huge)"])
    }

    @Test func plannerFlags() throws {
        let experts = ["plan", "expert-placement", "--loads", "Examples/moe/loads-64-experts.json"]
        try expectNamedError(
            experts + ["--cluster", "hgx-h800:2", "--slots-per-gpu", Self.huge], ["slots-per-gpu = \(Self.huge)"])
        try expectNamedError(
            experts + ["--cluster", "hgx-h800:\(Self.huge)", "--slots-per-gpu", "5"], ["nodes = \(Self.huge)"])
        try expectNamedError(
            [
                "plan", "gnn-pipeline", "--graph", "Examples/gnn/community-3k.txt", "--model",
                "Examples/gnn/gcnii-16.yaml",
                "--cluster", "dgx-a100:\(Self.huge)",
            ], ["nodes = \(Self.huge)"])
        let balance = [
            "plan", "batch-balance", "--samples", "Examples/samples/multimodal-256.jsonl", "--profile",
            "Examples/profiles/batch-balance-7b.yaml",
        ]
        try expectNamedError(balance + ["--ranks", "100000000000"], ["--ranks = 100000000000", "from 1 to 262144"])
        try expectNamedError(
            balance + ["--ranks", "8", "--micro-batches", Self.huge], ["--micro-batches = \(Self.huge)"])
        try expectNamedError(
            balance + ["--ranks", "8", "--micro-batches", "1", "--max-tokens-per-micro-batch", Self.huge],
            ["--max-tokens-per-micro-batch = \(Self.huge)"])
    }

    /// Token counts near Int.max in a CSV sample file: the sum over the batch would overflow.
    @Test func sampleFileTokens() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "tokens\n9000000000000000000\n9000000000000000000\n".write(toFile: path, atomically: true, encoding: .utf8)
        try expectNamedError(
            [
                "plan", "batch-balance", "--samples", path, "--ranks", "1", "--micro-batches", "1",
                "--profile", "Examples/profiles/batch-balance-7b.yaml",
            ],
            ["samples[0].tokens = 9000000000000000000", "from 1 to 4294967296"])
    }
}
