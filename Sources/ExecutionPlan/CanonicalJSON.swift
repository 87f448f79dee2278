import Foundation

/// Compact JSON with sorted keys, byte for byte what `JSONEncoder` writes with `[.sortedKeys,
/// .withoutEscapingSlashes]`, several times faster: plans go out through it every step from the C ABI. Numbers are
/// written as Swift's shortest round-trip `description` (a trailing ".0" dropped), keys sorted by their UTF-8 bytes,
/// strings escaped as `JSONEncoder` escapes them. `CanonicalJSONTests` checks it against `JSONEncoder`.
public enum CanonicalJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = TreeEncoder(codingPath: [])
        try value.encode(to: encoder)
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        try write(encoder.root.value, into: &output)
        return Data(output)
    }

    static func write(_ slot: Slot, into output: inout [UInt8]) throws {
        switch slot {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): output.append(contentsOf: String(number).utf8)
        case .uint(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number): try writeNumber(number, into: &output)
        case .float(let number): try writeNumber(number, into: &output)
        case .string(let text): writeString(text, into: &output)
        case .box(let box): try write(box, into: &output)
        }
    }

    /// Swift's shortest round-trip digits, without the ".0" of whole numbers, as `JSONEncoder` writes them.
    private static func writeNumber<Number: BinaryFloatingPoint & CustomStringConvertible>(
        _ number: Number,
        into output: inout [UInt8]
    ) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(
                number, .init(codingPath: [], debugDescription: "\(number) is not a JSON number"))
        }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        output.append(contentsOf: text.utf8)
    }

    private static func write(_ box: Box, into output: inout [UInt8]) throws {
        switch box.kind {
        case .object:
            output.append(UInt8(ascii: "{"))
            let sorted = box.pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, pair) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(pair.key, into: &output)
                output.append(UInt8(ascii: ":"))
                try write(pair.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .array:
            output.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .single:
            try write(box.value, into: &output)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                output.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)],
                ])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

// MARK: - The tree an Encodable value encodes into

enum Slot {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case float(Float)
    case string(String)
    case box(Box)
}

/// A container under construction; reference semantics because nested containers fill it after they are handed out.
final class Box {
    enum Kind { case object, array, single }

    var kind: Kind
    var pairs: [(key: String, value: Slot)] = []
    var items: [Slot] = []
    var value: Slot = .null

    init(_ kind: Kind) { self.kind = kind }
}

private final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    /// The value this encoder encodes; a second keyed container merges into the first (plans flatten their body,
    /// prediction and envelope into one object this way).
    let root = Box(.single)

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    private func object() -> Box {
        if case .box(let box) = root.value, box.kind == .object { return box }
        let box = Box(.object)
        root.value = .box(box)
        return box
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedTree<Key>(box: object(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box = Box(.array)
        root.value = .box(box)
        return UnkeyedTree(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleTree(box: root, codingPath: codingPath) }
}

/// What a nested value becomes: scalars and the arrays plans are made of directly (generic code such as
/// `Array.encode(to:)` reaches here for every element), anything else through its own encoder.
private func encodeNested(_ value: some Encodable, codingPath: [any CodingKey]) throws -> Slot {
    switch value {
    case let number as Int: return .int(Int64(number))
    case let number as Double: return .double(number)
    case let text as String: return .string(text)
    case let flag as Bool: return .bool(flag)
    case let numbers as [Int]: return array(numbers.map { .int(Int64($0)) })
    case let numbers as [Double]: return array(numbers.map { .double($0) })
    default:
        let encoder = TreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.root.value
    }
}

private func array(_ items: [Slot]) -> Slot {
    let box = Box(.array)
    box.items = items
    return .box(box)
}

private struct KeyedTree<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Box
    let codingPath: [any CodingKey]

    private func put(_ slot: Slot, _ key: Key) {
        if let index = box.pairs.firstIndex(where: { $0.key == key.stringValue }) {
            box.pairs[index].value = slot
        } else {
            box.pairs.append((key.stringValue, slot))
        }
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        put(try encodeNested(value, codingPath: codingPath), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.uint(value), key) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        put(try encodeNested(value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = Box(.object)
        put(.box(nested), key)
        return KeyedEncodingContainer(KeyedTree<NestedKey>(box: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = Box(.array)
        put(.box(nested), key)
        return UnkeyedTree(box: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        // JSONEncoder's key for it; not every Key type can spell "super", so the pair is added directly.
        let encoder = TreeEncoder(codingPath: codingPath)
        box.pairs.removeAll { $0.key == "super" }
        box.pairs.append(("super", .box(encoder.root)))
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath + [key])
        put(.box(encoder.root), key)
        return encoder
    }
}

private struct UnkeyedTree: UnkeyedEncodingContainer {
    let box: Box
    let codingPath: [any CodingKey]
    var count: Int { box.items.count }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { box.items.append(.double(value)) }
    mutating func encode(_ value: Float) throws { box.items.append(try encodeNested(value, codingPath: codingPath)) }
    mutating func encode(_ value: Int) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { box.items.append(.int(value)) }
    mutating func encode(_ value: UInt) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { box.items.append(.uint(value)) }
    mutating func encode(_ value: some Encodable) throws {
        box.items.append(try encodeNested(value, codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        let nested = Box(.object)
        box.items.append(.box(nested))
        return KeyedEncodingContainer(KeyedTree<NestedKey>(box: nested, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = Box(.array)
        box.items.append(.box(nested))
        return UnkeyedTree(box: nested, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath)
        box.items.append(.box(encoder.root))
        return encoder
    }
}

private struct SingleTree: SingleValueEncodingContainer {
    let box: Box
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.value = .null }
    mutating func encode(_ value: Bool) throws { box.value = .bool(value) }
    mutating func encode(_ value: String) throws { box.value = .string(value) }
    mutating func encode(_ value: Double) throws { box.value = .double(value) }
    mutating func encode(_ value: Float) throws { box.value = .float(value) }
    mutating func encode(_ value: Int) throws { box.value = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { box.value = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { box.value = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { box.value = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { box.value = .int(value) }
    mutating func encode(_ value: UInt) throws { box.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { box.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { box.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { box.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { box.value = .uint(value) }
    mutating func encode(_ value: some Encodable) throws { box.value = try encodeNested(value, codingPath: codingPath) }
}
