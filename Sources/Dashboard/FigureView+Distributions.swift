import TerminalUI

extension FigureView {
    /// The current run's first histogram tag: its distribution bands over steps with the median,
    /// the latest histogram as bars, and the density over value × step (the distributions panel).
    func distributionCharts(_ state: DashboardState) -> [FigureChart] {
        guard let run = state.currentRun, let name = state.shownHistogram?.name, let history = run.histograms[name],
              let latest = history.entries.last else { return [] }
        var bands = FigureChart(id: "bands", panel: .distributions, title: "\(name) distribution", x: FigureAxis("step"), y: FigureAxis(name))
        if history.isThinned { bands.subtitle = "\(history.entries.count) of \(history.received) histograms kept" }
        let colour = lineStyle(0)
        for (i, (low, high, label)) in [(0, 8, "min–max"), (1, 7, "7–93%"), (2, 6, "16–84%"), (3, 5, "31–69%")].enumerated() {
            let rows = history.entries.compactMap { e -> (x: Double, low: Double, high: Double)? in
                let (a, b) = (e.bands[low], e.bands[high])
                return a.isFinite && b.isFinite ? (Double(e.step), Swift.min(a, b), Swift.max(a, b)) : nil
            }
            bands.series.append(FigureSeries(label: label, key: "\(run.id)/\(name)#band\(i)", style: colour, mark: .band, data: .band(rows),
                                             isFaint: true))
        }
        let median = history.entries.compactMap { e in e.bands[4].isFinite ? (x: Double(e.step), y: e.bands[4]) : nil }
        bands.series.append(FigureSeries(label: "median", key: "\(run.id)/\(name)#median", style: lineStyle(1), data: .points(median)))
        var charts = [bands]
        if let low = latest.edges.first, let high = latest.edges.last {
            let range = DashboardView.widened(low, high)
            let bins = 60
            let counts = DashboardView.rebin(latest, over: range, count: bins)
            let width = (range.upperBound - range.lowerBound) / Double(bins)
            // Bars as a stepped outline, filled.
            var outline: [(x: Double, y: Double)] = []
            for (i, c) in counts.enumerated() {
                let x0 = range.lowerBound + Double(i) * width
                outline.append((x0, c))
                outline.append((x0 + width, c))
            }
            var bars = FigureChart(id: "latest", panel: .distributions, title: "\(name) @ step \(latest.step)", x: FigureAxis(name, range: range),
                                   y: FigureAxis("count", range: 0...Swift.max(counts.max() ?? 1, 1e-12) * 1.05))
            bars.series = [FigureSeries(label: nil, key: "\(run.id)/\(name)#latest", style: colour, mark: .area, data: .points(outline))]
            charts.append(bars)
        }
        if history.entries.count >= 2, let map = histogramMap(history, name, panel: .distributions, id: "density", title: "\(name) density over training") {
            charts.append(map)
        }
        return charts
    }

    /// Density over value × step in `rows` bins, each histogram's column scaled to its own peak; the y axis is `name`.
    func histogramMap(_ history: HistogramHistory, _ name: String, panel: PanelKind, id: String, title: String, rows: Int = 48) -> FigureChart? {
        let entries = history.entries
        guard let low = entries.compactMap(\.edges.first).min(), let high = entries.compactMap(\.edges.last).max() else { return nil }
        let range = DashboardView.widened(low, high)
        let yEdges = (0...rows).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(rows) }
        let xEdges = Self.cellEdges(entries.map { Double($0.step) })
        let values = entries.map { entry -> [Double?] in
            let counts = DashboardView.rebin(entry, over: range, count: rows)
            let peak = counts.max() ?? 0
            return counts.map { peak > 0 && $0 > 0 ? $0 / peak : nil }
        }
        var chart = FigureChart(id: id, panel: panel, title: title,
                                x: FigureAxis("step", range: xEdges[0]...xEdges[xEdges.count - 1]), y: FigureAxis(name, range: range))
        chart.heatmap = FigureHeatmap(xEdges: xEdges, yEdges: yEdges, values: values, ramp: theme.heatmap, legend: "share of each step's peak")
        return chart
    }
}
