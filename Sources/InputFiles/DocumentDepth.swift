import Foundation

/// Bounds on a YAML or JSON document's shape, checked on its bytes before any parser sees it: the YAML parser recurses
/// once per nesting level (a few thousand levels, a few kilobytes of brackets, overflow its stack), and expands every
/// alias (`*name`) into a copy of its anchor, so a few nested aliases in 650 bytes grow into billions of nodes.
enum DocumentDepth {
    /// Far deeper than any model, cluster or profile file (they nest three or four levels).
    static let maximum = 64
    /// Aliases a document may use: enough to share a block or two, too few to nest into an exponential expansion.
    static let maximumAliases = 16

    /// Why the document cannot be parsed safely, or nil.
    static func problem(_ data: Data) -> String? {
        let (tooDeep, aliases) = scan(data)
        if tooDeep { return "nests deeper than \(maximum) levels; a model, cluster or profile file needs a few" }
        if aliases > maximumAliases {
            return
                "uses \(aliases) YAML aliases (*name); at most \(maximumAliases), since each expands into a copy of"
                + " its anchor"
        }
        return nil
    }
    /// Bytes after which a scalar may start: newline, space, tab, `:`, `[`, `{`, `,`, `-`.
    private static let scalarStarts: Set<UInt8> = [0x0A, 0x20, 0x09, 0x3A, 0x5B, 0x7B, 0x2C, 0x2D]

    /// Whether flow brackets (outside quoted strings and comments) or block indentation nest too deep, and how many
    /// aliases the document uses.
    private static func scan(_ data: Data) -> (tooDeep: Bool, aliases: Int) {
        var depth = 0
        var aliases = 0
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
                    if indentation / 2 > maximum * 4 { return (true, aliases) }
                    continue
                }
                atLineStart = false
            }
            if inComment { continue }
            if let open = quote {
                if escaped {
                    escaped = false
                } else if byte == 0x5C, open == 0x22 {
                    escaped = true
                } else if byte == open {
                    quote = nil
                }
                continue
            }
            switch byte {
            case 0x22 where scalarStarts.contains(previous), 0x27 where scalarStarts.contains(previous): quote = byte
            case 0x23 where previous == 0x20 || previous == 0x09: inComment = true
            case 0x2A where scalarStarts.contains(previous): aliases += 1
            case 0x5B, 0x7B:
                depth += 1
                if depth > maximum { return (true, aliases) }
            case 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
        }
        return (false, aliases)
    }
}
