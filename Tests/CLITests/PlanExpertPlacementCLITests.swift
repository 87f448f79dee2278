import Foundation
import Testing

@Suite(.serialized) struct PlanExpertPlacementCLITests {
    let loads = "Examples/moe/loads-64-experts.json"
    let origins = "Examples/moe/origins-64-experts.json"

    @Test func plansTheExampleValidatesAndReplansWithinTheMoveBudget() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ep-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "expert-placement", "--loads", loads, "--origins", origins, "--cluster", "hgx-h800:2",
            "--slots-per-gpu", "5", "--groups", "8", "--output", output,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for part in [
            "8 layers × 64 experts on 16 GPUs", "lower bound", "inter-node tokens", "baseline no-replication",
            "baseline eplb-hierarchical", "baseline eplb-global",
        ] {
            #expect(outcome.stdout.contains(part), "missing \(part)")
        }
        let validation = try CLIRunner.run(["validate", output])
        #expect(
            validation.status == 0 && validation.stdout.contains("valid expert-placement plan"),
            "\(validation.stdout)\(validation.stderr)")
        let again = try CLIRunner.run([
            "plan", "expert-placement", "--loads", loads, "--origins", origins, "--cluster", "hgx-h800:2",
            "--slots-per-gpu", "5", "--groups", "8", "--previous", output, "--max-moves", "4",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        // The previous plan is itself a candidate, so replanning may only move slots where that buys balance or
        // locality, and at most 4 per layer here.
        let movesLine = again.stdout.split(separator: "\n").first { $0.hasPrefix("moves from the previous plan: ") }
        let moves = movesLine.flatMap { Int($0.split(separator: " ")[5]) }
        #expect(moves.map { $0 <= 4 * 8 } == true, "\(again.stdout)")
    }

    @Test func badInputIsOneLineWithExitTwo() throws {
        func expect(_ arguments: [String], _ parts: [String]) throws {
            let outcome = try CLIRunner.run(["plan", "expert-placement"] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "\(outcome.stderr)")
            for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
        }
        try expect(
            ["--loads", loads, "--cluster", "hgx-h800:2", "--slots-per-gpu", "3"],
            ["slots-per-gpu = 3", "< 64 experts"])
        try expect(
            ["--loads", loads, "--cluster", "hgx-h800:2", "--slots-per-gpu", "5", "--groups", "6"],
            ["groups = 6", "do not divide"])
        try expect(
            ["--loads", loads, "--cluster", "hgx-h800:4", "--slots-per-gpu", "5", "--origins", origins],
            ["origins[0]", "one row per GPU (32)"])
        try expect(
            ["--loads", loads, "--cluster", "hgx-h800:2", "--slots-per-gpu", "5", "--model", "mixtral-8x7b"],
            ["64 experts", "has 8"])
        let negative = try CLIRunner.temporaryFile("[[5, -1, 3, 2]]", suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: negative) }
        try expect(["--loads", negative, "--cluster", "hgx-h800:1", "--slots-per-gpu", "1"], ["loads[0][1] = -1.0"])
        try expect(["--loads", "missing.json", "--cluster", "hgx-h800:1", "--slots-per-gpu", "1"], ["missing.json"])
    }
}
