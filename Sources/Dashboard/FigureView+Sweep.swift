import TerminalUI

extension FigureView {
    /// Each shown run's best metric value against a config key, in its run colour (the sweep panel).
    func sweepCharts(_ state: DashboardState) -> [FigureChart] {
        guard let key = state.sweepXKey, let x = state.sweepAxis(config: key), let y = state.sweepMetricAxis else { return [] }
        var chart = FigureChart(id: "sweep", panel: .sweep, title: "\(y.title) vs \(x.title)",
                                x: FigureAxis(x.title, scale: x.scale, range: x.categories == nil ? nil : x.range, categories: x.categories),
                                y: FigureAxis(y.title, scale: y.scale))
        let names = RunNames.shortened(state.shownRunIDs)
        for id in state.shownRunIDs {
            guard let run = state.runs[id], let vx = x.values[id], let vy = y.values[id] else { continue }
            let look = RunLooks.slotLook(run.slot, metricIndex: 0, colours: theme.series)
            chart.series.append(FigureSeries(label: names[id] ?? id, key: "\(id)/sweep", style: look.style, mark: .dots(hollow: false),
                                             data: .points([(vx, vy)]), isEmphasized: id == state.selectedRun))
        }
        chart.series.sort { !$0.isEmphasized && $1.isEmphasized }
        return chart.series.isEmpty ? [] : [chart]
    }
}
