import Testing
import TerminalUI

@Suite struct BufferTests {
    @Test func writeClipsToWidthAndBuffer() {
        var b = Buffer(width: 6, height: 2)
        #expect(b.write("hello world", x: 2, y: 0) == 4)
        #expect(b.write("abc", x: 0, y: 1, maxWidth: 2) == 2)
        #expect(b.lines == ["  hell", "ab"])
        b[10, 10] = Cell("x")  // outside: ignored
        #expect(b[10, 10] == .blank)
    }

    @Test func changesListOnlyDifferingCellsAndEverythingAfterResize() {
        var a = Buffer(width: 3, height: 2)
        var b = a
        b[1, 1] = Cell("x", style: Style(bold: true))
        #expect(b.changes(from: a) == [Buffer.Change(x: 1, y: 1, cell: Cell("x", style: Style(bold: true)))])
        #expect(b.changes(from: b).isEmpty)
        #expect(b.changes(from: nil).count == 6)
        a = Buffer(width: 2, height: 2)
        #expect(b.changes(from: a).count == 6)
    }

    @Test func blockDrawsBorderTitleAndReturnsTheInside() {
        var b = Buffer(width: 12, height: 4)
        let inner = Block(title: "Curves").render(into: &b, area: b.area)
        #expect(inner == Rect(x: 1, y: 1, width: 10, height: 2))
        #expect(b.lines == ["╭ Curves ──╮", "│          │", "│          │", "╰──────────╯"])
    }

    @Test func tinyAreasDrawNothingAndNeverCrash() {
        var b = Buffer(width: 1, height: 1)
        #expect(Block(title: "x").render(into: &b, area: b.area).isEmpty)
        var empty = Buffer(width: 0, height: 0)
        empty.fill(empty.area, with: Cell("x"))
        #expect(empty.lines.isEmpty)
    }
}
