import ExecutionPlan
import Foundation
import Testing

@Suite struct PlanValidatorTests {
    static func problem(_ data: Data) -> PlanProblem? {
        if case .failure(let problem) = PlanValidator.validate(data) { return problem }
        return nil
    }

    @Test func validPlanPasses() throws {
        let result = PlanValidator.validate(try PlanCoding.encode(PlanFixtures.oraclePlan()))
        guard case .success(let summary) = result else {
            Issue.record("valid plan rejected: \(result)")
            return
        }
        #expect(summary.kind == .sequenceParallel)
        #expect(summary.description.contains("5 sequences on 64 GPUs"))
    }

    @Test func malformedJSONIsNamed() {
        #expect(Self.problem(Data("{\"format\": ".utf8))?.reason.hasPrefix("not valid JSON") == true)
        #expect(Self.problem(Data("[]".utf8))?.reason == "must be object")
    }

    /// Each broken plan is rejected with the field that is wrong.
    @Test(arguments: [
        ("format", "paraplan/v0", "$.format"),
        ("kind", "pipeline-magic", "$.kind"),
        ("gpus", "0", "$.gpus"),
    ])
    func envelopeFieldsAreChecked(field: String, value: String, expectedPath: String) throws {
        var object = try PlanFixtures.oracleJSON()
        object[field] = Int(value).map { $0 as Any } ?? value
        #expect(Self.problem(try PlanFixtures.data(object))?.path == expectedPath)
    }

    /// Counts past the planners' limits are named, not allocated or overflowed (a crash found by mutation: an array of
    /// 10¹⁵ ranks; firstRank + degree past Int.max).
    @Test func absurdCountsAreNamed() throws {
        var object = try PlanFixtures.oracleJSON()
        object["gpus"] = 1_000_000_000_000_000
        let huge = Self.problem(try PlanFixtures.data(object))
        #expect(huge?.path == "$.gpus" && huge?.reason.contains("262144") == true, "\(String(describing: huge))")
        object["gpus"] = Int.max
        var batches = try #require(object["microBatches"] as? [[String: Any]])
        var groups = try #require(batches[0]["groups"] as? [[String: Any]])
        groups[0]["degree"] = 1 << 62
        groups[0]["firstRank"] = 1 << 62
        batches[0]["groups"] = groups
        object["microBatches"] = batches
        #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.gpus")
    }

    @Test func missingRequiredFieldIsNamed() throws {
        for field in ["predicted", "solver", "inputs", "microBatches"] {
            var object = try PlanFixtures.oracleJSON()
            object[field] = nil
            #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.\(field)", "removing \(field)")
        }
    }

    @Test func badDigestAndUnknownSolverFieldAreRejected() throws {
        var object = try PlanFixtures.oracleJSON()
        object["inputs"] = ["sha256": "xyz", "summary": "s"]
        #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.inputs.sha256")
        object = try PlanFixtures.oracleJSON()
        object["solver"] = ["backend": "glpk", "status": "optimal", "seconds": 0.1, "colour": "red"]
        #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.solver.colour")
    }

    @Test func misalignedGroupIsRejected() throws {
        let data = try PlanFixtures.withGroups { $0[1]["firstRank"] = 36 }
        let problem = try #require(Self.problem(data))
        #expect(problem.path == "$.microBatches[0].groups[1].firstRank")
        #expect(problem.value == "36")
        #expect(problem.reason.contains("multiple of the degree 8"))
    }

    @Test func degreeNotPowerOfTwoIsRejected() throws {
        let data = try PlanFixtures.withGroups { $0[1]["degree"] = 6 }
        #expect(Self.problem(data)?.path == "$.microBatches[0].groups[1].degree")
    }

    @Test func overlappingGroupsAreRejected() throws {
        let data = try PlanFixtures.withGroups { $0[1]["firstRank"] = 24 }
        let problem = try #require(Self.problem(data))
        #expect(problem.reason.contains("rank 24 is already in group 0"))
    }

    @Test func groupPastTheLastRankIsRejected() throws {
        let data = try PlanFixtures.withGroups { $0[4]["firstRank"] = 64 }
        #expect(Self.problem(data)?.reason.contains("past rank 63") == true)
    }

    @Test func duplicatedOrMissingSequenceIsRejected() throws {
        let duplicated = try PlanFixtures.withGroups { $0[2]["sequences"] = [1] }
        #expect(
            Self.problem(duplicated)?.reason.contains("already placed at microBatches[0].groups[1].sequences[0]")
                == true)
        let missing = try PlanFixtures.withGroups { $0[2]["sequences"] = [7] }
        #expect(Self.problem(missing)?.reason.contains("some sequence is missing") == true)
    }

    @Test func inconsistentTimesAreRejected() throws {
        var object = try PlanFixtures.oracleJSON()
        object["predicted"] = ["stepSeconds": 2.0, "lowerBoundSeconds": 1.0]
        #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.predicted.stepSeconds")
        object["predicted"] = ["stepSeconds": 3.859, "lowerBoundSeconds": 4.5]
        #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.predicted.lowerBoundSeconds")
        object["predicted"] = ["stepSeconds": 3.859, "lowerBoundSeconds": -1]
        #expect(Self.problem(try PlanFixtures.data(object))?.path == "$.predicted.lowerBoundSeconds")
    }

    @Test func baselineBelowTheLowerBoundExposesABadBound() throws {
        var object = try PlanFixtures.oracleJSON()
        object["baselines"] = [["name": "lucky", "stepSeconds": 3.0]]
        let problem = try #require(Self.problem(try PlanFixtures.data(object)))
        #expect(problem.path == "$.baselines[0]")
        #expect(problem.reason.contains("lucky"))
    }

    @Test func negativeOrFractionalSequenceIndexIsRejectedBySchema() throws {
        let negative = try PlanFixtures.withGroups { $0[0]["sequences"] = [-1] }
        #expect(Self.problem(negative)?.path == "$.microBatches[0].groups[0].sequences[0]")
        let fractional = try PlanFixtures.withGroups { $0[0]["sequences"] = [0.5] }
        #expect(Self.problem(fractional)?.reason == "must be integer")
    }
}

/// A repeated key is refused wherever it stands, named by its path: parsers disagree on which value it keeps.
@Suite struct DuplicateKeyTests {
    @Test func repeatedKeysAreRefusedByPath() throws {
        let text = String(decoding: try PlanCoding.encode(try PlanFixtures.oraclePlan(), compact: true), as: UTF8.self)
        #expect(PlanValidator.validate(Data(text.utf8)).isSuccess)
        let top = text.replacingOccurrences(of: "\"gpus\":64", with: "\"gpus\":64,\"gpus\":1000000000000000")
        #expect(PlanValidator.validate(Data(top.utf8)).problem?.path == "$.gpus")
        let nested = text.replacingOccurrences(of: "{\"degree\":8,", with: "{\"degree\":8,\"degree\":16,")
        #expect(PlanValidator.validate(Data(nested.utf8)).problem?.path == "$.microBatches[0].groups[1].degree")
        // The same key in sibling objects, and a key spelled inside a string value, are fine.
        let sibling = text.replacingOccurrences(of: "\"summary\":\"5 sequences\"", with: "\"summary\":\"gpus, gpus\"")
        #expect(PlanValidator.validate(Data(sibling.utf8)).isSuccess)
    }
}

extension Result where Success == PlanValidator.Summary, Failure == PlanProblem {
    fileprivate var isSuccess: Bool { if case .success = self { true } else { false } }
    fileprivate var problem: PlanProblem? { if case .failure(let problem) = self { problem } else { nil } }
}
