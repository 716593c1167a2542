import Foundation
import Testing
import TerminalUI

@Suite struct AxisMappingTests {
    @Test func logEdgesAreEvenInLogSpaceAndEndExactly() {
        let edges = AxisMapping(scale: .log, range: 1...1000).edges(count: 3)
        #expect(edges[0] == 1 && edges[3] == 1000)
        #expect(abs(edges[1] - 10) < 1e-9 && abs(edges[2] - 100) < 1e-9)
        #expect(AxisMapping(scale: .log, range: 1...100).fraction(0) == nil)
        #expect(abs(AxisMapping(scale: .log, range: 1...100).fraction(10)! - 0.5) < 1e-12)
    }

    /// The Foundation-free log₁₀ agrees with the C library's to a few ulps over the whole range.
    @Test func log10MatchesTheCLibrary() {
        var x = 1e-300
        while x < 1e300 {
            for v in [x, x * 1.414_213_562_373_095, x * 1.5, x * 2, x * 3.7, x * 7.99] {
                #expect(abs(NumberFormat.log10(v) - Foundation.log10(v)) <= 4 * Foundation.log10(v).ulp.magnitude + 1e-16, "\(v)")
            }
            x *= 10
        }
        for n in -30...30 where n != 0 {
            #expect(abs(NumberFormat.log10(Foundation.pow(10, Double(n))) - Double(n)) <= 8 * Double(n).ulp.magnitude, "1e\(n)")
        }
    }

    @Test func symlogIsOddAndInvertible() {
        let axis = AxisMapping(scale: .symlog, range: -1000...1000)
        for v in [-500.0, -1, -0.001, 0, 0.5, 7, 999] {
            let t = axis.transformed(v)!
            #expect(abs(axis.untransformed(t) - v) <= 1e-9 * max(1, abs(v)), "\(v)")
            #expect(abs(axis.transformed(-v)! + t) < 1e-12)
        }
        #expect(axis.fraction(0) == 0.5)
        #expect(AxisScale.linear.next == .log && AxisScale.log.next == .symlog && AxisScale.symlog.next == .linear)
        #expect(abs(NumberFormat.exp10(2.5) - 316.227766016838) < 1e-9 && NumberFormat.exp10(-3) == 0.001.nextUp || abs(NumberFormat.exp10(-3) - 0.001) < 1e-18)
    }
}

@Suite struct WidgetTests {
    func braille(_ cell: Cell) -> UInt32? {
        let v = cell.character.unicodeScalars.first!.value
        return v >= 0x2800 && v <= 0x28FF ? v - 0x2800 : nil
    }

    @Test func canvasLinesAreContinuousAtDotResolution() {
        var canvas = BrailleCanvas(width: 4, height: 2)  // 8 × 8 dots
        canvas.line(from: (0, 7), to: (7, 0), style: .plain)
        var b = Buffer(width: 4, height: 2)
        canvas.draw(into: &b, x: 0, y: 0)
        // A diagonal through 4×2 cells touches every cell on it: (0,1), (1,1), (2,0), (3,0).
        #expect(braille(b[0, 1]) != nil && braille(b[1, 1]) != nil && braille(b[2, 0]) != nil && braille(b[3, 0]) != nil)
        #expect(braille(b[0, 0]) == nil && braille(b[3, 1]) == nil)
        // The bottom-left dot (column 0, row 7) is bit 6 of its cell; the top-right (7, 0) is bit 3.
        #expect(braille(b[0, 1])! & (1 << 6) != 0 && braille(b[3, 0])! & (1 << 3) != 0)
    }

    @Test func lineChartDrawsReferencesMarkersAndCursor() {
        var b = Buffer(width: 20, height: 6)
        let columns = [ClosedRange<Double>?](repeating: 0.5...0.5, count: 24)
        LineChart(series: [ChartSeries(label: "y", style: .plain, columns: columns)], yRange: 0...1,
                  references: [ReferenceLine(value: 0, label: "chance", style: Style(dim: true))],
                  markers: [ChartMarker(dotColumn: 4, label: "gen", style: Style(bold: true))], cursorColumn: 10,
                  cursorStyle: Style(reverse: true)).render(into: &b, area: b.area)
        let plotX = LineChart.gutter
        #expect(b.lines[4].hasSuffix("chance"), "the reference label sits at the right of its row")
        #expect(b[plotX, 4].character == "╌")
        #expect(b.lines[0].dropFirst(plotX + 2).hasPrefix("gen"))
        #expect(b[plotX + 2, 3].character == "┊" && b[plotX + 2, 3].style.bold)
        #expect((0..<5).allSatisfy { b[plotX + 10, $0].style.reverse }, "the cursor column is highlighted on every row")
        #expect(b.lines[0].hasPrefix("      1┤") && b.lines[4].hasPrefix("      0┤"))
    }

    @Test func scatterPlotsPointsAndDropsThoseOffTheAxes() {
        var b = Buffer(width: 12, height: 3)
        let x = AxisMapping(scale: .linear, range: 0...1), y = AxisMapping(scale: .linear, range: 0...1)
        ScatterPlot(series: [ScatterSeries(points: [(0, 0), (1, 1), (2, 2)], style: .plain)], x: x, y: y,
                    highlights: [(1, 1, "◆", .plain)]).render(into: &b, area: b.area)
        let plot = LineChart.plotArea(in: b.area)
        #expect(braille(b[plot.x, plot.y + plot.height - 1]).map { $0 & (1 << 6) != 0 } == true, "(0,0) is the bottom-left dot")
        #expect(b[plot.x + plot.width - 1, plot.y].character == "◆")
        let dots = (0..<plot.height).flatMap { r in (0..<plot.width).compactMap { braille(b[plot.x + $0, plot.y + r]) } }
        #expect(dots.reduce(0) { $0 + $1.nonzeroBitCount } == 1, "one point drawn as a dot, one highlighted, one off the axes")
    }

