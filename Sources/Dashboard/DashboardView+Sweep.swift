import JSONCore
import TerminalUI

extension DashboardView {
    /// The sweep panel: each shown run as a point of its best metric value against a config key
    /// (log axes where values span decades), and, where the panel is wide, the runs as lines across
    /// parallel axes of every differing config key and the metric.
    func sweepPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        let area = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        // What comes from the configs changes far less often than the metrics: it is kept while
        // the shown runs' configs and the chosen key are the same.
        let shown = state.shownRunIDs
        let configs = SweepConfigs(shown: shown, configs: shown.map { state.runs[$0]!.config }, chosen: state.sweepX)
        let facts = sweepConfigs.value(for: configs) {
            let keys = state.sweepKeys
            let xKey = state.sweepXKey
            let axes = Set(keys.prefix(8) + [xKey].compactMap { $0 }).compactMap { key in state.sweepAxis(config: key).map { (key, $0) } }
            return SweepConfigFacts(xKey: xKey, keys: keys, axes: Dictionary(uniqueKeysWithValues: axes))
        }
        guard let key = facts.xKey, let x = facts.axes[key], let y = state.sweepMetricAxis else {
            buffer.write("needs 3 runs that differ in config and share a metric", x: area.x, y: area.y, style: theme.dimText, maxWidth: area.width)
            return
        }
        let keys = facts.keys
        let parallel = area.width >= 100 && keys.count >= 2
        let (left, right) = parallel ? area.splitColumns(at: area.width / 2) : (area, Rect(x: 0, y: 0, width: 0, height: 0))
        scatter(state, x: x, y: y, area: left, &buffer)
        if parallel {
            let axes = keys.prefix(8).compactMap { facts.axes[$0] } + [y]
            parallelAxes(state, axes, area: Rect(x: right.x + 2, y: right.y, width: right.width - 2, height: right.height), &buffer)
        }
    }

    /// One marker per run, in its colour (the selected run as ◆), `y` against `x`.
    private func scatter(_ state: DashboardState, x: SweepAxis, y: SweepAxis, area: Rect, _ buffer: inout Buffer) {
        let title = "\(y.title) vs \(x.title)\(x.scale == .log ? " (log)" : "")  · x in the runs panel picks the key"
        buffer.write(title, x: area.x, y: area.y, style: theme.title, maxWidth: area.width)
        var markers: [(x: Double, y: Double, character: Character, style: Style)] = []
        for id in state.shownRunIDs {
            guard let vx = x.values[id], let vy = y.values[id] else { continue }
            markers.append((vx, vy, id == state.selectedRun ? "◆" : "●", runSwatch(state.runs[id]!).style))
        }
        // The selected run last, on top.
        markers.sort { ($0.character == "◆" ? 1 : 0) < ($1.character == "◆" ? 1 : 0) }
        let plotArea = Rect(x: area.x, y: area.y + 1, width: area.width, height: Swift.max(0, area.height - 2))
        ScatterPlot(series: [], x: AxisMapping(scale: x.scale, range: x.range), y: AxisMapping(scale: y.scale, range: y.range),
                    axisStyle: theme.axis, highlights: markers).render(into: &buffer, area: plotArea)
        if let categories = x.categories, area.height >= 3 {
            buffer.write("x: " + categories.joined(separator: " · "), x: area.x, y: area.y + area.height - 1, style: theme.dimText, maxWidth: area.width)
        }
    }

    /// Every shown run as a line across the axes, in its colour; the selected run on top.
    private func parallelAxes(_ state: DashboardState, _ axes: [SweepAxis], area: Rect, _ buffer: inout Buffer) {
        var ids = state.shownRunIDs
        if let selected = state.selectedRun, let i = ids.firstIndex(of: selected) { ids.append(ids.remove(at: i)) }
        let lines = ids.map { id in
            var style = runSwatch(state.runs[id]!).style
            if let selected = state.selectedRun, selected != id, state.isShown(selected) { style = faint(style) }
            return ParallelCoordinates.Line(style: style, values: axes.map { axis in axis.values[id].flatMap(axis.fraction) })
        }
        let labelled = axes.map { axis in
            ParallelCoordinates.Axis(title: axis.title, high: axis.label(axis.range.upperBound), low: axis.label(axis.range.lowerBound))
        }
        ParallelCoordinates(axes: labelled, lines: lines, axisStyle: theme.axis, titleStyle: theme.title).render(into: &buffer, area: area)
    }
}

/// The shown runs' configs and the chosen x key: all the sweep panel's config axes come from.
struct SweepConfigs: Equatable, Sendable {
    var shown: [String]
    var configs: [JSONObject]
    var chosen: String?
}

/// The sweep panel's x key, the differing config keys and their axes.
struct SweepConfigFacts: Sendable {
    var xKey: String?
    var keys: [String]
    var axes: [String: SweepAxis]
}
