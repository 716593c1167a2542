/// One line of a chart: for each dot column of the plot, the y extent of the data there (min…max),
/// or nil where the series has no data.
public struct ChartSeries: Sendable {
    public var label: String
    public var style: Style
    /// One entry per dot column (`LineChart.dotColumns(in:)` of them).
    public var columns: [ClosedRange<Double>?]

    public init(label: String, style: Style, columns: [ClosedRange<Double>?]) {
        self.label = label; self.style = style; self.columns = columns
    }
}

/// A line chart at braille resolution: each cell holds 2×4 dots, so a `w × h` plot draws
/// `2w × 4h` points. Every column draws the full min…max extent it is given (spikes stay visible)
/// and joins the previous data column, interpolating across columns without data, so lines have
/// no gaps. The y axis is linear or log10.
public struct LineChart: Sendable {
    public var series: [ChartSeries]
    public var yRange: ClosedRange<Double>
    public var logY: Bool
    /// Labels under the left and right ends of the x axis.
    public var xLabels: (left: String, right: String)
    public var axisStyle: Style

    public init(series: [ChartSeries], yRange: ClosedRange<Double>, logY: Bool = false,
                xLabels: (left: String, right: String) = ("", ""), axisStyle: Style = Style(dim: true)) {
        self.series = series; self.yRange = yRange; self.logY = logY; self.xLabels = xLabels; self.axisStyle = axisStyle
    }

    /// Columns of the y-label gutter.
    public static let gutter = 8

    /// The cells the plot itself occupies inside `area` (labels take the rest).
    public static func plotArea(in area: Rect) -> Rect {
        Rect(x: area.x + gutter, y: area.y, width: area.width - gutter, height: area.height - 1)
    }

    /// How many dot columns a chart in `area` draws (the length each series' `columns` must have).
    public static func dotColumns(in area: Rect) -> Int { 2 * plotArea(in: area).width }

    /// Draws axes, labels and every series into `area`.
    public func render(into buffer: inout Buffer, area: Rect) {
        let plot = Self.plotArea(in: area)
        guard plot.width >= 2, plot.height >= 2 else { return }
        let low = transformed(yRange.lowerBound), high = transformed(yRange.upperBound)
        let dotRows = plot.height * 4
        func dotRow(_ y: Double) -> Int? {
            let t = transformed(y)
            guard t.isFinite, high > low else { return t.isFinite ? dotRows / 2 : nil }
            let f = (t - low) / (high - low)
            return Swift.min(dotRows - 1, Swift.max(0, dotRows - 1 - Int((f * Double(dotRows - 1)).rounded())))
        }
        var bits = [UInt8](repeating: 0, count: plot.width * plot.height)
        var styles = [Style?](repeating: nil, count: plot.width * plot.height)
        for line in series {
            // The last drawn column and its mid row: columns without data in between (a metric logged
            // less often than the plot's resolution) are bridged by linear interpolation.
            var previous: (column: Int, row: Int)?
            for (column, extent) in line.columns.prefix(2 * plot.width).enumerated() {
                guard let extent, let top = dotRow(extent.upperBound), let bottom = dotRow(extent.lowerBound) else { continue }
                var from = Swift.min(top, bottom), to = Swift.max(top, bottom)
                let middle = (top + bottom) / 2
                if let previous {
                    let span = column - previous.column
                    var last = previous.row
                    for step in 1..<Swift.max(span, 1) {
                        let row = previous.row + (middle - previous.row) * step / span
                        for r in Swift.min(last, row)...Swift.max(last, row) {
                            setDot(previous.column + step, r, &bits, &styles, line.style, plotWidth: plot.width)
                        }
                        last = row
                    }
                    from = Swift.min(from, last)
                    to = Swift.max(to, last)
                }
                for row in from...to { setDot(column, row, &bits, &styles, line.style, plotWidth: plot.width) }
                previous = (column, middle)
            }
        }
        for cellRow in 0..<plot.height {
            for cellColumn in 0..<plot.width {
                let i = cellRow * plot.width + cellColumn
                if bits[i] != 0 {
                    buffer[plot.x + cellColumn, plot.y + cellRow] = Cell(Character(Unicode.Scalar(0x2800 + UInt32(bits[i]))!), style: styles[i] ?? .plain)
                }
            }
        }
        // Axes: y labels at top and bottom, x labels under the plot ends.
        buffer.write(NumberFormat.short(yRange.upperBound).leftPadded(to: Self.gutter - 1), x: area.x, y: plot.y, style: axisStyle)
        buffer.write(NumberFormat.short(yRange.lowerBound).leftPadded(to: Self.gutter - 1), x: area.x, y: plot.y + plot.height - 1,
                     style: axisStyle)
        for row in plot.y..<(plot.y + plot.height) { buffer[area.x + Self.gutter - 1, row] = Cell("┤", style: axisStyle) }
        let axisRow = plot.y + plot.height
        buffer.write(xLabels.left, x: plot.x, y: axisRow, style: axisStyle, maxWidth: plot.width / 2)
        let right = xLabels.right
        buffer.write(right, x: plot.x + Swift.max(0, plot.width - right.count), y: axisRow, style: axisStyle)
    }

