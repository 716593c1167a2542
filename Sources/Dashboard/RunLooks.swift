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

    /// What every chart of a frame shares: the shown runs, their short names, the selected and the
    /// main run, and the runs drawn (computed once per frame, not once per chart).
    struct Frame {
        let state: DashboardState
        let shown: [String]
        /// True when charts tell runs apart by colour (more than one colour slot on show).
        let byRun: Bool
        let names: [String: String]
        /// The selected run when it is drawn, and the main run.
        let selected: String?
        let current: String
        /// The runs a chart draws, bottom to top: the newest when they are more than a chart holds,
        /// finished runs under those still logging, and the main run and the selected run last (on top).
        let drawn: [String]
        let series: [Style]
        let faint: (Style) -> Style
        /// The groups drawn instead of runs when grouping is on (the first 48).
        let groups: [RunGroup]?

        init(_ state: DashboardState, theme: Theme, faint: @escaping (Style) -> Style, limit: Int) {
            self.state = state
            shown = state.shownRunIDs
            byRun = Set(shown.map { state.runs[$0]!.slot }).count > 1
            names = RunNames.shortened(shown)
            selected = state.selectedRun.flatMap { [shown] id in shown.contains(id) ? id : nil }
            current = state.currentRunID
            var ids = Array(shown.suffix(limit).reversed())
            // Runs still logging go over the finished ones (and a frame then redraws only them).
            func isLogging(_ id: String) -> Bool { state.isLive && state.runs[id]!.lastSeen.map { state.now - $0 <= 2 } == true }
            ids = ids.filter { !isLogging($0) } + ids.filter(isLogging)
            for top in [current, selected].compactMap({ $0 }) {
                if let i = ids.firstIndex(of: top) { ids.append(ids.remove(at: i)) } else if shown.contains(top) { ids.append(top) }
            }
            if ids.count > limit { ids.removeFirst(ids.count - limit) }
            drawn = ids
            groups = state.runGroups.map { Array($0.prefix(limit)) }
            series = theme.series.isEmpty ? [.plain] : theme.series
            self.faint = faint
        }
    }

    /// The chart's title: the group name, or the one metric it draws for many runs.
    let title: String
    private let frame: Frame
    private let group: CurveGroup
    private let oneMetric: Bool

    var byRun: Bool { frame.byRun }

    init(_ frame: Frame, group: CurveGroup) {
        let present = group.metrics.filter { metric in frame.shown.contains { frame.state.runs[$0]!.series[metric] != nil } }
        oneMetric = present.count == 1
        title = frame.byRun && oneMetric ? present[0] : group.name
        self.frame = frame
        self.group = group
    }

    func look(run id: String, metric: String) -> Look {
        let run = frame.state.runs[id]!
        let metricIndex = group.metrics.firstIndex(of: metric) ?? 0
        let colours = frame.series
        var (style, pattern) = byRun ? Self.slotLook(run.slot, metricIndex: metricIndex, colours: colours)
                                     : (colours[metricIndex % colours.count], LinePattern.solid)
        let abandoned = frame.state.abandonedRuns.contains(id)
        if abandoned || (byRun && frame.selected != nil && frame.selected != id) { style = frame.faint(style) }
        let rank = id == frame.selected ? 0 : id == frame.current ? 1 : 2
        return Look(style: style, pattern: pattern, isAbandoned: abandoned, rank: rank)
    }

    /// The look of colour slot `slot`: the theme's colours in turn, then again with the next line
    /// pattern; a run's further metrics shift the pattern.
    static func slotLook(_ slot: Int, metricIndex: Int, colours: [Style]) -> (style: Style, pattern: LinePattern) {
        let colours = colours.isEmpty ? [Style.plain] : colours
        let patterns = LinePattern.allCases
        return (colours[slot % colours.count], patterns[(slot / colours.count + metricIndex) % patterns.count])
    }

    /// The legend's name for a group's line: its shared values and member count, with the metric
    /// when the chart draws several.
    func groupLabel(_ group: RunGroup, metric: String) -> String {
        let name = "\(group.name) ×\(group.members.count)"
        return oneMetric ? name : "\(metric)@\(name)"
    }

    /// The legend's name for a line: the metric (one run), the short run name (one metric), or both.
    func label(run id: String, metric: String) -> String {
        guard byRun else { return metric }
        let name = frame.names[id] ?? id
        return oneMetric ? name : "\(metric)@\(name)"
    }
}
