import Foundation
import Testing

@testable import CostModel
@testable import InputFiles

@Suite struct TextInputTests {
    @Test func linesEndInLFCRLFOrCRAndKeepTheirNumbers() {
        #expect(TextInput.lines(Data("a\nb\r\nc\rd".utf8)) == ["a", "b", "c", "d"])
        // Blank lines stay, so element i - 1 is the editor's line i; a final newline leaves one empty line.
        #expect(TextInput.lines(Data("a\r\n\r\nb\r\n".utf8)) == ["a", "", "b", ""])
    }

    @Test func byteOrderMarkIsDropped() {
        let marked = Data([0xEF, 0xBB, 0xBF]) + Data("tokens\n5\n".utf8)
        #expect(TextInput.text(marked) == "tokens\n5\n")
        #expect(TextInput.lines(marked).first == "tokens")
        #expect(TextInput.text(Data("\u{FEFF}".utf8)) == "")
    }

    @Test func csvCellsFollowRFC4180Quoting() {
        #expect(TextInput.csvCells("a, b ,c") == ["a", "b", "c"])
        #expect(TextInput.csvCells(#"1,"[576, 1024]",x"#) == ["1", "[576, 1024]", "x"])
        #expect(TextInput.csvCells(#""say ""hi""",2"#) == [#"say "hi""#, "2"])
        #expect(TextInput.csvCells("a,,") == ["a", "", ""])
        #expect(TextInput.csvCells(#" "quoted after spaces" ,1"#) == ["quoted after spaces", "1"])
        #expect(TextInput.csvCells(#"1,"[576"#) == nil)
        #expect(TextInput.csvCells("") == [""])
    }
}
