import Dashboard
import TerminalUI

/// Draws one `FigureChart` into its cell of a figure: lays out title, plot, axes and legend, asks
/// the series for their data at the plot's pixel resolution, and writes the SVG elements.
struct FigureChartPainter {
    let chart: FigureChart
    let palette: FigurePalette
    /// The chart's place in the figure (names its clip path).
    let index: Int

    static let padding = 8.0
    static let titleSize = 12.5
    static let labelSize = 10.0
    static let tickSize = 9.5
    static let smallSize = 9.0

    /// Where the parts of the chart go.
    struct Layout {
        var plot: Box
        var legend: LegendPlacement
    }

    func draw(in cell: Box, _ svg: inout SVGBuilder) {
        svg.line("<g class=\"chart\" data-panel=\"\(chart.panel.rawValue)\" data-id=\"\(SVGBuilder.escaped(chart.id))\">")
        defer { svg.line("</g>") }
        let titleY = cell.y + Self.padding + 11
        svg.text(chart.title, x: cell.x + Self.padding, y: titleY, size: Self.titleSize, fill: palette.title, bold: true, cssClass: "title")
        var top = titleY + 7
        if let subtitle = chart.subtitle {
            svg.text(subtitle, x: cell.x + Self.padding, y: titleY + 14, size: Self.labelSize, fill: palette.dim, cssClass: "subtitle")
            top += 14
        }
        guard let xRange = xRange() else {
            svg.text("no data", x: cell.x + cell.width / 2, y: cell.y + cell.height / 2, size: Self.labelSize, anchor: "middle", fill: palette.dim)
            return
        }
        let xMapping = AxisMapping(scale: chart.x.scale, range: xRange)
        let markers = chart.markers.filter { xMapping.fraction($0.x).map { (0...1).contains($0) } ?? false }
        top += markers.isEmpty ? 0 : markers.count == 1 ? 12 : 23
        let colourBar = chart.heatmap == nil ? 0.0 : 52
        var plot = Box(x: cell.x + 60, y: top, width: 0, height: cell.bottom - Self.padding - 31 - top)
        // Room on the right for half of the last x tick label.
        plot.width = cell.right - Self.padding - Swift.max(colourBar, 12) - plot.x
        guard plot.width >= 40, plot.height >= 30 else {
            svg.text("too small to draw", x: cell.x + Self.padding, y: top + 12, size: Self.labelSize, fill: palette.dim)
            return
        }
        // First pass: the y range and its tick labels set the plot's left edge.
        var (geometry, yMapping) = pass(xMapping, plot)
        guard let firstY = yMapping else {
            svg.text("no finite values", x: cell.x + Self.padding, y: top + 12, size: Self.labelSize, fill: palette.dim)
            return
        }
        let labelWidth = yTicks(firstY, plot).compactMap(\.label).map { SVGBuilder.width($0, size: Self.tickSize) }.max() ?? 10
        let left = cell.x + Self.padding + 16 + labelWidth + 6
        plot.width -= left - plot.x
        plot.x = left
        (geometry, yMapping) = pass(xMapping, plot)
        // The legend: inside a corner the data leave free, else beside or under the plot.
        let entries = legendEntries()
        var placement = LegendPlacement.none
        if !entries.isEmpty, let y = yMapping {
            let xScale = FigureScale(mapping: xMapping, start: plot.x, end: plot.right)
            let yScale = FigureScale(mapping: y, start: plot.bottom, end: plot.y)
            placement = placeLegend(entries, plot: plot, cell: cell, occupied: occupied(geometry, markers, xScale, yScale, plot))
            switch placement {
            case .right(let width): plot.width -= width
            case .below(let rows): plot.height -= Double(rows) * 13 + 4
            case .none, .inside: break
            }
            if case .inside = placement {} else { (geometry, yMapping) = pass(xMapping, plot) }
        }
        guard let y = yMapping else { return }
        let xScale = FigureScale(mapping: xMapping, start: plot.x, end: plot.right, categories: chart.x.categories)
        let yScale = FigureScale(mapping: y, start: plot.bottom, end: plot.y, categories: chart.y.categories)
        drawGrid(xScale, yScale, plot, &svg)
        svg.line("<clipPath id=\"plot\(index)\"><rect x=\"\(n(plot.x))\" y=\"\(n(plot.y))\" width=\"\(n(plot.width))\" height=\"\(n(plot.height))\"/></clipPath>")
        svg.line("<g clip-path=\"url(#plot\(index))\">")
        if let heatmap = chart.heatmap { drawHeatmap(heatmap, xScale, yScale, &svg) }
        for (series, g) in zip(chart.series, geometry) { drawSeries(series, g, yScale, plot, &svg) }
        for reference in chart.references { drawReference(reference, yScale, plot, &svg) }
        svg.line("</g>")
        drawMarkers(markers, xScale, plot, cell, &svg)
        drawAxes(xScale, yScale, plot, cell, &svg)
        if let heatmap = chart.heatmap { drawColourBar(heatmap, plot, &svg) }
        for (i, note) in chart.notes.enumerated() {
            svg.text(note, x: plot.right - 4, y: plot.y + 11 + Double(i) * 12, size: Self.smallSize, anchor: "end", fill: palette.dim, cssClass: "note")
        }
        drawLegend(entries, placement, plot: plot, cell: cell, &svg)
    }

    /// The series' geometry for a plot box, and the y axis their values (or the chart) ask for.
    private func pass(_ x: AxisMapping, _ plot: Box) -> ([SeriesGeometry], AxisMapping?) {
        let geometry = self.geometry(FigureScale(mapping: x, start: plot.x, end: plot.right), yScale: chart.y.scale)
        return (geometry, yRange(geometry).map { AxisMapping(scale: chart.y.scale, range: $0) })
    }

    /// Pixels the legend must not cover: the geometry's vertices and points along the reference
    /// and marker lines (with their labels' corner).
    func occupied(_ geometry: [SeriesGeometry], _ markers: [FigureMarker], _ x: FigureScale, _ y: FigureScale, _ plot: Box) -> [(x: Double, y: Double)] {
        var points = geometry.flatMap { g in g.parts.flatMap { part in part.compactMap { v in y.position(v.y).map { (v.x, $0) } } } }
        for r in chart.references {
            guard let py = y.position(r.y) else { continue }
            points += stride(from: plot.x, through: plot.right, by: 8).map { ($0, py) } + [(plot.right - 40, py - 8)]
        }
        for m in markers {
            guard let px = x.position(m.x) else { continue }
            points += stride(from: plot.y, through: plot.bottom, by: 8).map { (px, $0) }
        }
        return points
    }

    func yTicks(_ y: AxisMapping, _ plot: Box) -> [FigureScale.Tick] {
        FigureScale(mapping: y, start: plot.bottom, end: plot.y, categories: chart.y.categories).ticks(spacing: Self.tickSpacing(y.scale, vertical: true))
    }

    /// Pixels per labelled tick: decades and vertical labels are short, horizontal numbers longer.
    static func tickSpacing(_ scale: AxisScale, vertical: Bool) -> Double { vertical ? 38 : scale == .linear ? 90 : 50 }

    func n(_ v: Double) -> String { SVGBuilder.number(v) }
}
