import Testing
import TerminalUI

@Suite struct LineChartTests {
    /// Whether the braille dot at plot dot column `c`, dot row `r` is set (plot at x = gutter, y = 0).
    func dot(_ b: Buffer, _ c: Int, _ r: Int) -> Bool {
        let scalar = b[LineChart.gutter + c / 2, r / 4].character.unicodeScalars.first!.value
        guard scalar >= 0x2800 && scalar <= 0x28FF else { return false }
        let row = r % 4, right = c % 2 == 1
        let bit = row == 3 ? (right ? 7 : 6) : row + (right ? 3 : 0)
        return (scalar - 0x2800) & (1 << UInt32(bit)) != 0
    }

    @Test func aRisingLineSetsItsDotsAndNothingAboveThem() {
        var b = Buffer(width: 10, height: 3)
        let area = Rect(x: 0, y: 0, width: 10, height: 3)
        #expect(LineChart.dotColumns(in: area) == 4)
        let series = ChartSeries(label: "y", style: .plain, columns: [0...0, 1...1, 2...2, 3...3].map { Optional($0) })
        LineChart(series: [series], yRange: 0...3).render(into: &b, area: area)
        // 8 dot rows: y 0, 1, 2, 3 land on rows 7, 5, 2, 0; each column also joins the previous one.
        let expectedTop = [7, 5, 2, 0]
        for c in 0..<4 {
            #expect(dot(b, c, expectedTop[c]), "column \(c)")
            for r in 0..<expectedTop[c] { #expect(!dot(b, c, r), "column \(c) has a dot above its value at row \(r)") }
        }
        #expect(b.lines[0].hasPrefix("      3┤") && b.lines[1].hasPrefix("      0┤"))
    }

    @Test func aSpikeInOneColumnDrawsItsWholeExtent() {
        var b = Buffer(width: 10, height: 3)  // a 2×2-cell plot: 4 dot columns, 8 dot rows
        let area = Rect(x: 0, y: 0, width: 10, height: 3)
        let columns: [ClosedRange<Double>?] = [0...0, 0...1, 0...0, 0...0]
        LineChart(series: [ChartSeries(label: "y", style: .plain, columns: columns)], yRange: 0...1).render(into: &b, area: area)
        for r in 0..<8 { #expect(dot(b, 1, r), "row \(r) of the spike column") }
        #expect(dot(b, 0, 7) && !dot(b, 0, 0))
    }

    @Test func columnsWithoutDataAreBridgedAndTinyAreasDrawNothing() {
        var b = Buffer(width: 10, height: 3)
        let area = Rect(x: 0, y: 0, width: 10, height: 3)
        // Data only in columns 0 and 3 (a sparsely logged metric): columns 1 and 2 are interpolated.
        let columns: [ClosedRange<Double>?] = [0...0, nil, nil, 3...3]
        LineChart(series: [ChartSeries(label: "y", style: .plain, columns: columns)], yRange: 0...3).render(into: &b, area: area)
        for c in 0..<4 { #expect((0..<8).contains { dot(b, c, $0) }, "column \(c) has no dot") }
        var tiny = Buffer(width: 3, height: 1)
        LineChart(series: [], yRange: 0...1).render(into: &tiny, area: tiny.area)
        #expect(tiny.lines == [""])
    }

    @Test func logScaleAndNumberFormats() {
        #expect(abs(NumberFormat.log10(1000) - 3) < 1e-12 && abs(NumberFormat.log10(0.02) - -1.698970004336) < 1e-9)
        #expect(NumberFormat.short(0.012345) == "0.012")
        #expect(NumberFormat.short(3.14159) == "3.14")
        #expect(NumberFormat.short(150.4) == "150")
        #expect(NumberFormat.short(2.5e-6) == "2.5e-06")
        #expect(NumberFormat.short(-45000) == "-4.5e+04")
        #expect(NumberFormat.short(0) == "0" && NumberFormat.short(.nan) == "NaN")
        #expect(NumberFormat.short(5.9699e-5, mantissaDecimals: 2) == "5.97e-05")
        #expect(NumberFormat.short(9.996e-5, mantissaDecimals: 2) == "1e-04", "a mantissa rounding to 10 carries into the exponent")
    }
}
