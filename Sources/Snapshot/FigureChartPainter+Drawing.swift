import Dashboard
import TerminalUI

extension FigureChartPainter {
    /// Light lines at the labelled ticks of both axes.
    func drawGrid(_ x: FigureScale, _ y: FigureScale, _ plot: Box, _ svg: inout SVGBuilder) {
        var d = ""
        for t in x.ticks(spacing: Self.tickSpacing(x.mapping.scale, vertical: false)) where t.label != nil { d += "M\(n(t.position)) \(n(plot.y))V\(n(plot.bottom))" }
        for t in y.ticks(spacing: Self.tickSpacing(y.mapping.scale, vertical: true)) where t.label != nil { d += "M\(n(plot.x)) \(n(t.position))H\(n(plot.right))" }
        if !d.isEmpty { svg.line("<path class=\"grid\" fill=\"none\" stroke=\"\(palette.axis)\" stroke-opacity=\"0.18\" stroke-width=\"0.8\" d=\"\(d)\"/>") }
    }

    /// Spines on the left and bottom, outward ticks (minor ones shorter), tick labels and axis titles.
    func drawAxes(_ x: FigureScale, _ y: FigureScale, _ plot: Box, _ cell: Box, _ svg: inout SVGBuilder) {
        let axis = palette.axis
        var d = "M\(n(plot.x)) \(n(plot.y))V\(n(plot.bottom))H\(n(plot.right))"
        let xTicks = x.ticks(spacing: Self.tickSpacing(x.mapping.scale, vertical: false))
        let yTicks = y.ticks(spacing: Self.tickSpacing(y.mapping.scale, vertical: true))
        for t in xTicks { d += "M\(n(t.position)) \(n(plot.bottom))v\(t.label == nil ? 2.5 : 4.5)" }
        for t in yTicks { d += "M\(n(plot.x)) \(n(t.position))h\(t.label == nil ? -2.5 : -4.5)" }
        svg.line("<path class=\"axes\" fill=\"none\" stroke=\"\(axis)\" stroke-width=\"1\" d=\"\(d)\"/>")
        // x labels that would overlap their neighbour are left out (every other one, then more).
        let labelled = xTicks.filter { $0.label != nil }
        var every = 1
        while every < labelled.count {
            let kept = stride(from: 0, to: labelled.count, by: every).map { labelled[$0] }
            let clash = zip(kept, kept.dropFirst()).contains { a, b in
                b.position - a.position < (SVGBuilder.width(a.label!, size: Self.tickSize) + SVGBuilder.width(b.label!, size: Self.tickSize)) / 2 + 6
            }
            if !clash { break }
            every += 1
        }
        for (i, t) in labelled.enumerated() where i % every == 0 {
            svg.text(t.label!, x: t.position, y: plot.bottom + 15, size: Self.tickSize, anchor: "middle", fill: axis, cssClass: "tick",
                     data: " data-axis=\"x\" data-value=\"\(Self.dataValue(t.value))\"")
        }
        for t in yTicks where t.label != nil {
            svg.text(t.label!, x: plot.x - 6, y: t.position + 3.3, size: Self.tickSize, anchor: "end", fill: axis, cssClass: "tick",
                     data: " data-axis=\"y\" data-value=\"\(Self.dataValue(t.value))\"")
        }
        let xTitle = chart.x.title + (chart.x.scale == .linear ? "" : " (\(chart.x.scale == .log ? "log" : "symlog"))")
        svg.text(xTitle, x: plot.x + plot.width / 2, y: plot.bottom + 29, size: Self.labelSize, anchor: "middle", cssClass: "axis-title")
        let yTitle = chart.y.title + (chart.y.scale == .linear ? "" : " (\(chart.y.scale == .log ? "log" : "symlog"))")
        svg.text(yTitle, x: cell.x + Self.padding + 9, y: plot.y + plot.height / 2, size: Self.labelSize, anchor: "middle", rotate: true,
                 cssClass: "axis-title")
    }

