import Telemetry
import TerminalUI

/// One line ready to draw: its per-dot-column extents and what the legend says about it.
struct PlottedLine {
    var label: String
    var style: Style
    var columns: [ClosedRange<Double>?]
    /// The value the legend shows: the latest, or the one under the cursor.
    var value: Double?
    /// Points the line summarizes, and dot columns it fills (the downsampling badge compares them).
    var points: Int
    var shownColumns: Int
    /// Drawn faintly and left out of the legend (raw data under a smoothed line).
    var isFaint = false
    var pattern = LinePattern.solid
    /// Legend order (lower first); lines of equal rank keep their order.
    var rank = 2
    /// Equal for lines that draw the same dots on the same chart (see `ChartSeries.identity`).
    var identity: Int?
}

extension DashboardView {
    /// y extents of store buckets on `scale` (log drops what is ≤ 0; NaN and ±∞ are left out).
    static func extents(_ buckets: [SeriesBucket?], scale: AxisScale) -> [ClosedRange<Double>?] {
        buckets.map { bucket in
            guard let b = bucket, b.yMin.isFinite, b.yMax.isFinite else { return nil }
            if scale == .log {
                guard b.yMax > 0 else { return nil }
                return (b.yMin > 0 ? b.yMin : b.yMax)...b.yMax
            }
            return b.yMin...b.yMax
        }
    }

    /// The y range that shows `lines`: all of them, or the 2nd–98th percentile of their column
    /// midpoints when `clip` is on (an outlier-robust scale); widened when flat.
    static func yRange(_ lines: [PlottedLine], scale: AxisScale, clip: Bool, including extra: [Double] = []) -> ClosedRange<Double>? {
        let kept = extra.filter { $0.isFinite && (scale != .log || $0 > 0) }
        var low = kept.min() ?? .infinity, high = kept.max() ?? -.infinity
        var middles: [Double] = clip ? kept : []
        for line in lines {
            for case let e? in line.columns {
                if clip { middles.append((e.lowerBound + e.upperBound) / 2) }
                low = Swift.min(low, e.lowerBound)
                high = Swift.max(high, e.upperBound)
            }
        }
        guard low <= high else { return nil }
        if clip {
            guard !middles.isEmpty else { return nil }
            middles.sort()
            low = middles[0]
            high = middles[middles.count - 1]
            if middles.count >= 10 {
                low = middles[Int(Double(middles.count - 1) * 0.02)]
                high = middles[Int(Double(middles.count - 1) * 0.98)]
            }
        }
        if high <= low {
            let pad = scale == .log ? low : Swift.max(abs(low) * 0.5, 1e-9)
            return scale == .log ? (low / 2)...(high * 2) : (low - pad)...(high + pad)
        }
        return low...high
    }

    /// Vertical markers for the run's phases and knob changes, placed by `column` (step → dot column).
    func markers(_ run: RunState, column: (Double) -> Int?) -> [ChartMarker] {
        let phases = run.phases.compactMap { p in
            column(Double(p.step)).map { ChartMarker(dotColumn: $0, label: String(p.name.prefix(3)), style: theme.markerPhase) }
        }
        let knobs = run.knobChanges.compactMap { k in
            column(Double(k.step)).map { ChartMarker(dotColumn: $0, label: k.name, style: theme.markerKnob) }
        }
        return phases + knobs
    }