    @Test func heatmapUsesHalfBlocksAndFallsBackToShades() {
        var b = Buffer(width: 2, height: 1)
        let ramp: [Color] = [.indexed(17), .indexed(226)]
        Heatmap(columns: [[0.0, 1.0], [1.0, nil]], ramp: ramp).render(into: &b, area: b.area)
        #expect(b[0, 0] == Cell("▀", style: Style(foreground: .indexed(226), background: .indexed(17))))
        #expect(b[1, 0] == Cell("▀", style: Style(foreground: .default, background: .indexed(226))))
        var mono = Buffer(width: 3, height: 1)
        Heatmap(columns: [[0, 0], [0.5, 0], [1, nil]], ramp: [.default]).render(into: &mono, area: mono.area)
        #expect(mono.lines == [" ▒█"])
    }

    @Test func histogramBarsRiseInEighths() {
        var b = Buffer(width: 3, height: 2)
        Histogram(values: [16, 8, 1], maximum: 16).render(into: &b, area: b.area)
        #expect(b.lines == ["█", "██▁"])
        var log = Buffer(width: 2, height: 1)
        Histogram(values: [1000, 1], scale: .log).render(into: &log, area: log.area)
        #expect(log.lines == ["█"], "a value at the 3-decade floor draws nothing")
    }

    @Test func tableKeepsTheSelectedRowInView() {
        let rows = (0..<10).map { ["k\($0)", "\($0 * 10)"] }
        var b = Buffer(width: 12, height: 4)
        Table(columns: [Table.Column("name", width: 4), Table.Column("value", width: 5, alignRight: true)], rows: rows, selected: 7)
            .render(into: &b, area: b.area)
        // The last column takes the width left (7), right-aligned.
        #expect(b.lines == ["name   value", "k5        50", "k6        60", "k7        70"])
        #expect(b[0, 3].style.reverse && !b[0, 2].style.reverse)
        #expect(Table.firstVisibleRow(selected: 0, rows: 10, visible: 3) == 0 && Table.firstVisibleRow(selected: 9, rows: 10, visible: 3) == 7)
    }

    @Test func gaugeFillsInEighthsAndPrintsThePercentage() {
        var b = Buffer(width: 14, height: 1)
        Gauge(ratio: 0.55, label: "ab").render(into: &b, area: b.area)
        // 14 − 3 (label) − 4 (" 55%") = 7 cells; 0.55 × 56 eighths = 30.8 → 30: 3 full cells and 6 eighths.
        #expect(b.lines == ["ab ███▊··· 55%"])
    }

    @Test func paragraphShowsTheEndOfALogAndScrollsBack() {
        let lines = (1...5).map { [Span("line \($0)")] }
        var b = Buffer(width: 8, height: 2)
        Paragraph(lines: lines, anchoredAtBottom: true).render(into: &b, area: b.area)
        #expect(b.lines == ["line 4", "line 5"])
        var back = Buffer(width: 8, height: 2)
        Paragraph(lines: lines, anchoredAtBottom: true, scroll: 9).render(into: &back, area: back.area)
        #expect(back.lines == ["line 1", "line 2"], "scrolling stops at the first line")
    }

    @Test func blockFramesItsAreaAndReturnsTheInside() {
        var b = Buffer(width: 8, height: 3)
        let inner = Block(title: "T").render(into: &b, area: b.area)
        #expect(inner == Rect(x: 1, y: 1, width: 6, height: 1))
        #expect(b.lines == ["╭ T ───╮", "│      │", "╰──────╯"])
    }
}

@Suite struct ParallelCoordinatesTests {
    /// Two lines across three axes: each crosses an axis at its value (top, bottom, middle), axes are
    /// drawn where no line is, and titles and labels sit above and below.
    @Test func linesCrossEachAxisAtTheirValues() {
        var buffer = Buffer(width: 21, height: 9)
        let axes = [ParallelCoordinates.Axis(title: "lr", high: "0.01", low: "1e-3"),
                    ParallelCoordinates.Axis(title: "w", high: "128", low: "64"),
                    ParallelCoordinates.Axis(title: "acc", high: "1", low: "0")]
        let red = Style(foreground: .indexed(1)), blue = Style(foreground: .indexed(4))
        ParallelCoordinates(axes: axes, lines: [.init(style: red, values: [1, 0, 0.5]), .init(style: blue, values: [0, nil, 1])])
            .render(into: &buffer, area: buffer.area)
        let lines = buffer.lines
        #expect(lines[0].hasPrefix("lr") && lines[0].contains(" w ") && lines[0].hasSuffix("acc"))
        #expect(lines[1].hasPrefix("0.01") && lines[8].hasPrefix("1e-3") && lines[8].hasSuffix("0"))
        // The red line starts at the top of axis 0 (plot row 0) and ends mid-height on the last axis.
        #expect(buffer[0, 2].style == red && buffer[0, 2].character != "│")
        #expect(buffer[20, 4].style == red || buffer[20, 5].style == red)
        // The blue line has no value on the middle axis: it is drawn on the outer axes only.
        #expect(buffer[0, 7].style == blue && buffer[20, 2].style == blue)
        #expect((2..<8).contains { buffer[10, $0].character == "│" } , "the middle axis shows where no line crosses")
        var tiny = Buffer(width: 4, height: 3)
        ParallelCoordinates(axes: axes, lines: []).render(into: &tiny, area: tiny.area)
        #expect(tiny.lines.allSatisfy { $0.allSatisfy { $0 == " " } }, "too small: nothing drawn")
    }
}
