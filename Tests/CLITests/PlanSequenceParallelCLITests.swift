import Foundation
import Testing

@Suite(.serialized) struct PlanSequenceParallelCLITests {
    let profile = "Examples/profiles/flexsp-gpt7b.yaml"

    func expectError(_ arguments: [String], code: Int32, containing parts: [String]) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == code, "\(arguments): \(outcome.stderr)")
        #expect(
            outcome.stderr.hasPrefix("paraplan: ") && outcome.stderr.filter { $0 == "\n" }.count == 1,
            "\(outcome.stderr)")
        for part in parts { #expect(outcome.stderr.contains(part), "\(outcome.stderr) lacks \(part)") }
    }

    @Test func plansTheExampleBatchAndWritesAValidPlan() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sp-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try CLIRunner.run([
            "plan", "sequence-parallel", "--lengths", "Examples/batches/wikipedia-batch0.txt",
            "--profile", profile, "--output", output, "--compact",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for part in [
            "512 sequences on 64 GPUs", "micro-batch 0", "lower bound", "baseline static-sp-64",
            "baseline best-homogeneous", "planned in",
        ] {
            #expect(outcome.stdout.contains(part), "missing \(part)")
        }
        let plan = try String(contentsOfFile: output, encoding: .utf8)
        #expect(plan.hasPrefix("{\"baselines\":[{\"name\":\"static-sp-64\"") && plan.filter { $0 == "\n" }.count == 1)
        let validated = try CLIRunner.run(["validate", output])
        #expect(validated.status == 0, "\(validated.stderr)")
    }

    /// `--tight-bound`: the same plan, with a lower bound at least the plan's own and at most its step.
    @Test func tightBoundKeepsThePlanAndRaisesItsBound() throws {
        let directory = FileManager.default.temporaryDirectory
        let plain = directory.appendingPathComponent("sp-\(UUID().uuidString).json").path
        let tight = directory.appendingPathComponent("sp-\(UUID().uuidString).json").path
        defer { for file in [plain, tight] { try? FileManager.default.removeItem(atPath: file) } }
        let arguments = [
            "plan", "sequence-parallel", "--lengths", "Examples/batches/wikipedia-batch0.txt",
            "--profile", profile,
        ]
        #expect(try CLIRunner.run(arguments + ["--output", plain]).status == 0)
        let outcome = try CLIRunner.run(arguments + ["--output", tight, "--tight-bound"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        func read(_ path: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }
        let plainPlan = try read(plain)
        let tightPlan = try read(tight)
        #expect(
            NSDictionary(dictionary: plainPlan["microBatches"].map { ["m": $0] } ?? [:])
                .isEqual(to: tightPlan["microBatches"].map { ["m": $0] } ?? [:]))
        let predicted = { (plan: [String: Any]) in plan["predicted"] as? [String: Any] ?? [:] }
        let plainBound = try #require(predicted(plainPlan)["lowerBoundSeconds"] as? Double)
        let tightBound = try #require(predicted(tightPlan)["lowerBoundSeconds"] as? Double)
        let step = try #require(predicted(tightPlan)["stepSeconds"] as? Double)
        #expect(
            tightBound >= plainBound && tightBound <= step,
            "tight \(tightBound), plain \(plainBound), step \(step)")
    }

    @Test func derivesTheProfileFromModelAndCluster() throws {
        let lengths = try CLIRunner.temporaryFile("[4096, 8192, 1024, 30000, 512, 512, 2048]", suffix: "json")
        defer { try? FileManager.default.removeItem(atPath: lengths) }
        let outcome = try CLIRunner.run([
            "plan", "sequence-parallel", "--lengths", lengths, "--model", "llama-3-8b", "--cluster", "hgx-h100:2",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("7 sequences on 16 GPUs"))
    }

    @Test func badInputIsNamed() throws {
        let bad = try CLIRunner.temporaryFile("# lengths\n100\n\n20x0\n", suffix: "txt")
        let long = try CLIRunner.temporaryFile("1000\n400000\n", suffix: "txt")
        let wrongProfile = try CLIRunner.temporaryFile("kind: sequence-parallel\ngpus: 64\n", suffix: "yaml")
        defer { for file in [bad, long, wrongProfile] { try? FileManager.default.removeItem(atPath: file) } }
        try expectError(
            ["plan", "sequence-parallel", "--lengths", bad, "--profile", profile], code: 2,
            containing: [bad, "line 4 = 20x0"])
        try expectError(
            ["plan", "sequence-parallel", "--lengths", long, "--profile", profile], code: 3,
            containing: ["lengths[1] = 400000", "longer than"])
        try expectError(
            ["plan", "sequence-parallel", "--lengths", long, "--profile", wrongProfile], code: 2,
            containing: [wrongProfile, "missing"])
        try expectError(
            ["plan", "sequence-parallel", "--lengths", long], code: 2, containing: ["--profile", "required"])
        try expectError(
            ["plan", "sequence-parallel", "--lengths", long, "--profile", profile, "--time-budget-ms", "0"], code: 2,
            containing: ["--time-budget-ms = 0"])
    }
}
