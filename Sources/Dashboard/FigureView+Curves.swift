import Telemetry
import TerminalUI

extension FigureView {
    /// One chart per curve group, as the curves panel splits them: every drawn run's line in its
    /// colour and pattern (smoothed over faint raw when smoothing is on), or each run group's mean
    /// over its band; the main run's phase and knob markers; chance on accuracy charts.
    func curveCharts(_ state: DashboardState) -> [FigureChart] {
        let frame = RunLooks.Frame(state, theme: theme, faint: Self.markedFaint, limit: DashboardView.maxRunsPerChart)
        return state.curveGroups.compactMap { group in
            if case .metric(let xMetric) = state.curves.xAxis { return parametricChart(state, group, frame, xMetric: xMetric) }
            return timeChart(state, group, frame)
        }
    }

    /// The look's faintness travels as `dim` (what the terminal draws faint), read back by `split`.
    static func markedFaint(_ style: Style) -> Style {
        var s = style
        s.dim = true
        return s
    }

    /// A look's style without the faint mark, and whether it had it.
    static func split(_ style: Style) -> (style: Style, faint: Bool) {
        var s = style
        let faint = s.dim
        s.dim = false
        return (s, faint)
    }

    private func timeChart(_ state: DashboardState, _ group: CurveGroup, _ frame: RunLooks.Frame) -> FigureChart? {
        guard let xRange = state.curvesXRange else { return nil }
        let looks = RunLooks(frame, group: group)
        let axis = state.curves.xAxis
        let xTitle = axis == .wallTime ? "time (s)" : "step"
        var chart = FigureChart(id: group.name, panel: .curves, title: looks.title,
                                x: FigureAxis(xTitle, scale: state.curves.xScale, range: xRange),
                                y: FigureAxis(Self.axisTitle(metric: group.metrics.count == 1 ? group.metrics[0] : group.name),
                                              scale: state.yScale(ofGroup: group.name)))
        if state.curves.smoothing != .none { chart.subtitle = "smoothing \(state.curves.smoothing.label)" }
        // Maps the chart's x edges (steps or seconds) to a run's own steps; nil when its clock cannot.
        func stepEdges(_ run: RunState, _ edges: [Double]) -> [Double]? { DashboardView.stepEdges(run, edges, axis) }
        if let groups = frame.groups, let grouping = state.grouping {
            chart.series = groupSeries(state, group, groups, grouping, looks, stepEdges)
        } else {
            for id in frame.drawn {
                let run = state.runs[id]!
                for metric in group.metrics {
                    guard let series = run.series[metric] else { continue }
                    let look = looks.look(run: id, metric: metric)
                    let (style, faint) = Self.split(look.style)
                    let label = look.isAbandoned ? nil : looks.label(run: id, metric: metric)
                    let key = "\(id)/\(metric)"
                    let emphasized = frame.byRun && id == frame.selected
                    func data(_ store: SeriesStore, provisional: [(x: Double, y: Double)] = []) -> FigureData {
                        .columns(points: store.count + provisional.count) { edges in
                            guard let stepped = stepEdges(run, edges) else { return Array(repeating: nil, count: edges.count - 1) }
                            var columns = store.columns(edges: stepped).columns
                            DashboardView.merge(provisional, into: &columns, edges: stepped)
                            return columns
                        }
                    }
                    if let smoothed = series.smoothed {
                        chart.series.append(FigureSeries(label: nil, key: key + "#raw", style: style, pattern: look.pattern, data: data(series.raw),
                                                         isFaint: true))
                        chart.series.append(FigureSeries(label: label, key: key, style: style, pattern: look.pattern,
                                                         data: data(smoothed, provisional: series.provisional), isFaint: faint,
                                                         isEmphasized: emphasized))
                    } else {
                        chart.series.append(FigureSeries(label: label, key: key, style: style, pattern: look.pattern, data: data(series.raw),
                                                         isFaint: faint, isEmphasized: emphasized))
                    }
                }
            }
            // The selected run on top, as the terminal draws it.
            chart.series.sort { !$0.isEmphasized && $1.isEmphasized }
        }
        let run = state.currentRun
        chart.references = chance(run, group: group.name)
        if axis == .step, let run { chart.markers = markers(run) }
        let undrawn = frame.shown.count - frame.drawn.count
        if frame.groups == nil && undrawn > 0 { chart.notes.append("\(undrawn) runs not drawn") }
        return chart
    }