    /// A chart: a legend row (title, each line's value, the downsampling badge), then the plot.
    /// Legend entries that do not fit are counted as "+N more"; runs not drawn at all (past what a
    /// chart tells apart) are said in the badge.
    func drawChart(title: String, selected: Bool, lines: [PlottedLine], yScale: AxisScale, yRange: ClosedRange<Double>,
                   xLabels: (String, String), references: [ReferenceLine], markers: [ChartMarker], cursor: Int?,
                   cursorNote: String?, undrawnRuns: Int = 0, area: Rect, _ buffer: inout Buffer) {
        guard area.height >= 2 else { return }
        let right = area.x + area.width
        var x = area.x + 1
        let titleText = (selected ? "▸ " : "") + title + (yScale == .linear ? "" : " [\(yScale.rawValue)]") + "  "
        x += buffer.write(titleText, x: x, y: area.y, style: selected ? theme.focusBorder : theme.title, maxWidth: right - x)
        if let cursorNote { x += buffer.write(cursorNote + "  ", x: x, y: area.y, style: theme.text, maxWidth: right - x) }
        let legend = lines.enumerated().filter { !$0.element.isFaint }.sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element)
        let total = legend.reduce(0) { $0 + $1.points }
        let shown = legend.reduce(0) { $0 + Swift.min($1.points, $1.shownColumns) }
        var badge = shown < total ? " \(shown) of \(total) points " : ""
        if undrawnRuns > 0 { badge = " \(undrawnRuns) runs not drawn (r, /)" + (badge.isEmpty ? " " : " ·" + badge) }
        for (i, line) in legend.enumerated() {
            let text = "\(line.pattern.swatch) \(line.label) \(line.value.map { NumberFormat.short($0) } ?? "-")  "
            let more = legend.count - i - 1
            let reserve = more > 0 ? "+\(more) more".count + 1 : 0
            // Runs not drawn are always said: the legend leaves the badge its room then.
            guard x + text.count + reserve <= right - (undrawnRuns > 0 ? badge.count : 0) else {
                x += buffer.write("+\(legend.count - i) more", x: x, y: area.y, style: theme.dimText, maxWidth: right - x) + 2
                break
            }
            x += buffer.write(text, x: x, y: area.y, style: line.style, maxWidth: right - x)
        }
        if !badge.isEmpty, x + badge.count <= right { buffer.write(badge, x: right - badge.count, y: area.y, style: theme.dimText) }
        let chartArea = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let series = lines.map { ChartSeries(label: $0.label, style: $0.style, pattern: $0.pattern, columns: $0.columns, identity: $0.identity) }
        let chart = LineChart(series: series, yRange: yRange, yScale: yScale, xLabels: xLabels, axisStyle: theme.axis, references: references,
                              markers: markers, cursorColumn: cursor, cursorStyle: theme.focusBorder)
        // Lines unchanged since the last frame are not drawn again.
        let key = LineLayerCache.ChartKey(title: title, x: chartArea.x, y: chartArea.y, width: chartArea.width, height: chartArea.height,
                                          low: yRange.lowerBound, high: yRange.upperBound, scale: yScale)
        let identities = series.map(\.identity)
        let (drawn, keeping) = layers.reusable(key, identities: identities)
        let result = chart.render(into: &buffer, area: chartArea, drawn: drawn, keeping: keeping)
        layers.keep(key, identities: identities, kept: result.kept, all: result.all)
    }

    /// The Hessian and distributions panels' layout below their badge row: a chart over the whole
    /// width, and, when `lower` and there is room (12 rows), two views side by side under it (2:3).
    static func chartOverTwo(under inner: Rect, lower: Bool) -> (chart: Rect, lower: (Rect, Rect)?) {
        let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
        guard lower, body.height >= 12 else { return (body, nil) }
        let chartHeight = body.height * 11 / 20
        let rest = Rect(x: body.x, y: body.y + chartHeight, width: body.width, height: body.height - chartHeight)
        return (Rect(x: body.x, y: body.y, width: body.width, height: chartHeight), rest.splitColumns(at: rest.width * 2 / 5))
    }

    /// The style of the i-th line of a chart, and its faint twin for raw data under smoothing.
    func lineStyle(_ i: Int) -> Style { theme.series[i % theme.series.count] }

    func faint(_ style: Style) -> Style {
        var s = style
        s.dim = true
        s.bold = false
        return s
    }

    /// Resamples a density (grid, values) onto `count` equal bins over `range`, by linear interpolation.
    static func resample(grid: [Double], values: [Double], over range: ClosedRange<Double>, count: Int) -> [Double?] {
        guard count > 0, grid.count == values.count, grid.count >= 2 else { return Array(repeating: nil, count: Swift.max(0, count)) }
        let width = range.upperBound - range.lowerBound
        return (0..<count).map { i in
            let x = range.lowerBound + width * (Double(i) + 0.5) / Double(count)
            guard x >= grid[0], x <= grid[grid.count - 1] else { return nil }
            var lo = 0, hi = grid.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if grid[mid] <= x { lo = mid } else { hi = mid }
            }
            let t = grid[hi] > grid[lo] ? (x - grid[lo]) / (grid[hi] - grid[lo]) : 0
            return values[lo] + (values[hi] - values[lo]) * t
        }
    }
}
