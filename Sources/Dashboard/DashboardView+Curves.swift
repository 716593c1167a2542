import Telemetry
import TerminalUI

extension DashboardView {
    /// Lines drawn per chart at most where lines differ by colour alone (the Hessian's eigenvalues).
    static let maxLinesPerChart = 8
    /// Runs drawn per chart at most: as many as colour × line pattern tell apart (12 × 4 in the
    /// colour themes); the chart's badge says how many runs are not drawn.
    static let maxRunsPerChart = 48

    /// The curves panel: one chart per group of metrics, stacked; the selected one kept in view.
    func curvesPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        var area = inner
        if let input = state.input, input.purpose == .filter {
            area.height -= 1
            let prompt = "/\(input.text)▏" + (input.error.map { "  \($0)" } ?? "  Enter applies · Esc cancels · empty clears")
            buffer.write(prompt, x: inner.x + 1, y: inner.y + inner.height - 1, style: input.error == nil ? theme.text : theme.error,
                         maxWidth: inner.width - 2)
        }
        let groups = state.curveGroups
        guard !groups.isEmpty, area.height >= 3 else {
            let message = state.curves.filter != nil ? "no series match /\(state.curves.filter!)/" : "no metrics yet"
            buffer.write(message, x: area.x + 1, y: area.y, style: theme.dimText, maxWidth: area.width - 2)
            return
        }
        let frame = RunLooks.Frame(state, theme: theme, faint: faint, limit: Self.maxRunsPerChart)
        let xRange = state.curvesXRange
        // What every chart's memo compares: the drawn runs' revisions, looked up once a frame.
        let revisions = frame.drawn.map { state.runs[$0]!.revision.count }
        let currentRevision = state.runs[frame.current]?.revision.count ?? -1
        let fit = Swift.max(1, Swift.min(groups.count, area.height / 7))
        let selected = Swift.min(state.curves.selectedGroup, groups.count - 1)
        let first = Swift.min(Swift.max(0, selected - fit + 1), groups.count - fit)
        for i in 0..<fit {
            let y0 = area.y + area.height * i / fit, y1 = area.y + area.height * (i + 1) / fit
            let chartArea = Rect(x: area.x, y: y0, width: area.width, height: y1 - y0)
            let group = groups[first + i]
            if case .metric(let xMetric) = state.curves.xAxis {
                parametricChart(state, group, frame, xMetric: xMetric, selected: first + i == selected, area: chartArea, &buffer)
            } else if frame.groups != nil {
                timeChart(state, group, frame, xRange: xRange, selected: first + i == selected, area: chartArea, &buffer)
            } else {
                // A chart of runs that have not changed since it was drawn is copied.
                let inputs = TimeChartInputs(group: group, selected: first + i == selected && state.focus == .curves, curves: state.curves,
                                             xRange: xRange, drawn: frame.drawn, revisions: revisions,
                                             shown: frame.shown, selectedRun: frame.selected, current: frame.current,
                                             currentRevision: currentRevision, abandoned: state.abandonedRuns)
                charts.draw(chartArea, inputs, into: &buffer) { buffer in
                    timeChart(state, group, frame, xRange: xRange, selected: first + i == selected, area: chartArea, &buffer)
                }
            }
        }
        if groups.count > fit {
            let more = " \(first + 1)–\(first + fit) of \(groups.count) charts · \(Keymap.label(of: .selectNext)) \(Keymap.label(of: .selectPrevious)) "
            buffer.write(more, x: inner.x + inner.width - more.count - 1, y: inner.y + inner.height, style: theme.dimText)
        }
    }

    /// A chart over steps or seconds from the multi-resolution stores (smoothed over faint raw when on).
    private func timeChart(_ state: DashboardState, _ group: CurveGroup, _ frame: RunLooks.Frame, xRange: ClosedRange<Double>?, selected: Bool,
                           area: Rect, _ buffer: inout Buffer) {
        guard let xRange else { return }
        let chartArea = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let dotColumns = LineChart.dotColumns(in: chartArea)
        guard dotColumns >= 4 else { return }
        let xAxis = AxisMapping(scale: state.curves.xScale, range: xRange)
        let edges = xAxis.edges(count: dotColumns)
        let yScale = state.yScale(ofGroup: group.name)
        let cursorDots = state.curves.cursor.map { [2 * $0, 2 * $0 + 1] }
        var lines: [PlottedLine] = []
        let looks = RunLooks(frame, group: group)
        // The x columns every line of the chart shares; on a wall-time axis each run maps them to
        // its own steps, so lines there are not identified (always drawn).
        var edgesHasher = Hasher()
        edges.forEach { edgesHasher.combine($0) }
        let edgesIdentity = state.curves.xAxis == .step ? edgesHasher.finalize() : nil
        if let groups = frame.groups, let grouping = state.grouping {
            lines = groupLines(state, group, groups, grouping, looks, edges: edges, yScale: yScale)
        }
        for id in frame.groups == nil ? frame.drawn : [] {
            let run = state.runs[id]!
            guard let stepEdges = Self.stepEdges(run, edges, state.curves.xAxis) else { continue }
            for metric in group.metrics {
                guard let series = run.series[metric] else { continue }
                let look = looks.look(run: id, metric: metric)
                let label = looks.label(run: id, metric: metric)
                let firstLine = lines.count
                defer {
                    for i in firstLine..<lines.count {
                        lines[i].pattern = look.pattern
                        lines[i].rank = look.rank
                        if look.isAbandoned { lines[i].isFaint = true }
                        lines[i].identity = edgesIdentity.map { edges in
                            var h = Hasher()
                            h.combine(edges)
                            h.combine(id)
                            h.combine(metric)
                            h.combine(i - firstLine)
                            h.combine(series.raw.count)
                            h.combine(series.smoothing)
                            h.combine(series.provisional.count)
                            h.combine(series.provisional.last?.y)
                            h.combine(lines[i].style)
                            h.combine(look.pattern)
                            return h.finalize()
                        }
                    }
                }
                let (raw, rawExtents) = cachedLine(id, metric, series.raw, smoothing: nil, stepEdges, state.curves.xAxis, scale: yScale)
                func valueAtCursor(_ columns: [SeriesBucket?]) -> Double? {
                    guard let dots = cursorDots else { return series.raw.last?.y }
                    return dots.compactMap { $0 < columns.count ? columns[$0] : nil }.last?.yLast
                }
                let shownColumns = raw.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
                if let smoothedStore = series.smoothed {
                    var (smoothed, smoothedExtents) = cachedLine(id, metric, smoothedStore, smoothing: series.smoothing, stepEdges,
                                                                 state.curves.xAxis, scale: yScale)
                    if !series.provisional.isEmpty {
                        Self.merge(series.provisional, into: &smoothed, edges: stepEdges)
                        smoothedExtents = Self.extents(smoothed, scale: yScale)
                    }
                    lines.append(PlottedLine(label: label, style: faint(look.style), columns: rawExtents, value: nil, points: 0, shownColumns: 0,
                                             isFaint: true))
                    let lastSmoothed = series.provisional.last?.y ?? smoothedStore.last?.y
                    lines.append(PlottedLine(label: label, style: look.style, columns: smoothedExtents,
                                             value: cursorDots == nil ? lastSmoothed : valueAtCursor(smoothed),
                                             points: series.raw.count, shownColumns: shownColumns))
                } else {
                    lines.append(PlottedLine(label: label, style: look.style, columns: rawExtents, value: valueAtCursor(raw),
                                             points: series.raw.count, shownColumns: shownColumns))
                }
            }
        }
        let run = state.currentRun
        let chance = DashboardState.groupName(of: group.name) == "acc" ? run?.chanceAccuracy : nil
        guard let yRange = Self.yRange(lines, scale: yScale, clip: state.curves.clipOutliers, including: chance.map { [$0] } ?? []) else {
            buffer.write("▸ \(group.name): no finite values", x: area.x + 1, y: area.y, style: theme.dimText, maxWidth: area.width - 2)
            return
        }
        let references = chance.map { [ReferenceLine(value: $0, label: "chance", style: theme.reference)] } ?? []
        func column(_ step: Double) -> Int? {
            var x = step
            if state.curves.xAxis == .wallTime {
                guard let seconds = run?.clock.secondsSinceStart(atStep: step) else { return nil }
                x = seconds
            }
            guard let f = xAxis.fraction(x), (0...1).contains(f) else { return nil }
            return Swift.min(dotColumns - 1, Int(f * Double(dotColumns)))
        }
        var cursorNote: String?
        if let cursor = state.curves.cursor, 2 * cursor + 1 < edges.count {
            let x = (edges[2 * cursor] + edges[2 * cursor + 2 < edges.count ? 2 * cursor + 2 : 2 * cursor + 1]) / 2
            cursorNote = state.curves.xAxis == .wallTime ? "@ \(NumberFormat.short(x)) s" : "@ step \(Int(x.rounded()))"
        }
        let unit = state.curves.xAxis == .wallTime ? " s" : ""
        let scaleNote = state.curves.xScale == .linear ? "" : " (\(state.curves.xScale.rawValue))"
        drawChart(title: looks.title, selected: selected && state.focus == .curves, lines: lines, yScale: yScale, yRange: yRange,
                  xLabels: (NumberFormat.short(xRange.lowerBound) + unit, "\(state.curves.xAxis.label) \(NumberFormat.short(xRange.upperBound))\(scaleNote)"),
                  references: references, markers: run.map { markers($0, column: column) } ?? [], cursor: state.curves.cursor,
                  cursorNote: cursorNote, undrawnRuns: frame.shown.count - frame.drawn.count, area: area, &buffer)
    }

    /// The step edges of a run for x edges on the chart's axis (seconds become the run's own steps);
    /// nil when its clock cannot place them.
    static func stepEdges(_ run: RunState, _ edges: [Double], _ axis: XAxis) -> [Double]? {
        guard axis == .wallTime else { return edges }
        let mapped = edges.compactMap { run.clock.step(atSeconds: $0) }
        return mapped.count == edges.count ? mapped : nil
    }

    /// The lines of run groups: per group and metric, a faint band (min–max or ±1 std of the
    /// members at each dot column) under the members' mean, from each member's bucket means (its
    /// smoothed line when smoothing is on).
    private func groupLines(_ state: DashboardState, _ chart: CurveGroup, _ groups: [RunGroup], _ grouping: RunGrouping, _ looks: RunLooks,
                            edges: [Double], yScale: AxisScale) -> [PlottedLine] {
        var lines: [PlottedLine] = []
        func extent(_ low: Double, _ high: Double) -> ClosedRange<Double>? {
            guard low.isFinite, high.isFinite else { return nil }
            if yScale == .log { return high > 0 ? (low > 0 ? low : high)...high : nil }
            return low...high
        }
        for group in groups {
            for metric in chart.metrics {
                var perColumn = [[Double]](repeating: [], count: edges.count - 1)
                var latest: [Double] = []
                var points = 0
                for id in group.members {
                    let run = state.runs[id]!
                    guard let series = run.series[metric], let stepEdges = Self.stepEdges(run, edges, state.curves.xAxis) else { continue }
                    let store = series.smoothed ?? series.raw
                    for (c, bucket) in cachedColumns(id, metric, store, smoothing: series.smoothed == nil ? nil : series.smoothing, stepEdges, state.curves.xAxis).enumerated() {
                        if let bucket { perColumn[c].append(bucket.yMean) }
                    }
                    if let last = store.last?.y { latest.append(last) }
                    points += series.raw.count
                }
                guard points > 0, let first = group.members.first(where: { state.runs[$0]!.series[metric] != nil }) else { continue }
                let aggregated = perColumn.map { grouping.aggregate($0) }
                let look = looks.look(run: first, metric: metric)
                let label = looks.groupLabel(group, metric: metric)
                let shown = aggregated.compactMap { $0 }.count
                lines.append(PlottedLine(label: label, style: faint(look.style), columns: aggregated.map { $0.flatMap { extent($0.band.lowerBound, $0.band.upperBound) } },
                                         value: nil, points: 0, shownColumns: 0, isFaint: true))
                lines.append(PlottedLine(label: label, style: look.style, columns: aggregated.map { $0.flatMap { extent($0.mean, $0.mean) } },
                                         value: grouping.aggregate(latest)?.mean, points: shown, shownColumns: shown, pattern: look.pattern, rank: look.rank))
            }
        }
        return lines
    }

    /// A store's columns and their y extents, from the cache on the step axis.
    private func cachedLine(_ run: String, _ metric: String, _ store: SeriesStore, smoothing: Smoothing?, _ edges: [Double], _ axis: XAxis,
                            scale: AxisScale) -> (columns: [SeriesBucket?], extents: [ClosedRange<Double>?]) {
        guard axis == .step else {
            let columns = store.columns(edges: edges).columns
            return (columns, Self.extents(columns, scale: scale))
        }
        return cache.columnsAndExtents(run: run, metric: metric, smoothing: smoothing, store: store, edges: edges, scale: scale)
    }

    /// A store's columns, from the cache on the step axis (a wall-time axis maps each run's own
    /// steps, so those are computed every frame).
    private func cachedColumns(_ run: String, _ metric: String, _ store: SeriesStore, smoothing: Smoothing?, _ edges: [Double],
                               _ axis: XAxis) -> [SeriesBucket?] {
        guard axis == .step else { return store.columns(edges: edges).columns }
        return cache.columns(run: run, metric: metric, smoothing: smoothing, store: store, edges: edges)
    }

    /// Adds points (a Gaussian's provisional tail) to store columns cut at `edges`.
    static func merge(_ points: [(x: Double, y: Double)], into columns: inout [SeriesBucket?], edges: [Double]) {
        guard let low = edges.first, let high = edges.last, columns.count == edges.count - 1 else { return }
        for p in points where p.x >= low && p.x <= high {
            var c = 0
            while c + 1 < columns.count && edges[c + 1] <= p.x { c += 1 }
            let b = SeriesBucket(x: p.x, y: p.y)
            columns[c] = columns[c].map { $0.merged(with: b) } ?? b
        }
    }

    /// A chart of the group's metrics against another metric, joined at equal steps (a path through
    /// the recent full-resolution points).
    private func parametricChart(_ state: DashboardState, _ group: CurveGroup, _ frame: RunLooks.Frame, xMetric: String, selected: Bool,
                                 area: Rect, _ buffer: inout Buffer) {
        var series: [ScatterSeries] = []
        var legend: [(String, Style, Double?)] = []
        var total = 0, drawn = 0
        let looks = RunLooks(frame, group: group)
        for id in frame.drawn {
            let run = state.runs[id]!
            guard let xs = run.series[xMetric] else { continue }
            for metric in group.metrics where metric != xMetric {
                guard let ys = run.series[metric] else { continue }
                let points = Self.joinedAtSteps(xs, ys)
                total += ys.raw.count
                drawn += points.count
                let look = looks.look(run: id, metric: metric)
                series.append(ScatterSeries(points: points, style: look.style, connected: true))
                if !look.isAbandoned { legend.append((looks.label(run: id, metric: metric), look.style, points.last?.y)) }
            }
        }
        let all = series.flatMap(\.points)
        let yScale = state.yScale(ofGroup: group.name)
        let xs = all.map(\.x).filter { state.curves.xScale != .log || $0 > 0 }
        let ys = all.map(\.y).filter { yScale != .log || $0 > 0 }
        var x = area.x + 1
        x += buffer.write((selected && state.focus == .curves ? "▸ " : "") + "\(group.name) vs \(xMetric)  ", x: x, y: area.y,
                          style: selected ? theme.focusBorder : theme.title, maxWidth: area.width - 2)
        for (label, style, value) in legend {
            x += buffer.write("━ \(label) \(value.map { NumberFormat.short($0) } ?? "-")  ", x: x, y: area.y, style: style,
                              maxWidth: area.x + area.width - x)
        }
        guard let xLow = xs.min(), let xHigh = xs.max(), let yLow = ys.min(), let yHigh = ys.max() else {
            buffer.write("no steps where both are logged", x: area.x + 1, y: area.y + 1, style: theme.dimText, maxWidth: area.width - 2)
            return
        }
        if drawn < total {
            let badge = " \(drawn) of \(total) points "
            if x + badge.count <= area.x + area.width { buffer.write(badge, x: area.x + area.width - badge.count, y: area.y, style: theme.dimText) }
        }
        let xRange = xHigh > xLow ? xLow...xHigh : (xLow - 1)...(xHigh + 1)
        let yRange = yHigh > yLow ? yLow...yHigh : (yLow - 1)...(yHigh + 1)
        ScatterPlot(series: series, x: AxisMapping(scale: state.curves.xScale, range: xRange), y: AxisMapping(scale: yScale, range: yRange),
                    axisStyle: theme.axis).render(into: &buffer, area: Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1))
    }

    /// (x, y) of the steps where both series have a finite recent value, in step order.
    static func joinedAtSteps(_ xs: MetricSeries, _ ys: MetricSeries) -> [(x: Double, y: Double)] {
        var points: [(x: Double, y: Double)] = []
        ys.recent.forEach { step, y in
            if let x = xs.recent.value(at: step), x.isFinite, y.isFinite { points.append((x, y)) }
        }
        return points
    }
}
