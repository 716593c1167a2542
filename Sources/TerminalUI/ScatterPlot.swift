/// A group of points drawn in one style: as dots, or joined in order as a path.
public struct ScatterSeries: Sendable {
    public var points: [(x: Double, y: Double)]
    public var style: Style
    /// Join consecutive points with straight segments (a front, a parametric curve).
    public var connected: Bool

    public init(points: [(x: Double, y: Double)], style: Style, connected: Bool = false) {
        self.points = points; self.style = style; self.connected = connected
    }
}

/// Points on two axes at braille resolution (2×4 dots per cell), with y labels on the left and x
/// labels below. Points outside the ranges are not drawn; segments are clipped by the canvas.
public struct ScatterPlot: Sendable {
    /// Drawn in order, later series on top.
    public var series: [ScatterSeries]
    public var x: AxisMapping
    public var y: AxisMapping
    public var axisStyle: Style
    /// Cells to draw as highlighted markers over the plot (a selected point): (x, y, character, style).
    public var highlights: [(x: Double, y: Double, character: Character, style: Style)]

    public init(series: [ScatterSeries], x: AxisMapping, y: AxisMapping, axisStyle: Style = Style(dim: true),
                highlights: [(x: Double, y: Double, character: Character, style: Style)] = []) {
        self.series = series; self.x = x; self.y = y; self.axisStyle = axisStyle; self.highlights = highlights
    }

    /// The dot a data point lands on in a `canvas`-sized plot, nil when off the axes.
    static func dot(_ p: (x: Double, y: Double), x: AxisMapping, y: AxisMapping, columns: Int, rows: Int) -> (x: Int, y: Int)? {
        guard let fx = x.fraction(p.x), let fy = y.fraction(p.y), (-1e-9...1.000_000_001).contains(fx),
              (-1e-9...1.000_000_001).contains(fy) else { return nil }
        return (Int((fx * Double(columns - 1)).rounded()), rows - 1 - Int((fy * Double(rows - 1)).rounded()))
    }

    /// Draws axes, labels and the points into `area` (the plot is `LineChart.plotArea(in:)`).
    public func render(into buffer: inout Buffer, area: Rect) {
        let plot = LineChart.plotArea(in: area)
        guard plot.width >= 2, plot.height >= 2 else { return }
        var canvas = BrailleCanvas(width: plot.width, height: plot.height)
        for s in series {
            var previous: (x: Int, y: Int)?
            for p in s.points {
                guard let d = Self.dot(p, x: x, y: y, columns: canvas.dotColumns, rows: canvas.dotRows) else {
                    previous = nil
                    continue
                }
                if s.connected, let previous { canvas.line(from: previous, to: d, style: s.style) } else { canvas.set(d.x, d.y, style: s.style) }
                previous = d
            }
        }
        canvas.draw(into: &buffer, x: plot.x, y: plot.y)
        for h in highlights {
            guard let d = Self.dot((h.x, h.y), x: x, y: y, columns: canvas.dotColumns, rows: canvas.dotRows) else { continue }
            buffer[plot.x + d.x / 2, plot.y + d.y / 4] = Cell(h.character, style: h.style)
        }
        buffer.write(NumberFormat.short(y.range.upperBound).leftPadded(to: LineChart.gutter - 1), x: area.x, y: plot.y, style: axisStyle)
        buffer.write(NumberFormat.short(y.range.lowerBound).leftPadded(to: LineChart.gutter - 1), x: area.x, y: plot.y + plot.height - 1,
                     style: axisStyle)
        for row in plot.y..<(plot.y + plot.height) { buffer[area.x + LineChart.gutter - 1, row] = Cell("┤", style: axisStyle) }
        let left = NumberFormat.short(x.range.lowerBound), right = NumberFormat.short(x.range.upperBound)
        buffer.write(left, x: plot.x, y: plot.y + plot.height, style: axisStyle, maxWidth: plot.width / 2)
        buffer.write(right, x: plot.x + Swift.max(0, plot.width - right.count), y: plot.y + plot.height, style: axisStyle)
    }
}
