/// The first key an object of a JSON text repeats. JSON parsers disagree on which value a repeated key keeps (Swift's
/// decoder the first, Python's the last), so a plan that repeats one means different things to different runtimes:
/// `validate` refuses it. Assumes syntactically valid JSON (the decoder has checked it); one pass over the bytes.
enum DuplicateKeys {
    private struct Container {
        var isObject: Bool
        var keys: Set<[UInt8]> = []
        var path: String
        var index = 0
    }

    static func first(in bytes: some Collection<UInt8>) -> PlanProblem? {
        var stack: [Container] = []
        var expectingKey = false
        var lastKey = ""
        var iterator = bytes.makeIterator()
        func childPath() -> String {
            guard let top = stack.last else { return "$" }
            return top.isObject ? top.path + "." + lastKey : top.path + "[\(top.index)]"
        }
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "{"):
                stack.append(Container(isObject: true, path: childPath()))
                expectingKey = true
            case UInt8(ascii: "["):
                stack.append(Container(isObject: false, path: childPath()))
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                if let top = stack.last {
                    expectingKey = top.isObject
                    if !top.isObject { stack[stack.count - 1].index += 1 }
                }
            case UInt8(ascii: "\""):
                let string = readString(&iterator)
                guard expectingKey, let top = stack.last, top.isObject else { break }
                let key = String(decoding: string, as: UTF8.self)
                guard stack[stack.count - 1].keys.insert(string).inserted else {
                    return PlanProblem(
                        path: top.path + "." + key, value: "",
                        reason: "the key is repeated in its object (parsers disagree on which value counts)")
                }
                lastKey = key
                expectingKey = false
            default:
                break
            }
        }
        return nil
    }

    /// The raw bytes of a string body (escapes kept as written: two spellings of one key are rare enough to ignore).
    private static func readString<I: IteratorProtocol<UInt8>>(_ iterator: inout I) -> [UInt8] {
        var bytes: [UInt8] = []
        var escaped = false
        while let byte = iterator.next() {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                break
            }
            bytes.append(byte)
        }
        return bytes
    }
}
