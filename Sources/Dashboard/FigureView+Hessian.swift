import Telemetry
import TerminalUI

extension FigureView {
    /// Accuracy, loss and weight norm on a log-step axis with the phase lines (the grokking panel).
    func grokkingCharts(_ run: RunState) -> [FigureChart] {
        let memorized = run.phases.first { $0.name == "memorization" }?.step
        let generalized = run.phases.first { $0.name == "generalization" }?.step
        var summary = "memorized \(memorized.map(String.init) ?? "–") · generalized \(generalized.map(String.init) ?? "–")"
        if let m = memorized, let g = generalized {
            summary += " · delay \(g - m)" + (m > 0 ? " (\(NumberFormat.short(Double(g) / Double(m)))×)" : "")
        }
        let high = Double(Swift.max(run.latestStep, 10))
        let specs: [(id: String, title: String, metrics: [String], scale: AxisScale)] = [
            ("acc", "accuracy", ["train/acc", "test/acc"], .linear), ("loss", "loss", ["train/loss", "test/loss"], .log),
            ("norm", "weight norm", ["weights/norm"], .linear),
        ]
        var charts: [FigureChart] = []
        for spec in specs {
            let present = spec.metrics.filter { run.series[$0] != nil }
            guard !present.isEmpty else { continue }
            var chart = FigureChart(id: spec.id, panel: .grokking, title: spec.title, x: FigureAxis("step", scale: .log, range: 1...high),
                                    y: FigureAxis(spec.id == "norm" ? "‖w‖" : spec.title, scale: spec.scale))
            chart.series = spec.metrics.enumerated().compactMap { i, name in
                run.series[name].map { FigureSeries(label: name, key: "\(run.id)/\(name)", style: lineStyle(i), data: Self.storeData($0.raw)) }
            }
            chart.references = chance(run, group: spec.id)
            chart.markers = markers(run, phasesOnly: true)
            if charts.isEmpty { chart.subtitle = summary }
            charts.append(chart)
        }
        return charts
    }

    /// The top eigenvalues over steps with the 2/η line, the latest spectral density (filled), and
    /// the density over steps as a grid (the Hessian panel).
    func hessianCharts(_ run: RunState) -> [FigureChart] {
        guard !run.eigenvalues.isEmpty else { return [] }
        var charts: [FigureChart] = []
        let high = Double(Swift.max(run.latestStep, 1))
        var eigen = FigureChart(id: "eigenvalues", panel: .hessian, title: "top Hessian eigenvalues",
                                x: FigureAxis("step", range: 0...high), y: FigureAxis("eigenvalue λ"))
        if let s = run.latestSpectrum {
            var settings = s.estimator["method"]?.string ?? "estimate"
            for (key, name) in [("top_k", "k="), ("tolerance", "tol "), ("batch", "batch "), ("probes", "probes ")] {
                if let v = s.estimator[key]?.number { settings += " \(name)\(NumberFormat.short(v))" }
            }
            if let cost = s.cost { settings += " · \(cost.hvps) HVPs, \(NumberFormat.short(cost.seconds)) s" }
            eigen.subtitle = settings
        }
        for (rank, store) in run.eigenvalues.enumerated().prefix(DashboardView.maxLinesPerChart - 1) {
            eigen.series.append(FigureSeries(label: "λ\(DashboardView.subscriptDigits(rank + 1))", key: "\(run.id)/lambda\(rank + 1)",
                                             style: lineStyle(rank), data: Self.storeData(store)))
        }
        if run.stabilityThreshold.count > 0 {
            let label = DashboardView.thresholdLabel(optimizer: run.optimizer)
            // Within 4× of the top eigenvalue the threshold is drawn; beyond, it would flatten the
            // eigenvalues, and a note says where it is.
            let top = run.eigenvalues.compactMap { $0.last?.y }.max() ?? 0
            if let t = run.stabilityThreshold.last?.y, t > 4 * Swift.max(top, 1e-12) {
                eigen.notes.append("\(label) = \(NumberFormat.short(t)) ↑ (off the scale)")
            } else {
                var threshold = FigureSeries(label: label, key: "\(run.id)/threshold", style: theme.reference, pattern: .dashed,
                                             data: Self.storeData(run.stabilityThreshold))
                threshold.endLabel = label
                eigen.series.append(threshold)
            }
        }
        eigen.markers = markers(run)
        charts.append(eigen)
        guard let latest = run.densities.entries.last else { return charts }
        var density = FigureChart(id: "density", panel: .hessian, title: "spectral density @ step \(latest.step)",
                                  x: FigureAxis("eigenvalue λ"), y: FigureAxis("density", scale: .log))
        if let m = latest.moments?.first {
            density.subtitle = "mean λ \(NumberFormat.short(m))" + (latest.momentStderr?.first.map { " ± \(NumberFormat.short($0))" } ?? "")
        }
        // Densities span decades: four below the peak are shown, the rest is floor.
        let peak = latest.values.filter(\.isFinite).max() ?? 0
        let floor = peak * 1e-4
        let points = zip(latest.grid, latest.values).filter { $0.0.isFinite && $0.1.isFinite }.map { (x: $0.0, y: Swift.max($0.1, floor)) }
        if peak > 0, points.count >= 2 {
            density.y.range = floor...(peak * 2)
            density.series = [FigureSeries(label: nil, key: "\(run.id)/density", style: lineStyle(0), mark: .area, data: .points(points))]
            charts.append(density)
        }
        if run.densities.entries.count >= 2, let map = spectrogram(run.densities.entries) { charts.append(map) }
        return charts
    }

    /// Density over eigenvalue × step, four decades below the peak on the heat ramp; each entry's
    /// column is centred on its step.
    private func spectrogram(_ entries: [DensityHistory.Entry]) -> FigureChart? {
        guard let low = entries.compactMap(\.grid.first).min(), let high = entries.compactMap(\.grid.last).max(), high > low else { return nil }
        let rows = 64
        let yEdges = (0...rows).map { low + (high - low) * Double($0) / Double(rows) }
        let (logs, peak) = DashboardView.logDensities(entries, over: low...high, rows: rows)
        let xEdges = Self.cellEdges(entries.map { Double($0.step) })
        let values = logs.map { column in column.map { $0.flatMap { l in l < peak - 4 ? nil : (l - (peak - 4)) / 4 } } }
        var chart = FigureChart(id: "spectrogram", panel: .hessian, title: "spectral density over training",
                                x: FigureAxis("step", range: xEdges[0]...xEdges[xEdges.count - 1]), y: FigureAxis("eigenvalue λ", range: low...high))
        chart.heatmap = FigureHeatmap(xEdges: xEdges, yEdges: yEdges, values: values, ramp: theme.heatmap, legend: "log₁₀ density (4 decades)")
        return chart
    }

    /// Edges of cells centred on increasing `steps` (halfway between neighbours; the ends as wide
    /// as their neighbour's half-gap, or 1).
    static func cellEdges(_ steps: [Double]) -> [Double] {
        guard steps.count > 1 else { return steps.first.map { [$0 - 0.5, $0 + 0.5] } ?? [] }
        let middles = zip(steps, steps.dropFirst()).map { ($0 + $1) / 2 }
        return [steps[0] - (middles[0] - steps[0])] + middles + [steps[steps.count - 1] + (steps[steps.count - 1] - middles[middles.count - 1])]
    }
}
