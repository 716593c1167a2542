/// Lines across vertical axes at braille resolution: each line is one item (a run) and crosses
/// each axis at its value there, so items that agree on some axes and differ on others show it.
/// Axis titles are written above the plot, each axis's top and bottom labels above and below it.
public struct ParallelCoordinates: Sendable {
    public struct Axis: Sendable, Equatable {
        public var title: String
        /// The labels at the top (value 1) and bottom (value 0) of the axis.
        public var high: String
        public var low: String

        public init(title: String, high: String, low: String) { self.title = title; self.high = high; self.low = low }
    }

    public struct Line: Sendable {
        public var style: Style
        /// One entry per axis: the position as a fraction, 0 at the bottom and 1 at the top; nil
        /// where the item has no value (the line skips that axis).
        public var values: [Double?]

        public init(style: Style, values: [Double?]) { self.style = style; self.values = values }
    }

    public var axes: [Axis]
    /// Drawn in order, later lines on top.
    public var lines: [Line]
    public var axisStyle: Style
    public var titleStyle: Style

    public init(axes: [Axis], lines: [Line], axisStyle: Style = Style(dim: true), titleStyle: Style = Style(bold: true)) {
        self.axes = axes; self.lines = lines; self.axisStyle = axisStyle; self.titleStyle = titleStyle
    }

    /// The cell column of axis `i` in a plot `width` cells wide starting at 0.
    static func column(_ i: Int, of count: Int, width: Int) -> Int {
        count < 2 ? width / 2 : i * (width - 1) / (count - 1)
    }

    /// Draws titles (row 0), top labels (row 1), the plot, and bottom labels (last row) into `area`.
    public func render(into buffer: inout Buffer, area: Rect) {
        guard axes.count >= 2, area.width >= 2 * axes.count, area.height >= 5 else { return }
        let plot = Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 3)
        var canvas = BrailleCanvas(width: plot.width, height: plot.height)
        func dot(_ axis: Int, _ value: Double) -> (x: Int, y: Int) {
            let clamped = Swift.min(1, Swift.max(0, value))
            return (2 * Self.column(axis, of: axes.count, width: plot.width), canvas.dotRows - 1 - Int((clamped * Double(canvas.dotRows - 1)).rounded()))
        }
        for line in lines {
            var previous: (x: Int, y: Int)?
            for (i, value) in line.values.prefix(axes.count).enumerated() {
                guard let value, value.isFinite else {
                    previous = nil
                    continue
                }
                let d = dot(i, value)
                if let previous { canvas.line(from: previous, to: d, style: line.style) } else { canvas.set(d.x, d.y, style: line.style) }
                previous = d
            }
        }
        canvas.draw(into: &buffer, x: plot.x, y: plot.y)
        for (i, axis) in axes.enumerated() {
            let x = plot.x + Self.column(i, of: axes.count, width: plot.width)
            for row in plot.y..<(plot.y + plot.height) where !canvas.isSet(cellColumn: x - plot.x, cellRow: row - plot.y) {
                buffer[x, row] = Cell("│", style: axisStyle)
            }
            // Labels centred on the axis, kept inside the area.
            func label(_ text: String, row: Int, style: Style) {
                let width = Swift.max(1, area.width / axes.count - 1)
                let shown = text.count > width ? String(text.prefix(Swift.max(1, width - 1))) + "…" : text
                let start = Swift.min(Swift.max(area.x, x - shown.count / 2), area.x + area.width - shown.count)
                buffer.write(shown, x: start, y: row, style: style)
            }
            label(axis.title, row: area.y, style: titleStyle)
            label(axis.high, row: area.y + 1, style: axisStyle)
            label(axis.low, row: area.y + area.height - 1, style: axisStyle)
        }
    }
}
