import Testing
import TerminalUI

/// Control characters from data never reach a terminal or a file raw.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain name", "plain name"),
        ("a\u{1b}[2Jb", "a\\x1b[2Jb"),
        ("\u{1b}]52;c;SGVsbG8=\u{07}", "\\x1b]52;c;SGVsbG8=\\x07"),
        ("tab\there", "tab\\x09here"),
        ("del\u{7f} c1\u{9b}31m", "del\\x7f c1\\x9b31m"),
        ("line\nbreak", "line\\x0abreak"),
        ("ünïcödé ∑ 学", "ünïcödé ∑ 学"),
    ])
    func controlCharactersBecomeVisibleEscapes(_ text: String, _ shown: String) {
        #expect(TerminalText.visible(text) == shown)
    }

    @Test func newlinesCanBeKeptForMultiLineMessages() {
        #expect(TerminalText.visible("one\u{1b}\ntwo", keepingNewlines: true) == "one\\x1b\ntwo")
    }

    @Test func bufferWritesShowEscapesInsteadOfControlCharacters() {
        var buffer = Buffer(width: 20, height: 1)
        let written = buffer.write("run\u{1b}]0;pwned\u{07}", x: 0, y: 0)
        #expect(buffer.lines == ["run\\x1b]0;pwned\\x07"])
        #expect(written == 19)
        #expect(!buffer.cells.contains { $0.character.unicodeScalars.contains(where: TerminalText.isControl) })
    }
}