    /// Each run group's mean line over its faint band, per pixel column, from the members' stores.
    private func groupSeries(_ state: DashboardState, _ chart: CurveGroup, _ groups: [RunGroup], _ grouping: RunGrouping, _ looks: RunLooks,
                             _ stepEdges: @escaping (RunState, [Double]) -> [Double]?) -> [FigureSeries] {
        var out: [FigureSeries] = []
        for group in groups {
            for metric in chart.metrics {
                let members = group.members.compactMap { id -> (RunState, SeriesStore)? in
                    guard let run = state.runs[id], let series = run.series[metric] else { return nil }
                    return (run, series.smoothed ?? series.raw)
                }
                guard let first = members.first else { continue }
                let look = looks.look(run: first.0.id, metric: metric)
                let (style, _) = Self.split(look.style)
                // Per column: the members' bucket means, aggregated.
                func aggregated(_ edges: [Double]) -> [(mean: Double, band: ClosedRange<Double>)?] {
                    var perColumn = [[Double]](repeating: [], count: edges.count - 1)
                    for (run, store) in members {
                        guard let stepped = stepEdges(run, edges) else { continue }
                        for (c, bucket) in store.columns(edges: stepped).columns.enumerated() {
                            if let bucket { perColumn[c].append(bucket.yMean) }
                        }
                    }
                    return perColumn.map { grouping.aggregate($0) }
                }
                let key = "group:\(group.id)/\(metric)"
                out.append(FigureSeries(label: nil, key: key + "#band", style: style, mark: .band,
                                        data: .bandColumns { aggregated($0).map { $0?.band } }, isFaint: true))
                let points = members.reduce(0) { $0 + $1.1.count }
                out.append(FigureSeries(label: looks.groupLabel(group, metric: metric), key: key, style: style, pattern: look.pattern,
                                        data: .columns(points: points) { edges in
                                            aggregated(edges).enumerated().map { c, value in
                                                value.map { SeriesBucket(x: (edges[c] + edges[c + 1]) / 2, y: $0.mean) }
                                            }
                                        }))
            }
        }
        return out
    }

    /// A group's metrics against another metric, joined at equal steps, one path per run.
    private func parametricChart(_ state: DashboardState, _ group: CurveGroup, _ frame: RunLooks.Frame, xMetric: String) -> FigureChart? {
        let looks = RunLooks(frame, group: group)
        var chart = FigureChart(id: group.name, panel: .curves, title: "\(looks.title) vs \(xMetric)",
                                x: FigureAxis(Self.axisTitle(metric: xMetric), scale: state.curves.xScale),
                                y: FigureAxis(Self.axisTitle(metric: group.name), scale: state.yScale(ofGroup: group.name)))
        for id in frame.drawn {
            let run = state.runs[id]!
            guard let xs = run.series[xMetric] else { continue }
            for metric in group.metrics where metric != xMetric {
                guard let ys = run.series[metric] else { continue }
                let points = DashboardView.joinedAtSteps(xs, ys)
                let look = looks.look(run: id, metric: metric)
                let (style, faint) = Self.split(look.style)
                chart.series.append(FigureSeries(label: look.isAbandoned ? nil : looks.label(run: id, metric: metric), key: "\(id)/\(metric)",
                                                 style: style, pattern: look.pattern, data: .points(points), isFaint: faint))
            }
        }
        return chart.series.isEmpty ? nil : chart
    }
}