    /// A tick's value for readers of the file (`%.12g`-like, the same bytes everywhere).
    static func dataValue(_ v: Double) -> String {
        guard v != 0 else { return "0" }
        let e = Int((NumberFormat.log10(abs(v)) + 1e-9).rounded(.down))
        let m = (v / NumberFormat.power10(e) * 1e9).rounded() / 1e9
        return e == 0 ? "\(m)" : "\(m)e\(e)"
    }

    /// One series: a polyline (outlined area, band, or dots) in its colour and pattern.
    func drawSeries(_ series: FigureSeries, _ g: SeriesGeometry, _ y: FigureScale, _ plot: Box, _ svg: inout SVGBuilder) {
        let colour = palette.color(series.style)
        let parts = g.parts.map { part in part.compactMap { v in y.position(v.y).map { (x: v.x, y: $0) } } }.filter { !$0.isEmpty }
        let key = SVGBuilder.escaped(series.key)
        let data = " data-key=\"\(key)\" data-vertices=\"\(parts.reduce(0) { $0 + $1.count })\" data-points=\"\(g.points)\""
        func path(_ points: [(x: Double, y: Double)]) -> String {
            var d = "M\(n(points[0].x)) \(n(points[0].y))"
            for p in points.dropFirst() { d += "L\(n(p.x)) \(n(p.y))" }
            return d
        }
        switch series.mark {
        case .band:
            let d = parts.map { path($0) + "Z" }.joined()
            svg.line("<path class=\"band\"\(data) fill=\"\(colour)\" fill-opacity=\"\(series.isFaint ? "0.16" : "0.3")\" stroke=\"none\" d=\"\(d)\"/>")
        case .dots(let hollow):
            svg.line("<g class=\"series\"\(data)>")
            for p in parts.joined() {
                let fill = hollow ? "fill=\"\(palette.background)\" stroke=\"\(colour)\" stroke-width=\"1.2\"" : "fill=\"\(colour)\""
                svg.line("<circle cx=\"\(n(p.x))\" cy=\"\(n(p.y))\" r=\"\(series.isEmphasized ? "4.5" : "3.2")\" \(fill)/>")
            }
            svg.line("</g>")
        case .line, .area:
            if series.mark == .area {
                let d = parts.map { part in path(part) + "L\(n(part[part.count - 1].x)) \(n(plot.bottom))L\(n(part[0].x)) \(n(plot.bottom))Z" }.joined()
                svg.line("<path class=\"fill\" fill=\"\(colour)\" fill-opacity=\"0.3\" stroke=\"none\" d=\"\(d)\"/>")
            }
            let width = series.isFaint ? "1" : series.isEmphasized ? "2.6" : "1.6"
            var attributes = "fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(width)\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
            if series.isFaint { attributes += " stroke-opacity=\"0.3\"" }
            if let dashes = Self.dashes(series.pattern) { attributes += " stroke-dasharray=\"\(dashes)\"" }
            svg.line("<path class=\"series\"\(data) \(attributes) d=\"\(parts.map(path).joined())\"/>")
            if let label = series.endLabel, let last = parts.last?.last {
                svg.text(label, x: Swift.min(last.x, plot.right) - 3, y: Swift.max(last.y - 4, plot.y + 9), size: Self.smallSize, anchor: "end",
                         fill: colour, cssClass: "reference-label")
            }
        }
    }

    /// SVG dashes for the terminal's line patterns, so a run looks the same in both.
    static func dashes(_ pattern: LinePattern) -> String? {
        switch pattern {
        case .solid: nil
        case .dashed: "7 4"
        case .dotted: "1 3.5"
        case .sparse: "1 7"
        }
    }

    /// A dashed horizontal line with its label at the right end, above it.
    func drawReference(_ r: FigureReference, _ y: FigureScale, _ plot: Box, _ svg: inout SVGBuilder) {
        guard let py = y.position(r.y), py >= plot.y, py <= plot.bottom else { return }
        let colour = palette.color(r.style)
        svg.line("<path class=\"reference\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.1\" stroke-dasharray=\"5 3\" d=\"M\(n(plot.x)) \(n(py))H\(n(plot.right))\"/>")
        svg.text(r.label, x: plot.right - 3, y: py - 3, size: Self.smallSize, anchor: "end", fill: colour, cssClass: "reference-label")
    }

