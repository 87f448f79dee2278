import Foundation
import Testing

/// The wait for the slowest worker on the command line: printed by `estimate`, measured by `whatif` on a trace, and
/// taken from a calibration profile's `computeDeviation` (with the cluster's `clusterDeviation` beside it).
@Suite(.serialized) struct SynchronisationCLITests {
    static let base = [
        "estimate", "--model", "llama-3-8b", "--cluster", "hgx-h100:8", "--global-batch", "128", "--seq-len", "4096",
    ]

    static func wait(_ extra: [String]) throws -> Double {
        let outcome = try CLIRunner.run(Self.base + extra + ["--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return (object["breakdown"] as? [String: Any])?["synchronisation"] as? Double ?? .nan
    }

    static func profile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deviation-\(UUID().uuidString).yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    @Test func whatifMeasuresWhatAProfileTakes() throws {
        let report = try CLIRunner.run([
            "whatif", "--trace", "Examples/traces/trace-ST.csv", "--meta", "Examples/traces/meta-ST.yaml",
        ])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("compute spread between peers: 0.70 % per step"), "\(report.stdout)")
        let json = try CLIRunner.run([
            "whatif", "--trace", "Examples/traces/trace-ST.csv", "--meta", "Examples/traces/meta-ST.yaml", "--json",
        ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let measured = try #require(object["computeDeviation"] as? Double)
        #expect(abs(measured - 0.00697) < 0.00001)

        let standard = try Self.wait([])
        #expect(standard > 0)
        let table = try CLIRunner.run(Self.base)
        #expect(table.stdout.contains("slowest worker"), "\(table.stdout)")
        let measuredWait = try Self.wait(["--profile", try Self.profile("computeDeviation: \(measured)\n")])
        // The measured compute spread replaces the traces' 0.58 %; the cluster's adds to it in quadrature.
        let clusterOnly = try Self.wait(["--profile", try Self.profile("computeDeviation: 0\n")])
        #expect(clusterOnly > 0 && clusterOnly < standard)
        let computeShare =
            (measuredWait * measuredWait - clusterOnly * clusterOnly)
            / (standard * standard - clusterOnly * clusterOnly)
        #expect(abs(computeShare - (measured / 0.0058) * (measured / 0.0058)) < 1e-6)
        #expect(try Self.wait(["--profile", try Self.profile("computeDeviation: 0\nclusterDeviation: 0\n")]) == 0)
        // The example profile holds what whatif measures on the example trace.
        let example = try String(contentsOfFile: "Examples/profiles/trace-st-spread.yaml", encoding: .utf8)
        #expect(example.contains("computeDeviation: \(String(format: "%.5f", measured))"), "\(measured)")
        #expect(report.stdout.contains("compute spread between peers: 1.52 % per micro-batch operation"))
        let perOperation = try #require(object["operationDeviation"] as? Double)
        #expect(example.contains("operationDeviation: \(String(format: "%.5f", perOperation))"), "\(perOperation)")
    }

    @Test(arguments: ["computeDeviation", "clusterDeviation"])
    func aBadSpreadIsNamed(field: String) throws {
        let outcome = try CLIRunner.run(Self.base + ["--profile", try Self.profile("\(field): 2\n")])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(field) && outcome.stderr.contains("2"), "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }
}
