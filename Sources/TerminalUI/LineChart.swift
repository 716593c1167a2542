/// How a line is drawn, so lines of one colour stay apart: every dot column, or a repeating
/// pattern of drawn and skipped dot columns.
public enum LinePattern: Int, Sendable, Equatable, CaseIterable {
    case solid, dashed, dotted, sparse

    /// Whether the line draws dot column `column`.
    public func draws(_ column: Int) -> Bool {
        switch self {
        case .solid: true
        case .dashed: column % 6 < 4
        case .dotted: column % 2 == 0
        case .sparse: column % 4 == 0
        }
    }

    /// The legend's sample of the line.
    public var swatch: Character {
        switch self {
        case .solid: "━"
        case .dashed: "╍"
        case .dotted: "┅"
        case .sparse: "·"
        }
    }
}

/// One line of a chart: for each dot column of the plot, the y extent of the data there (min…max),
/// or nil where the series has no data.
public struct ChartSeries: Sendable {
    public var label: String
    public var style: Style
    public var pattern: LinePattern
    /// One entry per dot column (`LineChart.dotColumns(in:)` of them).
    public var columns: [ClosedRange<Double>?]
    /// Equal for two series that draw the same dots in the same chart (their data, style and
    /// pattern are the same), nil when not known: lets a caller keep drawn lines between frames.
    public var identity: Int?

    public init(label: String, style: Style, pattern: LinePattern = .solid, columns: [ClosedRange<Double>?], identity: Int? = nil) {
        self.label = label; self.style = style; self.pattern = pattern; self.columns = columns; self.identity = identity
    }
}

/// A chart's plot with its first `count` series already drawn, to start a later render from (one of
/// the same area, range and scale whose first `count` series have the same identities).
public struct DrawnLines: Sendable {
    public var count: Int
    public var canvas: BrailleCanvas

    public init(count: Int, canvas: BrailleCanvas) { self.count = count; self.canvas = canvas }
}

/// A horizontal line at a fixed y (chance accuracy, a stability threshold), dashed and labelled.
public struct ReferenceLine: Sendable, Equatable {
    public var value: Double
    public var label: String
    public var style: Style

    public init(value: Double, label: String, style: Style) { self.value = value; self.label = label; self.style = style }
}

/// A vertical line at one dot column (a knob change, a phase), labelled at the top of the plot.
public struct ChartMarker: Sendable, Equatable {
    public var dotColumn: Int
    public var label: String
    public var style: Style

    public init(dotColumn: Int, label: String, style: Style) { self.dotColumn = dotColumn; self.label = label; self.style = style }
}

/// A line chart at braille resolution: each cell holds 2×4 dots, so a `w × h` plot draws
/// `2w × 4h` points. Every column draws the full min…max extent it is given (spikes stay visible)
/// and joins the previous data column, interpolating across columns without data, so lines have
/// no gaps. The y axis is linear, log₁₀ or symlog; the caller has already placed x values in dot
/// columns (on whatever x scale), so the chart itself is scale-agnostic in x.
public struct LineChart: Sendable {
    /// Drawn in order: put faint lines (raw data under a smoothed line) first.
    public var series: [ChartSeries]
    public var yRange: ClosedRange<Double>
    public var yScale: AxisScale
    /// Labels under the left and right ends of the x axis.
    public var xLabels: (left: String, right: String)
    public var axisStyle: Style
    public var references: [ReferenceLine]
    public var markers: [ChartMarker]
    /// A highlighted vertical line at this cell column of the plot (the value cursor).
    public var cursorColumn: Int?
    public var cursorStyle: Style

    public init(series: [ChartSeries], yRange: ClosedRange<Double>, yScale: AxisScale = .linear,
                xLabels: (left: String, right: String) = ("", ""), axisStyle: Style = Style(dim: true),
                references: [ReferenceLine] = [], markers: [ChartMarker] = [], cursorColumn: Int? = nil,
                cursorStyle: Style = Style(reverse: true)) {
        self.series = series; self.yRange = yRange; self.yScale = yScale; self.xLabels = xLabels; self.axisStyle = axisStyle
        self.references = references; self.markers = markers; self.cursorColumn = cursorColumn; self.cursorStyle = cursorStyle
    }

    /// Columns of the y-label gutter.
    public static let gutter = 8

    /// The cells the plot itself occupies inside `area` (labels take the rest).
    public static func plotArea(in area: Rect) -> Rect {
        Rect(x: area.x + gutter, y: area.y, width: Swift.max(0, area.width - gutter), height: Swift.max(0, area.height - 1))
    }

    /// How many dot columns a chart in `area` draws (the length each series' `columns` must have).
    public static func dotColumns(in area: Rect) -> Int { 2 * plotArea(in: area).width }