    /// Dashed vertical lines with their labels in up to two rows above the plot; a label that
    /// would overlap another in both rows is left out (its line stays).
    func drawMarkers(_ markers: [FigureMarker], _ x: FigureScale, _ plot: Box, _ cell: Box, _ svg: inout SVGBuilder) {
        var rows: [[ClosedRange<Double>]] = [[], []]
        for marker in markers.sorted(by: { $0.x < $1.x }) {
            guard let px = x.position(marker.x) else { continue }
            let colour = palette.color(marker.style)
            svg.line("<path class=\"marker\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1\" stroke-dasharray=\"3 3\" d=\"M\(n(px)) \(n(plot.y))V\(n(plot.bottom))\"/>")
            let width = SVGBuilder.width(marker.label, size: Self.smallSize)
            let leftward = px + 2 + width > cell.right - Self.padding
            let extent = leftward ? (px - 2 - width)...(px - 2) : (px + 2)...(px + 2 + width)
            guard let row = rows.indices.first(where: { r in !rows[r].contains { $0.overlaps(extent) } }),
                  markers.count > 1 || row == 0 else { continue }
            rows[row].append((extent.lowerBound - 4)...(extent.upperBound + 4))
            svg.text(marker.label, x: leftward ? px - 2 : px + 2, y: plot.y - 4 - Double(row) * 11, size: Self.smallSize,
                     anchor: leftward ? "end" : "start", fill: colour, cssClass: "marker-label")
        }
    }

    /// The grid of cells, runs of equal colour in a column merged into one rect.
    func drawHeatmap(_ map: FigureHeatmap, _ x: FigureScale, _ y: FigureScale, _ svg: inout SVGBuilder) {
        guard !map.ramp.isEmpty else { return }
        svg.line("<g class=\"heatmap\" shape-rendering=\"crispEdges\">")
        for (i, column) in map.values.enumerated() where i + 1 < map.xEdges.count {
            guard let x0 = x.position(map.xEdges[i]), let x1 = x.position(map.xEdges[i + 1]) else { continue }
            var j = 0
            while j < column.count {
                guard let v = column[j] else { j += 1; continue }
                let shade = Self.rampIndex(v, map.ramp.count)
                var k = j + 1
                while k < column.count, let w = column[k], Self.rampIndex(w, map.ramp.count) == shade { k += 1 }
                if let y0 = y.position(map.yEdges[j]), let y1 = y.position(map.yEdges[Swift.min(k, map.yEdges.count - 1)]) {
                    svg.line("<rect x=\"\(n(x0))\" y=\"\(n(y1))\" width=\"\(n(x1 - x0 + 0.3))\" height=\"\(n(y0 - y1 + 0.3))\" fill=\"\(palette.color(map.ramp[shade]))\"/>")
                }
                j = k
            }
        }
        svg.line("</g>")
    }

    static func rampIndex(_ v: Double, _ count: Int) -> Int { Swift.max(0, Swift.min(count - 1, Int((v * Double(count - 1)).rounded()))) }

    /// The heat ramp as a bar beside the plot, low at the bottom, with what it means.
    func drawColourBar(_ map: FigureHeatmap, _ plot: Box, _ svg: inout SVGBuilder) {
        let x = plot.right + 12, count = Double(map.ramp.count)
        for (i, colour) in map.ramp.enumerated() {
            let y1 = plot.bottom - plot.height * Double(i + 1) / count, h = plot.height / count
            svg.line("<rect x=\"\(n(x))\" y=\"\(n(y1))\" width=\"10\" height=\"\(n(h + 0.3))\" fill=\"\(palette.color(colour))\"/>")
        }
        svg.text("low", x: x + 5, y: plot.bottom + 11, size: Self.smallSize, anchor: "middle", fill: palette.dim)
        svg.text("high", x: x + 5, y: plot.y - 3, size: Self.smallSize, anchor: "middle", fill: palette.dim)
        svg.text(map.legend, x: x + 24, y: plot.y + plot.height / 2, size: Self.smallSize, anchor: "middle", fill: palette.dim, rotate: true,
                 cssClass: "colourbar-title")
    }
}
