import ExecutionPlan
import Foundation
import Testing

@Suite struct PlanComparisonTests {
    /// The oracle plan (3.859 s, bound 3.5, baselines at 5.2 and
    /// 4.1 s) beside a copy under another name that is slower.
    static func plans() throws -> [(label: String, data: Data)] {
        var slower = try PlanFixtures.oraclePlan()
        slower.predicted = Predicted(.init(stepSeconds: 3.9), lowerBoundSeconds: 3.5)
        slower.body.microBatches[0].predictedSeconds = 3.9
        return [
            ("b.json", try PlanCoding.encode(slower)), ("a.json", try PlanCoding.encode(PlanFixtures.oraclePlan())),
        ]
    }

    @Test func ranksPlansAndBaselinesFastestFirst() throws {
        let comparison = try PlanComparison.of(try Self.plans())
        #expect(comparison.kind == .sequenceParallel && comparison.metric == "step seconds" && comparison.sameInputs)
        #expect(
            comparison.rows.map { "\($0.plan) \($0.strategy)" } == [
                "a.json plan", "b.json plan", "a.json best-homogeneous", "b.json best-homogeneous",
                "a.json static-sp-64", "b.json static-sp-64",
            ])
        let first = try #require(comparison.rows.first)
        let last = try #require(comparison.rows.last)
        #expect(first.overBest == 1 && first.overBound == 3.859 / 3.5 && first.lowerBoundSeconds == 3.5)
        #expect(last.seconds == 5.2 && last.overBest == 5.2 / 3.859 && last.overBound == 5.2 / 3.5)
    }

    @Test func rendersTableMarkdownCSVAndJSON() throws {
        let comparison = try PlanComparison.of(try Self.plans())
        let table = comparison.table().split(separator: "\n")
        #expect(table.count == 7)
        #expect(table[0].hasPrefix("plan") && table[0].hasSuffix("× bound"))
        #expect(table[1].hasPrefix("a.json  plan") && table[1].hasSuffix("3.859  1.0000   1.1026"), "\(table[1])")
        let markdown = comparison.markdown().split(separator: "\n")
        #expect(markdown[0] == "| plan | strategy | step seconds | × best | × bound |")
        #expect(markdown[1] == "| --- | --- | ---: | ---: | ---: |")
        let csv = comparison.csv().split(separator: "\n")
        #expect(csv[1] == "a.json,plan,3.859,1.0,\(3.859 / 3.5)")
        let decoded = try JSONDecoder().decode(PlanComparison.self, from: Data(try comparison.json().utf8))
        #expect(decoded == comparison)
    }

    @Test func differentInputsAreNoted() throws {
        var other = try PlanFixtures.oraclePlan()
        other.inputs = try InputDigest.of([1, 2, 3], summary: "another batch")
        let comparison = try PlanComparison.of([
            ("a.json", try PlanCoding.encode(PlanFixtures.oraclePlan())),
            ("c.json", try PlanCoding.encode(other)),
        ])
        #expect(!comparison.sameInputs)
        #expect(
            comparison.table().hasSuffix(
                "note: the plans were computed from different inputs (their digests differ), so their times are not like for like"
            ))
    }

    @Test func invalidPlansAndMixedKindsNameTheFile() throws {
        func failure(_ plans: [(label: String, data: Data)]) -> PlanComparison.Failure? {
            do {
                _ = try PlanComparison.of(plans)
                return nil
            } catch { return error }
        }
        #expect(failure([])?.reason == "give at least one plan")
        let broken = try PlanFixtures.withGroups { groups in groups[0]["degree"] = 3 }
        #expect(
            failure([("ok.json", try PlanCoding.encode(PlanFixtures.oraclePlan())), ("broken.json", broken)])?.plan
                == "broken.json")
        let body = GNNPipelinePlan(
            graphParallelWays: 1, stages: [.init(ranks: [0], layers: [0, 2])], chunks: 1, chunkOf: nil,
            chunkOfFile: nil, chunkSizes: nil, mirrorsSource: "graph-stats")
        let gnn = Plan(
            body: body, predicted: Predicted(.init(epochSeconds: 1, communicationBytes: 0), lowerBoundSeconds: nil),
            baselines: [], solver: SolverReport(backend: "dp", status: "optimal"),
            inputs: InputDigest(sha256: String(repeating: "0", count: 64), summary: "graph"))
        let mixed = failure([
            ("sp.json", try PlanCoding.encode(PlanFixtures.oraclePlan())), ("gnn.json", try PlanCoding.encode(gnn)),
        ])
        #expect(mixed?.plan == "gnn.json")
        #expect(mixed?.reason.contains("a gnn-pipeline plan, but sp.json is sequence-parallel") == true)
    }
}
