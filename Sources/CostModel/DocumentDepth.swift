import Foundation

/// A bound on how deeply a YAML or JSON document nests, checked on its bytes before any parser recurses into it: the
/// YAML parser recurses once per level, and a few thousand levels (a few kilobytes of brackets) overflow its stack.
enum DocumentDepth {
    /// Far deeper than any model, cluster or profile file (they nest three or four levels).
    static let maximum = 64
    /// Bytes after which a scalar may start: newline, space, tab, `:`, `[`, `{`, `,`, `-`.
    private static let scalarStarts: Set<UInt8> = [0x0A, 0x20, 0x09, 0x3A, 0x5B, 0x7B, 0x2C, 0x2D]

    /// The deepest nesting of flow brackets (outside quoted strings and comments) plus block indentation, in levels.
    static func exceeds(_ data: Data) -> Bool {
        var depth = 0
        var quote: UInt8? = nil
        var escaped = false
        var inComment = false
        var atLineStart = true
        var indentation = 0
        // A quote opens a quoted scalar only where a scalar starts; `it's` in a plain scalar opens nothing.
        var previous: UInt8 = 0x20
        for byte in data {
            defer { previous = byte }
            if byte == 0x0A {
                inComment = false
                atLineStart = true
                indentation = 0
                continue
            }
            if atLineStart {
                if byte == 0x20 || byte == 0x2D {  // spaces and block-sequence dashes: block nesting
                    indentation += 1
                    if indentation / 2 > maximum * 4 { return true }
                    continue
                }
                atLineStart = false
            }
            if inComment { continue }
            if let open = quote {
                if escaped { escaped = false } else if byte == 0x5C, open == 0x22 { escaped = true } else if byte == open { quote = nil }
                continue
            }
            switch byte {
            case 0x22 where scalarStarts.contains(previous), 0x27 where scalarStarts.contains(previous): quote = byte
            case 0x23 where previous == 0x20 || previous == 0x09: inComment = true
            case 0x5B, 0x7B:
                depth += 1
                if depth > maximum { return true }
            case 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
        }
        return false
    }
}
