import Dashboard
import TerminalUI

/// A series reduced to what is drawn: x already in pixels (the data were asked for at pixel-column
/// resolution), y still in data units until the y range is known.
struct SeriesGeometry {
    /// Polylines (a new one where a value cannot be shown); for bands, closed outlines.
    var parts: [[(x: Double, y: Double)]]
    /// Points the series holds, as the view keeps them.
    var points: Int

    var vertices: Int { parts.reduce(0) { $0 + $1.count } }
}

extension FigureChartPainter {
    /// The series of the chart at `columns` pixel columns over `x` (pixels from `x.start`).
    func geometry(_ x: FigureScale, yScale: AxisScale) -> [SeriesGeometry] {
        let columns = Swift.max(1, Int((x.end - x.start).rounded()))
        let edges = x.mapping.edges(count: columns)
        func shown(_ y: Double) -> Bool { y.isFinite && (yScale != .log || y > 0) }
        return chart.series.map { series in
            switch series.data {
            case .columns(let points, let columnsOf):
                return SeriesGeometry(parts: Self.minMaxPolyline(columnsOf(edges), left: x.start, shown: shown), points: points)
            case .points(let points):
                var parts: [[(x: Double, y: Double)]] = [[]]
                for p in points {
                    guard shown(p.y), let px = x.position(p.x) else {
                        if !parts[parts.count - 1].isEmpty { parts.append([]) }
                        continue
                    }
                    parts[parts.count - 1].append((px, p.y))
                }
                return SeriesGeometry(parts: parts.filter { !$0.isEmpty }, points: points.count)
            case .band(let rows):
                let kept = rows.compactMap { r in x.position(r.x).flatMap { px in shown(r.low) && shown(r.high) ? (px, r.low, r.high) : nil } }
                return SeriesGeometry(parts: kept.isEmpty ? [] : [kept.map { ($0.0, $0.2) } + kept.reversed().map { ($0.0, $0.1) }],
                                      points: rows.count)
            case .bandColumns(let rangesOf):
                var parts: [[(x: Double, y: Double)]] = []
                var run: [(x: Double, low: Double, high: Double)] = []
                func close() {
                    if !run.isEmpty { parts.append(run.map { ($0.x, $0.high) } + run.reversed().map { ($0.x, $0.low) }) }
                    run = []
                }
                for (c, range) in rangesOf(edges).enumerated() {
                    guard let range, shown(range.lowerBound), shown(range.upperBound) else { close(); continue }
                    run.append((x.start + Double(c) + 0.5, range.lowerBound, range.upperBound))
                }
                close()
                return SeriesGeometry(parts: parts, points: 0)
            }
        }
    }

    /// One or two vertices per pixel column from its aggregate: a column of one value (or equal
    /// values) is one vertex at its centre; otherwise its minimum and maximum, in the order the
    /// data reached them (the one nearer the column's first value first), so spikes stay and the
    /// line never has more than two vertices per column. Empty columns are bridged; a value the
    /// scale cannot show breaks the line. A coarse bucket repeated over columns is drawn once.
    static func minMaxPolyline(_ buckets: [SeriesBucket?], left: Double, shown: (Double) -> Bool) -> [[(x: Double, y: Double)]] {
        var parts: [[(x: Double, y: Double)]] = [[]]
        var previous: SeriesBucket?
        for (c, bucket) in buckets.enumerated() {
            guard let b = bucket, b != previous else { continue }
            previous = b
            let x0 = left + Double(c)
            guard shown(b.yMin), shown(b.yMax) else {
                // On a log axis a column reaching down to 0 keeps its positive end.
                if shown(b.yMax) { parts[parts.count - 1].append((x0 + 0.5, b.yMax)) } else if !parts[parts.count - 1].isEmpty { parts.append([]) }
                continue
            }
            if b.count == 1 || b.yMin == b.yMax {
                parts[parts.count - 1].append((x0 + 0.5, b.yMin))
            } else if abs(b.yFirst - b.yMin) <= abs(b.yFirst - b.yMax) {
                parts[parts.count - 1] += [(x0 + 0.25, b.yMin), (x0 + 0.75, b.yMax)]
            } else {
                parts[parts.count - 1] += [(x0 + 0.25, b.yMax), (x0 + 0.75, b.yMin)]
            }
        }
        return parts.filter { !$0.isEmpty }
    }

    /// The x range: the chart's, else the points' extent with a margin.
    func xRange() -> ClosedRange<Double>? {
        if var range = chart.x.range {
            // Steps from 1 (or a few) start the axis at 0 on a linear scale, as readers expect.
            if chart.x.scale == .linear, chart.x.categories == nil, range.lowerBound > 0,
               range.lowerBound <= 0.05 * (range.upperBound - range.lowerBound) { range = 0...range.upperBound }
            return range
        }
        var xs: [Double] = []
        for series in chart.series {
            switch series.data {
            case .points(let points): xs += points.map(\.x)
            case .band(let rows): xs += rows.map(\.x)
            case .columns, .bandColumns: continue
            }
        }
        xs = xs.filter { $0.isFinite && (chart.x.scale != .log || $0 > 0) }
        guard let low = xs.min(), let high = xs.max() else { return nil }
        return Self.padded(low...high, scale: chart.x.scale)
    }

    /// The y range: the chart's, else every drawn value and reference with a margin.
    func yRange(_ geometry: [SeriesGeometry]) -> ClosedRange<Double>? {
        if let range = chart.y.range { return range }
        var low = Double.infinity, high = -Double.infinity
        for g in geometry {
            for part in g.parts {
                for v in part {
                    low = Swift.min(low, v.y)
                    high = Swift.max(high, v.y)
                }
            }
        }
        for r in chart.references where r.y.isFinite && (chart.y.scale != .log || r.y > 0) {
            low = Swift.min(low, r.y)
            high = Swift.max(high, r.y)
        }
        guard low <= high else { return nil }
        return Self.padded(low...high, scale: chart.y.scale)
    }

    /// `range` with 4% more on each side (on the scale's own coordinates), or widened when flat.
    static func padded(_ range: ClosedRange<Double>, scale: AxisScale) -> ClosedRange<Double> {
        let (low, high) = (range.lowerBound, range.upperBound)
        if high <= low {
            if scale == .log { return (low / 2)...(high * 2) }
            let pad = Swift.max(abs(low) * 0.5, 1e-9)
            return (low - pad)...(high + pad)
        }
        if scale == .log {
            let factor = NumberFormat.exp10(0.04 * (NumberFormat.log10(high) - NumberFormat.log10(low)))
            return (low / factor)...(high * factor)
        }
        let pad = (high - low) * 0.04
        // A range that starts at 0 (counts, accuracy) keeps 0 as its edge.
        return (low == 0 ? 0 : low - pad)...(high + pad)
    }
}
