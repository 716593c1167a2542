import Telemetry
import TerminalUI

extension DashboardView {
    /// How the 2/η line is labelled for an optimizer: it is gradient descent's stability threshold;
    /// heavy-ball momentum moves it to (2 + 2β)/η, and adaptive methods precondition the Hessian.
    static func thresholdLabel(optimizer: String?) -> String {
        switch optimizer {
        case nil, "sgd"?: "2/η"
        case "momentum"?, "nesterov"?: "2/η (without momentum)"
        default: "2/η (unpreconditioned)"
        }
    }

    /// Top-k eigenvalues over steps with the 2/η line, the latest density, and the spectrogram.
    func hessianPanel(_ run: RunState?, _ inner: Rect, _ buffer: inout Buffer) {
        guard let run, !run.eigenvalues.isEmpty else {
            buffer.write("no spectrum yet (spectrum_every)", x: inner.x + 1, y: inner.y, style: theme.dimText, maxWidth: inner.width - 2)
            return
        }
        badge(run, Rect(x: inner.x, y: inner.y, width: inner.width, height: 1), &buffer)
        let areas = Self.chartOverTwo(under: inner, lower: !run.densities.entries.isEmpty)
        eigenvalueChart(run, areas.chart, &buffer)
        guard let (left, right) = areas.lower else { return }
        densityHistogram(run, left, &buffer)
        spectrogram(run, right, &buffer)
    }

    /// `lanczos k=2 tol 0.001 batch 512 · 14 HVPs · paused 0.11 s`, and the latest trace.
    private func badge(_ run: RunState, _ area: Rect, _ buffer: inout Buffer) {
        guard let s = run.latestSpectrum else { return }
        var parts: [String] = ["step \(s.step)"]
        var settings = s.estimator["method"]?.string ?? "estimate"
        for (key, name) in [("top_k", "k="), ("tolerance", "tol "), ("batch", "batch "), ("probes", "probes ")] {
            if let v = s.estimator[key]?.number { settings += " \(name)\(NumberFormat.short(v))" }
        }
        parts.append(settings)
        if let cost = s.cost { parts.append("\(cost.hvps) HVPs · paused \(NumberFormat.short(cost.seconds)) s") }
        if let trace = s.trace { parts.append("tr \(NumberFormat.short(trace))\(s.traceStderr.map { "±\(NumberFormat.short($0))" } ?? "")") }
        buffer.write(parts.joined(separator: " · "), x: area.x + 1, y: area.y, style: theme.dimText, maxWidth: area.width - 2)
    }

    private func eigenvalueChart(_ run: RunState, _ area: Rect, _ buffer: inout Buffer) {
        let chartArea = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let dotColumns = LineChart.dotColumns(in: chartArea)
        let high = Double(Swift.max(run.latestStep, 1))
        guard dotColumns >= 4 else { return }
        let edges = AxisMapping(scale: .linear, range: 0...high).edges(count: dotColumns)
        var lines: [PlottedLine] = []
        for (rank, store) in run.eigenvalues.enumerated().prefix(Self.maxLinesPerChart - 1) {
            let columns = store.columns(edges: edges)
            lines.append(PlottedLine(label: "λ\(Self.subscriptDigits(rank + 1))", style: lineStyle(rank),
                                     columns: Self.extents(columns.columns, scale: .linear), value: store.last?.y, points: store.count,
                                     shownColumns: columns.columns.compactMap { $0 }.count))
        }
        // The threshold's scale is kept only while it is within 4× of the top eigenvalue.
        var extra: [Double] = []
        if let t = run.stabilityThreshold.last?.y, let top = run.eigenvalues.first?.last?.y, t <= 4 * Swift.max(top, 1e-12) { extra.append(t) }
        guard let yRange = Self.yRange(lines, scale: .linear, clip: false, including: extra) else { return }
        let label = Self.thresholdLabel(optimizer: run.optimizer)
        if run.stabilityThreshold.count > 0 {
            // A line, so that it moves where the learning rate changed; drawn only where it is inside
            // the range, never pinned to an edge, where it would claim a value it does not have.
            let inside = Self.extents(run.stabilityThreshold.columns(edges: edges).columns, scale: .linear).map { extent in
                extent.flatMap { yRange.contains($0.lowerBound) && yRange.contains($0.upperBound) ? $0 : nil }
            }
            lines.append(PlottedLine(label: label, style: theme.reference, columns: inside, value: run.stabilityThreshold.last?.y,
                                     points: 0, shownColumns: 0))
        }
        func column(_ step: Double) -> Int? { Swift.min(dotColumns - 1, Int(step / high * Double(dotColumns))) }
        drawChart(title: "top eigenvalues", selected: false, lines: lines, yScale: .linear, yRange: yRange,
                  xLabels: ("0", "step \(Int(high))"), references: [], markers: markers(run, column: column), cursor: nil,
                  cursorNote: nil, area: area, &buffer)
        // Off the scale: the edge it lies beyond says so, with its value.
        if let t = run.stabilityThreshold.last?.y, !yRange.contains(t) {
            let plot = LineChart.plotArea(in: chartArea)
            let note = "\(label) = \(NumberFormat.short(t)) \(t > yRange.upperBound ? "↑" : "↓")"
            let row = t > yRange.upperBound ? plot.y : plot.y + plot.height - 1
            buffer.write(note, x: Swift.max(plot.x, plot.x + plot.width - note.count), y: row, style: theme.reference, maxWidth: plot.width)
        }
    }

