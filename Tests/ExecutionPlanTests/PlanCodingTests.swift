import Foundation
import Testing

@testable import ExecutionPlan

@Suite struct PlanCodingTests {
    @Test func roundTripPreservesThePlan() throws {
        let plan = try PlanFixtures.oraclePlan()
        let data = try PlanCoding.encode(plan)
        let decoded = try PlanCoding.decode(SequenceParallelPlan.self, from: data)
        #expect(decoded == plan)
        #expect(try PlanCoding.encode(decoded) == data)
        let compact = try PlanCoding.encode(plan, compact: true)
        #expect(try PlanCoding.decode(SequenceParallelPlan.self, from: compact) == plan)
    }

    @Test func encodingIsCanonical() throws {
        let data = try PlanCoding.encode(PlanFixtures.oraclePlan(), compact: true)
        let text = String(decoding: data, as: UTF8.self)
        // Envelope and body share one flat object with sorted keys; cost fields sit inside predicted and baselines.
        #expect(
            text.hasPrefix(
                #"{"baselines":[{"name":"static-sp-64","stepSeconds":5.2},{"name":"best-homogeneous","stepSeconds":4.1}],"format":"paraplan/v1","gpus":64,"inputs":{"#
            ))
        #expect(text.contains(#""predicted":{"lowerBoundSeconds":3.5,"stepSeconds":3.859}"#))
        #expect(text.hasSuffix("}\n"))
        #expect(!text.dropLast().contains("\n"))
        let pretty = String(decoding: try PlanCoding.encode(PlanFixtures.oraclePlan()), as: UTF8.self)
        #expect(pretty.hasPrefix("{\n  \"baselines\""))
    }

    @Test func decodingRejectsAnotherFormatOrKind() throws {
        var object = try PlanFixtures.oracleJSON()
        object["format"] = "paraplan/v2"
        #expect(throws: DecodingError.self) {
            try PlanCoding.decode(SequenceParallelPlan.self, from: PlanFixtures.data(object))
        }
        object["format"] = "paraplan/v1"
        object["kind"] = "batch-balance"
        #expect(throws: DecodingError.self) {
            try PlanCoding.decode(SequenceParallelPlan.self, from: PlanFixtures.data(object))
        }
    }

    /// FIPS 180-2 test vectors.
    @Test func sha256KnownVectors() {
        #expect(SHA256.hexDigest(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hexDigest(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func inputDigestIsOrderSensitiveAndStable() throws {
        let a = try InputDigest.of([1, 2, 3], summary: "3")
        let b = try InputDigest.of([3, 2, 1], summary: "3")
        #expect(a.sha256 != b.sha256)
        #expect(a.sha256 == SHA256.hexDigest(Array("[1,2,3]".utf8)))
    }

    @Test func schemaInDocsMatchesTheEmbeddedOne() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/plan-v1.schema.json")
        let text = try String(contentsOf: docs, encoding: .utf8)
        #expect(text == PlanSchema.text + "\n")
        // And it parses as JSON.
        #expect(throws: Never.self) { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    }
}
