import Foundation

/// Text files as users save them: UTF-8 with or without a byte-order mark (Excel writes one), lines ended by LF,
/// CRLF (Windows, pandas there) or CR. Every line-oriented input goes through here so they all read the same files.
public enum TextInput {
    /// The file's text, a leading byte-order mark removed.
    public static func text(_ data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self)
        return text.first == "\u{FEFF}" ? String(text.dropFirst()) : text
    }

    /// The lines of the file in order, blank ones kept so that line `i` is element `i - 1`, as an editor numbers it.
    /// Swift reads CRLF as one character, so splitting on "\n" alone would leave a CRLF file as a single line.
    public static func lines(_ data: Data) -> [Substring] {
        text(data).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    /// The cells of one CSV record, each trimmed of spaces, with RFC 4180 quoting: a quoted cell may hold commas and
    /// `""` stands for one quote. Nil when a quote is left open (a cell spanning lines is not supported).
    public static func csvCells(_ line: Substring) -> [String]? {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            let next = line.index(after: index)
            if quoted {
                if character == "\"" {
                    if next < line.endIndex, line[next] == "\"" {
                        cell.append("\"")
                        index = line.index(after: next)
                        continue
                    }
                    quoted = false
                } else {
                    cell.append(character)
                }
            } else if character == "\"", cell.allSatisfy(\.isWhitespace) {
                cell = ""
                quoted = true
            } else if character == "," {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(character)
            }
            index = next
        }
        guard !quoted else { return nil }
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        return cells
    }
}
