import Dashboard
import TerminalUI

/// Where a chart's legend goes.
enum LegendPlacement {
    case none
    /// In a corner of the plot that no data cross.
    case inside(Box)
    /// Beside the plot, taking this many pixels from its width.
    case right(Double)
    /// Under the x axis title, in this many rows.
    case below(Int)
}

/// One legend row: a line sample (or dot) in the series' colour and pattern, and its label.
struct LegendEntry {
    var label: String
    var colour: String
    var pattern: LinePattern
    var mark: FigureMark
    var isFaint: Bool
}

extension FigureChartPainter {
    static let legendRow = 13.0
    static let swatchWidth = 20.0

    /// One entry per label, in series order with emphasized (selected) entries first.
    func legendEntries() -> [LegendEntry] {
        var seen: Set<String> = []
        let ordered = chart.series.filter(\.isEmphasized) + chart.series.filter { !$0.isEmphasized }
        return ordered.compactMap { s in
            guard let label = s.label, seen.insert(label).inserted else { return nil }
            return LegendEntry(label: label, colour: palette.color(s.style), pattern: s.pattern, mark: s.mark, isFaint: s.isFaint && s.mark != .band)
        }
    }

    static func entryWidth(_ e: LegendEntry) -> Double { swatchWidth + 5 + SVGBuilder.width(e.label, size: labelSize) }

    /// Inside the plot when a corner box holds none of the data's vertices; else beside the plot
    /// when the chart stays at least 240 px wide, else under it.
    func placeLegend(_ entries: [LegendEntry], plot: Box, cell: Box, occupied: [(x: Double, y: Double)]) -> LegendPlacement {
        let width = (entries.map(Self.entryWidth).max() ?? 0) + 12
        let height = Double(entries.count) * Self.legendRow + 6
        if entries.count <= 8, width <= plot.width * 0.55, height <= plot.height * 0.6 {
            let corners = [Box(x: plot.right - width - 4, y: plot.y + 4, width: width, height: height),
                           Box(x: plot.x + 4, y: plot.y + 4, width: width, height: height),
                           Box(x: plot.right - width - 4, y: plot.bottom - height - 4, width: width, height: height),
                           Box(x: plot.x + 4, y: plot.bottom - height - 4, width: width, height: height)]
            // Notes sit in the top right corner.
            for box in corners.dropFirst(chart.notes.isEmpty ? 0 : 1) where !occupied.contains(where: { box.contains($0.x, $0.y) }) {
                return .inside(box)
            }
        }
        let beside = Swift.min(width, 220) + 10
        if plot.width - beside >= 240 { return .right(beside) }
        let columns = Self.belowColumns(entries, width: plot.width)
        let rows = (entries.count + columns - 1) / columns
        // Under the plot, taking at most half of the plot's height.
        return .below(Swift.max(1, Swift.min(rows, Int(plot.height / 2 / Self.legendRow))))
    }

    /// Columns of a legend under a plot `width` wide: as many as the widest entry allows.
    static func belowColumns(_ entries: [LegendEntry], width: Double) -> Int {
        let widest = (entries.map(entryWidth).max() ?? 1) + 14
        return Swift.max(1, Swift.min(entries.count, Int(width / widest)))
    }

    /// The legend where `placement` says; entries past the room are counted as "+N more".
    func drawLegend(_ entries: [LegendEntry], _ placement: LegendPlacement, plot: Box, cell: Box, _ svg: inout SVGBuilder) {
        var slots: [(x: Double, y: Double)] = []
        var maxLabel = 200.0
        switch placement {
        case .none: return
        case .inside(let box):
            svg.line("<rect class=\"legend-box\" x=\"\(n(box.x))\" y=\"\(n(box.y))\" width=\"\(n(box.width))\" height=\"\(n(box.height))\" fill=\"\(palette.background)\" fill-opacity=\"0.85\" stroke=\"\(palette.axis)\" stroke-opacity=\"0.3\"/>")
            slots = entries.indices.map { (box.x + 6, box.y + 3 + Double($0) * Self.legendRow) }
        case .right(let width):
            let x = plot.right + 10
            maxLabel = width - Self.swatchWidth - 16
            let fit = Swift.max(1, Int(plot.height / Self.legendRow))
            slots = (0..<Swift.min(fit, entries.count)).map { (x, plot.y + Double($0) * Self.legendRow) }
        case .below(let rows):
            // A grid of equal columns, filled row by row.
            let columns = Self.belowColumns(entries, width: plot.width)
            let columnWidth = plot.width / Double(columns)
            maxLabel = columnWidth - Self.swatchWidth - 14
            slots = (0..<Swift.min(entries.count, rows * columns)).map { i in
                (plot.x + Double(i % columns) * columnWidth, plot.bottom + 34 + Double(i / columns) * Self.legendRow)
            }
        }
        let shown = slots.count < entries.count ? Swift.max(0, slots.count - 1) : entries.count
        svg.line("<g class=\"legend\">")
        for (entry, slot) in zip(entries.prefix(shown), slots) {
            let mid = slot.y + Self.legendRow / 2
            switch entry.mark {
            case .dots(let hollow):
                let fill = hollow ? "fill=\"\(palette.background)\" stroke=\"\(entry.colour)\" stroke-width=\"1.2\"" : "fill=\"\(entry.colour)\""
                svg.line("<circle cx=\"\(n(slot.x + Self.swatchWidth / 2))\" cy=\"\(n(mid))\" r=\"3.2\" \(fill)/>")
            case .band, .area:
                svg.line("<rect x=\"\(n(slot.x))\" y=\"\(n(mid - 4))\" width=\"\(n(Self.swatchWidth))\" height=\"8\" fill=\"\(entry.colour)\" fill-opacity=\"0.35\"/>")
            case .line:
                let dash = Self.dashes(entry.pattern).map { " stroke-dasharray=\"\($0)\"" } ?? ""
                let opacity = entry.isFaint ? " stroke-opacity=\"0.45\"" : ""
                svg.line("<path fill=\"none\" stroke=\"\(entry.colour)\" stroke-width=\"1.8\" stroke-linecap=\"round\"\(dash)\(opacity) d=\"M\(n(slot.x)) \(n(mid))h\(n(Self.swatchWidth))\"/>")
            }
            svg.text(Self.clipped(entry.label, width: maxLabel), x: slot.x + Self.swatchWidth + 5, y: mid + 3.5, size: Self.labelSize,
                     cssClass: "legend-label")
        }
        if shown < entries.count, let slot = slots.last {
            svg.text("+\(entries.count - shown) more", x: slot.x, y: slot.y + Self.legendRow / 2 + 3.5, size: Self.labelSize, fill: palette.dim,
                     cssClass: "legend-label")
        }
        svg.line("</g>")
    }

    /// `label` shortened with an ellipsis in the middle to fit `width` pixels.
    static func clipped(_ label: String, width: Double) -> String {
        let fit = Int(width / (labelSize * 0.6))
        guard label.count > fit, fit >= 5 else { return label }
        let keep = fit - 1
        return String(label.prefix(keep - keep / 2)) + "…" + String(label.suffix(keep / 2))
    }
}