    private func transformed(_ y: Double) -> Double {
        guard logY else { return y }
        return y > 0 ? NumberFormat.log10(y) : -.infinity
    }

    private func setDot(_ column: Int, _ row: Int, _ bits: inout [UInt8], _ styles: inout [Style?], _ style: Style, plotWidth: Int) {
        // Braille dot numbering: left column rows 0–2 → bits 0–2, row 3 → bit 6; right column → bits 3–5, 7.
        let cell = (row / 4) * plotWidth + column / 2
        let r = row % 4, right = column % 2 == 1
        let bit: UInt8 = r == 3 ? (right ? 7 : 6) : UInt8(r + (right ? 3 : 0))
        bits[cell] |= 1 << bit
        styles[cell] = style
    }
}

/// Compact number formatting without Foundation (axis labels, values at the cursor).
public enum NumberFormat {
    /// At most about 6 characters: `0.0123`, `1.5e-06`, `2.4e+04`, `150`, `-3.25`.
    public static func short(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "-∞" }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e4 || magnitude < 1e-3 {
            var exponent = Int(log10(magnitude).rounded(.down))
            var mantissa = x / power10(exponent)
            mantissa = (mantissa * 10).rounded() / 10
            if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
            let sign = exponent < 0 ? "-" : "+"
            let digits = String(abs(exponent))
            return "\(trim(mantissa, decimals: 1))e\(sign)\(digits.count < 2 ? "0" + digits : digits)"
        }
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        return trim(x, decimals: decimals)
    }

    /// log₁₀ without Foundation, by the change of base from the standard library's logarithm-free bits.
    public static func log10(_ x: Double) -> Double {
        // x = m · 2ᵉ with m in [1, 2): log10(x) = (e + log2(m)) · log10(2); log2(m) by a short series.
        let e = Double(x.exponent)
        let m = x.significand
        // ln(m) by atanh series: ln(m) = 2·atanh((m−1)/(m+1)).
        let t = (m - 1) / (m + 1), t2 = t * t
        var term = t, sum = 0.0
        for k in stride(from: 1, through: 31, by: 2) {
            sum += term / Double(k)
            term *= t2
        }
        let ln2 = 0.693_147_180_559_945_3
        return (e * ln2 + 2 * sum) / 2.302_585_092_994_046
    }

    static func power10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(n) { result *= 10 }
        return n < 0 ? 1 / result : result
    }

    static func trim(_ x: Double, decimals: Int) -> String {
        let scale = power10(decimals)
        let rounded = (x * scale).rounded() / scale
        var text = decimals == 0 ? String(Int(rounded)) : String(rounded)
        if text.contains("e") { return String(rounded) }
        if decimals > 0, let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...]
            if fraction.count > decimals { text = String(text[...text.index(dot, offsetBy: decimals)]) }
            while text.last == "0" { text.removeLast() }
            if text.last == "." { text.removeLast() }
        }
        return text
    }
}

extension String {
    /// The string right-aligned in `width` columns (unchanged when longer).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
