import TerminalUI

extension FigureView {
    /// The Fourier panel's charts: Nanda et al.'s progress measures over steps with the phase
    /// lines, and the embedding spectrum over frequency × step (each step's column scaled to its peak).
    func fourierCharts(_ run: RunState) -> [FigureChart] {
        let names = ["fourier/restricted_loss", "fourier/excluded_loss", "train/loss", "test/loss"].filter { run.series[$0] != nil }
        guard names.count > 2 else { return [] }
        var chart = FigureChart(id: "progress", panel: .fourier, title: "progress measures",
                                x: FigureAxis("step", scale: .linear, range: 0...Double(Swift.max(run.latestStep, 1))),
                                y: FigureAxis("loss", scale: .log))
        chart.series = names.enumerated().map { i, name in
            FigureSeries(label: name, key: "\(run.id)/\(name)", style: lineStyle(i), data: Self.storeData(run.series[name]!.raw))
        }
        chart.markers = markers(run, phasesOnly: true)
        if !run.fourierKeys.isEmpty { chart.subtitle = "\(run.fourierKeys.count) key frequencies: " + run.fourierKeys.prefix(8).map(String.init).joined(separator: ", ") }
        var charts = [chart]
        // One row per frequency: the histogram's buckets are the frequencies 0 … ⌊p/2⌋.
        if let history = run.histograms[DashboardState.fourierSpectrumName], history.entries.count >= 2,
           let frequencies = history.entries.last.map({ $0.edges.count - 1 }), frequencies > 0,
           let map = histogramMap(history, "frequency k", panel: .fourier, id: "spectrum", title: "embedding spectrum over training",
                                  rows: frequencies) {
            charts.append(map)
        }
        return charts
    }
}
