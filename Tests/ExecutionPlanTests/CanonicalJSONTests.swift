import Foundation
import SolverFixtures
import Testing

@testable import ExecutionPlan

/// CanonicalJSON writes what JSONEncoder writes with sorted keys and unescaped slashes, byte for byte.
@Suite struct CanonicalJSONTests {
    static let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private func agree(_ value: some Encodable) throws {
        let expected = try Self.reference.encode(value)
        let got = try CanonicalJSON.encode(value)
        #expect(
            got == expected,
            "\(String(decoding: got.prefix(200), as: UTF8.self)) vs \(String(decoding: expected.prefix(200), as: UTF8.self))"
        )
    }

    @Test func planFixture() throws {
        try agree(try PlanFixtures.oraclePlan())
    }

    @Test func randomDocuments() throws {
        var generator = SeededGenerator(seed: 2026)
        for _ in 0..<400 { try agree(randomValue(&generator, depth: 0)) }
    }

    @Test func numbersAndStrings() throws {
        let doubles: [Double] = [
            0, -0.0, 1, -1, 0.1, 1e-7, 1e15, 1e16, 1e17, 1e21, 1e22, 1e300, 5e-324, 123_456_789.125,
            .pi, 2.0.squareRoot(), 9_007_199_254_740_993, Double(Int64.max),
        ]
        try agree(doubles)
        try agree([Int.min, -1, 0, 1, Int.max])
        try agree([UInt64.max, 0])
        try agree([Float(0.1), 1e10, 3])
        let strings =
            (0..<256).map { String(UnicodeScalar(UInt8($0))) } + [
                "é", "日本", "\u{2028}", "😀", "a/b", "q\"uote", "back\\slash",
            ]
        try agree(strings)
        try agree(["b": 1, "B": 2, "a": 3, "_": 4, "1": 5, "chunkOf": 6, "chunkSizes": 7, "chunks": 8])
        try agree([[Int]](repeating: [], count: 3))
        try agree([String: Int]())
    }

    @Test func nonFiniteNumbersFailAsInJSONEncoder() {
        #expect(throws: EncodingError.self) { try CanonicalJSON.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try CanonicalJSON.encode(["x": Double.infinity]) }
    }

    private func randomValue(_ generator: inout SeededGenerator, depth: Int) -> JSONValue {
        switch generator.next() % (depth > 3 ? 4 : 6) {
        case 0:
            return .number(
                Double(bitPattern: generator.next()).isFinite
                    ? Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF) : 1)
        case 1: return .number(Double(Int64(bitPattern: generator.next()) >> Int64(generator.next() % 60)))
        case 2:
            return .string(
                String(
                    (0..<(generator.next() % 8)).map { _ in Character(UnicodeScalar(UInt8(generator.next() % 128))) }))
        case 3: return generator.next() % 2 == 0 ? .bool(true) : .null
        case 4: return .array((0..<(generator.next() % 5)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<(generator.next() % 6) {
                let key = String(
                    (0..<(1 + generator.next() % 6)).map { _ in
                        Character(UnicodeScalar(UInt8(48 + generator.next() % 75)))
                    })
                members[key] = randomValue(&generator, depth: depth + 1)
            }
            return .object(members)
        }
    }
}

/// JSONValue reads numbers first (the common case in plans) without turning a boolean into one.
@Suite struct JSONValueTests {
    @Test func booleansStayBooleans() throws {
        let value = try JSONDecoder().decode(
            JSONValue.self, from: Data(#"{"a": true, "b": [false, 1, 2.5, null], "c": "1"}"#.utf8))
        #expect(
            value
                == .object([
                    "a": .bool(true), "b": .array([.bool(false), .number(1), .number(2.5), .null]), "c": .string("1"),
                ]))
    }
}
