import Foundation
import Testing

@testable import SequenceParallel

@Suite struct LengthsFileTests {
    @Test func plainWindowsAndJSONFilesParse() throws {
        #expect(try LengthsFile.parse(Data("# batch 0\n4096\n\n8192 # long\n".utf8), source: "l.txt") == [4096, 8192])
        // CRLF ends and a byte-order mark (Windows, Excel) read the same; a CRLF file once parsed as no sequences.
        let bom = Data([0xEF, 0xBB, 0xBF])
        #expect(try LengthsFile.parse(bom + Data("4096\r\n8192\r\n".utf8), source: "l.txt") == [4096, 8192])
        #expect(try LengthsFile.parse(bom + Data("[4096, 8192]".utf8), source: "l.json") == [4096, 8192])
    }

    @Test func badLinesNameTheirNumber() {
        do {
            _ = try LengthsFile.parse(Data("4096\r\n\r\nmany\r\n".utf8), source: "l.txt")
            Issue.record("parsed a non-number")
        } catch {
            #expect(error.description == "l.txt: line 3 = many: must be a whole number")
        }
    }
}