    /// The latest density as bars over the eigenvalue axis (log heights: densities span decades).
    private func densityHistogram(_ run: RunState, _ area: Rect, _ buffer: inout Buffer) {
        guard let entry = run.densities.entries.last, let low = entry.grid.first, let high = entry.grid.last, high > low,
              area.width >= 6, area.height >= 3 else { return }
        // The mean eigenvalue the estimate implies, with its spread over probes: one SLQ call is noisy.
        let mean = entry.moments?.first.map { m in
            " · mean λ \(NumberFormat.short(m))" + (entry.momentStderr?.first.map { " ± \(NumberFormat.short($0))" } ?? "")
        } ?? ""
        buffer.write(" density @ \(entry.step)\(mean)", x: area.x, y: area.y, style: theme.title, maxWidth: area.width)
        let bars = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 2)
        let values = Self.resample(grid: entry.grid, values: entry.values, over: low...high, count: bars.width).map { $0 ?? 0 }
        Histogram(values: values, style: lineStyle(0), scale: .log).render(into: &buffer, area: bars)
        let right = NumberFormat.short(high)
        buffer.write(NumberFormat.short(low), x: bars.x, y: bars.y + bars.height, style: theme.axis)
        buffer.write(right, x: bars.x + bars.width - right.count, y: bars.y + bars.height, style: theme.axis)
    }

    /// Density over eigenvalue (rows) × step (columns), log-scaled to four decades, half-block cells.
    private func spectrogram(_ run: RunState, _ area: Rect, _ buffer: inout Buffer) {
        let entries = run.densities.entries
        guard area.width >= 10, area.height >= 4 else { return }
        let low = entries.compactMap(\.grid.first).min()!, high = entries.compactMap(\.grid.last).max()!
        guard high > low else { return }
        buffer.write(" spectrogram · λ \(NumberFormat.short(low))…\(NumberFormat.short(high)) ↑ · step →", x: area.x, y: area.y,
                     style: theme.title, maxWidth: area.width)
        let map = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 2)
        let rows = 2 * map.height
        // Each screen column shows the density entry whose step is nearest its centre.
        let firstStep = Double(entries[0].step), lastStep = Double(entries[entries.count - 1].step)
        let (resampled, peak) = Self.logDensities(entries, over: low...high, rows: rows)
        var columns: [[Double?]] = []
        for c in 0..<map.width {
            let target = lastStep > firstStep ? firstStep + (lastStep - firstStep) * (Double(c) + 0.5) / Double(map.width) : firstStep
            let index = entries.indices.min { abs(Double(entries[$0].step) - target) < abs(Double(entries[$1].step) - target) }!
            columns.append(resampled[index].map { $0.map { Swift.max(0, ($0 - (peak - 4)) / 4) } })
        }
        Heatmap(columns: columns, ramp: theme.heatmap).render(into: &buffer, area: map)
        buffer.write("\(entries[0].step)", x: map.x, y: map.y + map.height, style: theme.axis)
        let right = "\(entries[entries.count - 1].step)"
        buffer.write(right, x: map.x + map.width - right.count, y: map.y + map.height, style: theme.axis)
    }

    /// Each density entry's log₁₀ values in `rows` equal bins over `range` (nil where it is 0 or
    /// outside its grid), and the largest of them all.
    static func logDensities(_ entries: [DensityHistory.Entry], over range: ClosedRange<Double>, rows: Int) -> (values: [[Double?]], peak: Double) {
        var peak = -Double.infinity
        let values = entries.map { e in
            resample(grid: e.grid, values: e.values, over: range, count: rows).map { v -> Double? in
                guard let v, v > 0 else { return nil }
                let l = NumberFormat.log10(v)
                peak = Swift.max(peak, l)
                return l
            }
        }
        return (values, peak)
    }

    static func subscriptDigits(_ n: Int) -> String {
        String(String(n).map { Character(Unicode.Scalar(0x2080 + UInt32(String($0))!)!) })
    }
}
