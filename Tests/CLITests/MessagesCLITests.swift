import Foundation
import Testing

/// Errors a new user meets name the file, the field and the value as the file wrote it; pipes read like files.
@Suite(.serialized) struct MessagesCLITests {
    static func expectError(_ arguments: [String], _ expected: String) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
        #expect(
            outcome.stderr.contains(expected) && outcome.stderr.filter { $0 == "\n" }.count == 1, "\(outcome.stderr)")
    }

    @Test func profileShapeErrorsNameTheField() throws {
        let estimate = [
            "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:1", "--global-batch", "8", "--seq-len", "128",
        ]
        try Self.expectError(
            estimate + ["--profile", try CLIRunner.temporaryFile("computeEfficiency: [1]\n", suffix: "yaml")],
            "computeEfficiency: must be a number")
        try Self.expectError(
            estimate + ["--profile", try CLIRunner.temporaryFile("achievedFlops:\n  - size: 1\n", suffix: "yaml")],
            "achievedFlops[0].flopsPerSecond: missing")
    }

    @Test func aStringIsShownInQuotes() throws {
        try Self.expectError(
            [
                "plan", "batch-balance", "--samples",
                try CLIRunner.temporaryFile("{\"tokens\": \"5\"}\n", suffix: "jsonl"), "--ranks", "1",
                "--profile", "Examples/profiles/batch-balance-7b.yaml",
            ], "tokens = \"5\": must be a whole number")
    }

    @Test func loadsContentErrorsNameTheFile() throws {
        let loads = try CLIRunner.temporaryFile("[[1, 2], [3]]", suffix: "json")
        try Self.expectError(
            ["plan", "expert-placement", "--loads", loads, "--cluster", "hgx-h100:1", "--slots-per-gpu", "2"],
            "\(loads): loads[1]")
    }

    /// A named pipe is read as a shell would (`--lengths <(generate)`); an endless device stops at the size limit.
    @Test func pipesAreReadAndEndlessDevicesRefused() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("paraplan-fifo-\(UUID().uuidString)")
            .path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data("4096\n8192\n1024\n".utf8))
                try? handle.close()
            }
        }
        writer.start()
        let outcome = try CLIRunner.run([
            "plan", "sequence-parallel", "--lengths", fifo, "--profile", "Examples/profiles/flexsp-gpt7b.yaml",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let missing = try CLIRunner.run([
            "plan", "sequence-parallel", "--lengths", "/nonexistent/lengths.txt", "--profile",
            "Examples/profiles/flexsp-gpt7b.yaml",
        ])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
    }
}
