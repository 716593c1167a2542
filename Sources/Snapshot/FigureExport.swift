import Dashboard
import TerminalUI

/// Figures (`snapshot --style figure`): the dashboard's charts as vector charts for papers and pull
/// requests, drawn from the data at full resolution rather than from the cell grid. Charts are laid
/// out in a grid; each has nice ticks, axis titles, a legend that fits, labelled phase, knob and
/// reference lines. Text is SVG text in a generic sans-serif stack with explicit sizes, coordinates
/// are written to a tenth of a pixel, and nothing outside the file is referenced, so the same
/// input gives the same bytes and renders alike in rsvg, browsers and, through PDF, LaTeX.
public enum FigureExport {
    /// Sans-serif faces found on most systems, then the generic family.
    public static let fontStack = "'Helvetica Neue',Helvetica,Arial,'Liberation Sans','DejaVu Sans',sans-serif"

    /// The size a figure of `charts` charts gets without `--width`/`--height`: 640 × 400 px for one,
    /// 400 × 290 px per chart otherwise.
    public static func defaultSize(charts: Int) -> (width: Int, height: Int) {
        guard charts > 1 else { return (640, 400) }
        let (columns, rows) = grid(charts)
        return (400 * columns, 290 * rows)
    }

    /// Columns and rows for `count` charts: a row of up to three, then a near-square grid.
    static func grid(_ count: Int) -> (columns: Int, rows: Int) {
        let columns = count <= 3 ? Swift.max(1, count) : count == 4 ? 2 : count <= 9 ? 3 : 4
        return (columns, (count + columns - 1) / columns)
    }

    /// The SVG document of `charts` in a grid over `width` × `height` pixels, in `theme`'s colours.
    public static func render(_ charts: [FigureChart], width: Int, height: Int, theme: Theme) -> String {
        let palette = FigurePalette(theme)
        var svg = SVGBuilder()
        svg.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        svg.line("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">")
        svg.line("<style>text{font-family:\(fontStack);fill:\(palette.foreground)}</style>")
        svg.line("<rect width=\"\(width)\" height=\"\(height)\" fill=\"\(palette.background)\"/>")
        if charts.isEmpty {
            svg.line("<text x=\"\(width / 2)\" y=\"\(height / 2)\" font-size=\"13\" text-anchor=\"middle\">no data to draw</text>")
        }
        let (columns, rows) = grid(charts.count)
        for (i, chart) in charts.enumerated() {
            let column = i % columns, row = i / columns
            let x0 = Double(width * column / columns), x1 = Double(width * (column + 1) / columns)
            let y0 = Double(height * row / rows), y1 = Double(height * (row + 1) / rows)
            FigureChartPainter(chart: chart, palette: palette, index: i).draw(in: Box(x: x0, y: y0, width: x1 - x0, height: y1 - y0), &svg)
        }
        svg.line("</svg>")
        return svg.text
    }
}

/// A rectangle in pixels.
struct Box {
    var x: Double, y: Double, width: Double, height: Double
    var right: Double { x + width }
    var bottom: Double { y + height }

    func contains(_ px: Double, _ py: Double) -> Bool { px >= x && px <= right && py >= y && py <= bottom }
}

/// The theme's roles as SVG colours on the figure's canvas.
struct FigurePalette {
    let background: String
    let foreground: String
    let theme: Theme

    init(_ theme: Theme) {
        self.theme = theme
        (background, foreground) = SVGExport.canvasColors(theme)
    }

    /// The colour of a style's foreground (`default` is the canvas's text colour).
    func color(_ style: Style) -> String { color(style.foreground) }

    func color(_ color: Color) -> String { XtermPalette.rgb(color).map(XtermPalette.hex) ?? foreground }

    var axis: String { color(theme.axis) }
    var dim: String { color(theme.dimText) }
    var title: String { color(theme.title) }
}

/// An SVG document being written: lines, and numbers to a tenth of a pixel.
struct SVGBuilder {
    var text = ""

    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }

    /// `v` to one decimal, without a trailing `.0` (the same bytes on every machine).
    static func number(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let a = abs(tenths)
        return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
    }

    /// A `<text>` element; `anchor` start, middle or end; `rotate` −90 for a vertical axis title.
    mutating func text(_ s: String, x: Double, y: Double, size: Double, anchor: String = "start", fill: String? = nil, bold: Bool = false,
                       rotate: Bool = false, cssClass: String? = nil, data: String = "") {
        let n = Self.number
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if let fill { attributes += " fill=\"\(fill)\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if rotate { attributes += " transform=\"rotate(-90 \(n(x)) \(n(y)))\"" }
        if let cssClass { attributes += " class=\"\(cssClass)\"" }
        line("<text \(attributes)\(data)>\(Self.escaped(s))</text>")
    }

    /// Text from data (run ids, metric names) as XML character data, control characters shown as
    /// visible escapes (`\x1b`) as in every other output.
    static func escaped(_ s: String) -> String { SVGExport.escaped(TerminalText.visible(s)) }

    /// About how wide `s` is at `size` px in a sans-serif face (no font metrics are at hand; layout
    /// only needs to keep labels apart).
    static func width(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.6 }
}
