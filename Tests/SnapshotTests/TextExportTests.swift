import Testing
import TerminalUI
import Snapshot

@Suite struct TextExportTests {
    @Test func plainTextKeepsBoxAndBrailleCharacters() {
        var b = Buffer(width: 8, height: 3)
        Block(title: "A").render(into: &b, area: b.area)
        b.write("⣿⡇", x: 2, y: 1)
        #expect(TextExport.plain(b) == "╭ A ───╮\n│ ⣿⡇   │\n╰──────╯\n")
    }

    @Test func ansiColoursEachRunOfStyleAndResetsEveryLine() {
        var b = Buffer(width: 5, height: 2)
        b.write("ab", x: 0, y: 0, style: Style(foreground: .indexed(196), bold: true))
        b.write("c", x: 3, y: 0, style: Style(foreground: .rgb(1, 2, 3)))
        b.write("z", x: 0, y: 1)
        #expect(TextExport.ansi(b) == "\u{1B}[0;1;38;5;196mab\u{1B}[0m \u{1B}[0;38;2;1;2;3mc\u{1B}[0m\nz\n")
    }
}
