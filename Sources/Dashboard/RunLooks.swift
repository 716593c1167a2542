import TerminalUI

/// How the lines of one chart look and are labelled when it draws one run or many.
///
/// One run (or one run and the runs an undo left, which share its slot): each metric its own colour,
/// labelled by name. Many runs: each run its slot's colour for its whole life, and past the theme's
/// colours a line pattern, so 40 runs are 40 different lines; a run's metrics on one chart differ by
/// pattern. Labels are short run names (`RunNames.shortened`), and a chart of one metric over many
/// runs puts the metric in its title. With a run selected, the others are drawn faintly.
struct RunLooks {
    struct Look {
        var style: Style
        var pattern: LinePattern
        /// Left by an undo: faint and out of the legend.
        var isAbandoned: Bool
        /// Legend order: the selected run first, then the main run, then the rest.
        var rank: Int
    }

    /// True when the chart tells runs apart by colour (more than one colour slot on show).
    let byRun: Bool
    /// The chart's title: the group name, or the one metric it draws for many runs.
    let title: String
    private let oneMetric: Bool
    private let names: [String: String]
    private let state: DashboardState
    private let group: CurveGroup
    private let series: [Style]
    private let faint: (Style) -> Style

    init(_ state: DashboardState, group: CurveGroup, theme: Theme, faint: @escaping (Style) -> Style) {
        let shown = state.shownRunIDs
        byRun = Set(shown.map { state.runs[$0]!.slot }).count > 1
        let present = group.metrics.filter { metric in shown.contains { state.runs[$0]!.series[metric] != nil } }
        oneMetric = present.count == 1
        title = byRun && oneMetric ? present[0] : group.name
        names = RunNames.shortened(shown)
        self.state = state
        self.group = group
        series = theme.series.isEmpty ? [.plain] : theme.series
        self.faint = faint
    }

    func look(run id: String, metric: String) -> Look {
        let run = state.runs[id]!
        let metricIndex = group.metrics.firstIndex(of: metric) ?? 0
        var (style, pattern) = byRun ? Self.slotLook(run.slot, metricIndex: metricIndex, colours: series)
                                     : (series[metricIndex % series.count], LinePattern.solid)
        let abandoned = state.abandonedRuns.contains(id)
        let selected = state.selectedRun.flatMap { state.isShown($0) ? $0 : nil }
        if abandoned || (byRun && selected != nil && selected != id) { style = faint(style) }
        let rank = id == selected ? 0 : id == state.currentRunID ? 1 : 2
        return Look(style: style, pattern: pattern, isAbandoned: abandoned, rank: rank)
    }

    /// The look of colour slot `slot`: the theme's colours in turn, then again with the next line
    /// pattern; a run's further metrics shift the pattern.
    static func slotLook(_ slot: Int, metricIndex: Int, colours: [Style]) -> (style: Style, pattern: LinePattern) {
        let colours = colours.isEmpty ? [Style.plain] : colours
        let patterns = LinePattern.allCases
        return (colours[slot % colours.count], patterns[(slot / colours.count + metricIndex) % patterns.count])
    }

    /// The legend's name for a line: the metric (one run), the short run name (one metric), or both.
    func label(run id: String, metric: String) -> String {
        guard byRun else { return metric }
        let name = names[id] ?? id
        return oneMetric ? name : "\(metric)@\(name)"
    }
}