    /// Draws axes, labels, reference lines, markers, the cursor and every series into `area`.
    /// With `drawn`, its series are taken as already on its canvas and only the rest are drawn;
    /// the result holds the plot after `keeping` series and after all of them, for later frames.
    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect, drawn: DrawnLines? = nil, keeping: Int? = nil)
        -> (kept: DrawnLines?, all: DrawnLines?) {
        let plot = Self.plotArea(in: area)
        guard plot.width >= 2, plot.height >= 2 else { return (nil, nil) }
        let axis = AxisMapping(scale: yScale, range: yRange)
        let start = drawn.flatMap { $0.canvas.width == plot.width && $0.canvas.height == plot.height && $0.count <= series.count ? $0 : nil }
        var canvas = start?.canvas ?? BrailleCanvas(width: plot.width, height: plot.height)
        var kept = keeping == start?.count ? start : nil
        let dotRows = canvas.dotRows
        // Values beyond the range (an outlier-clipped view) are pinned to the top or bottom row.
        func dotRow(_ y: Double) -> Int? {
            guard let f = axis.fraction(y) else { return nil }
            return Swift.min(dotRows - 1, Swift.max(0, dotRows - 1 - Int((f * Double(dotRows - 1)).rounded())))
        }
        for reference in references {
            guard let row = dotRow(reference.value), axis.fraction(reference.value).map({ (0...1).contains($0) }) == true else { continue }
            let cellRow = plot.y + row / 4
            for column in stride(from: 0, to: plot.width, by: 2) { buffer[plot.x + column, cellRow] = Cell("╌", style: reference.style) }
        }
        for marker in markers {
            let column = marker.dotColumn / 2
            guard column >= 0, column < plot.width else { continue }
            for row in plot.y..<(plot.y + plot.height) { buffer[plot.x + column, row] = Cell("┊", style: marker.style) }
        }
        for (index, line) in series.enumerated().dropFirst(start?.count ?? 0) {
            if index == keeping { kept = DrawnLines(count: index, canvas: canvas) }
            // The last drawn column and its mid row: columns without data in between (a metric logged
            // less often than the plot's resolution) are bridged by a straight segment.
            var previous: (x: Int, y: Int)?
            for (column, extent) in line.columns.prefix(canvas.dotColumns).enumerated() {
                // A column of one value (most columns of a sparse or flat line) maps it once.
                guard let extent, let top = dotRow(extent.upperBound),
                      let bottom = extent.lowerBound == extent.upperBound ? top : dotRow(extent.lowerBound) else { continue }
                let middle = (top + bottom) / 2
                var low = Swift.min(top, bottom), high = Swift.max(top, bottom)
                defer { previous = (column, middle) }
                if let previous, column - previous.x > 1 {
                    canvas.line(from: previous, to: (column, middle), style: line.style, drawing: line.pattern.draws)
                } else if let previous {
                    // Adjacent columns: this column's extent reaches to the previous column's level.
                    low = Swift.min(low, previous.y)
                    high = Swift.max(high, previous.y)
                }
                guard line.pattern.draws(column) else { continue }
                for row in low...high { canvas.set(column, row, style: line.style) }
            }
        }
        if keeping == series.count { kept = DrawnLines(count: series.count, canvas: canvas) }
        canvas.draw(into: &buffer, x: plot.x, y: plot.y)
        // A label that would run into the previous one is left out (its line stays): two
        // labels written edge to edge read as one word.
        var labelEnd = Int.min
        for marker in markers.sorted(by: { $0.dotColumn < $1.dotColumn }) {
            let column = marker.dotColumn / 2
            guard column >= 0, column < plot.width, !marker.label.isEmpty, column > labelEnd else { continue }
            labelEnd = column + buffer.write(marker.label, x: plot.x + column, y: plot.y, style: marker.style, maxWidth: plot.width - column)
        }
        for reference in references {
            guard let row = dotRow(reference.value), axis.fraction(reference.value).map({ (0...1).contains($0) }) == true else { continue }
            buffer.write(reference.label, x: plot.x + plot.width - reference.label.count, y: plot.y + row / 4, style: reference.style)
        }
        // Last, so that labels under it are highlighted too.
        if let cursor = cursorColumn, cursor >= 0, cursor < plot.width {
            for row in plot.y..<(plot.y + plot.height) {
                var cell = buffer[plot.x + cursor, row]
                if cell.character == " " { cell.character = "│" }
                cell.style = cursorStyle
                buffer[plot.x + cursor, row] = cell
            }
        }
        // Axes: y labels at the top, middle and bottom, x labels under the plot ends.
        let middleRow = plot.height >= 5 ? plot.y + plot.height / 2 : nil
        buffer.write(NumberFormat.short(yRange.upperBound).leftPadded(to: Self.gutter - 1), x: area.x, y: plot.y, style: axisStyle)
        if let middleRow, let low = axis.transformed(yRange.lowerBound), let high = axis.transformed(yRange.upperBound) {
            // The value at the middle row's centre on the chart's scale.
            let f = 1 - (Double(middleRow - plot.y) * 4 + 1.5) / Double(dotRows - 1)
            buffer.write(NumberFormat.short(axis.untransformed(low + (high - low) * f)).leftPadded(to: Self.gutter - 1),
                         x: area.x, y: middleRow, style: axisStyle)
        }
        buffer.write(NumberFormat.short(yRange.lowerBound).leftPadded(to: Self.gutter - 1), x: area.x, y: plot.y + plot.height - 1,
                     style: axisStyle)
        for row in plot.y..<(plot.y + plot.height) { buffer[area.x + Self.gutter - 1, row] = Cell("┤", style: axisStyle) }
        let axisRow = plot.y + plot.height
        buffer.write(xLabels.left, x: plot.x, y: axisRow, style: axisStyle, maxWidth: plot.width / 2)
        let right = xLabels.right
        buffer.write(right, x: plot.x + Swift.max(0, plot.width - right.count), y: axisRow, style: axisStyle)
        return (kept, DrawnLines(count: series.count, canvas: canvas))
    }
}

extension String {
    /// The string right-aligned in `width` columns (unchanged when longer).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
