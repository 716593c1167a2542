import Telemetry
import TerminalUI

extension DashboardView {
    /// A modular-arithmetic run's Fourier picture: its key frequencies and circuit share, the
    /// embedding spectrum over frequency × step (each column scaled to its peak), and Nanda et
    /// al.'s progress measures — restricted and excluded loss beside train and test loss — with
    /// the phase lines (memorization, circuit formation, cleanup, generalization).
    func fourierPanel(_ run: RunState?, _ inner: Rect, _ buffer: inout Buffer) {
        guard let run, let history = run.histograms[DashboardState.fourierSpectrumName], !history.entries.isEmpty else {
            buffer.write("no Fourier measures yet (fourier_every)", x: inner.x + 1, y: inner.y, style: theme.dimText, maxWidth: inner.width - 2)
            return
        }
        var header: [Span] = [Span("keys ", theme.dimText)]
        let keys = run.fourierKeys
        header.append(Span(keys.prefix(6).map(String.init).joined(separator: " ") + (keys.count > 6 ? " …" : ""), theme.text))
        header.append(Span(" (\(keys.count))", theme.dimText))
        if let share = run.series["fourier/circuit_share"]?.raw.last?.y {
            header.append(Span(" · circuit share \(NumberFormat.short(share))", theme.text))
        }
        for (name, short) in [("circuit_formation", "circuit"), ("cleanup", "cleanup")] {
            if let step = run.phases.first(where: { $0.name == name })?.step { header.append(Span(" · \(short) \(step)", theme.markerPhase)) }
        }
        Paragraph(lines: [header]).render(into: &buffer, area: Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: 1))
        let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
        let (spectrum, progress) = body.width >= 70 ? body.splitColumns(at: body.width * 2 / 5) : body.splitRows(at: body.height / 2)
        densityMap(history, spectrum, &buffer, valueName: "frequency")
        progressChart(run, progress, &buffer)
    }

    /// Restricted, excluded, train and test loss over steps (log y), with the phase lines.
    private func progressChart(_ run: RunState, _ area: Rect, _ buffer: inout Buffer) {
        let names = ["fourier/restricted_loss", "fourier/excluded_loss"]
            + [PhaseDetector.trainLossNames, PhaseDetector.testLossNames].compactMap { run.firstMetric(of: $0) }
        let dotColumns = LineChart.dotColumns(in: Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1))
        guard dotColumns >= 4 else { return }
        let high = Double(Swift.max(run.latestStep, 2))
        let xAxis = AxisMapping(scale: .linear, range: 0...high)
        let edges = xAxis.edges(count: dotColumns)
        let lines = names.enumerated().compactMap { i, name -> PlottedLine? in
            guard let series = run.series[name] else { return nil }
            let columns = series.raw.columns(edges: edges)
            return PlottedLine(label: name.replacingOccurrences(of: "fourier/", with: ""), style: lineStyle(i),
                               columns: Self.extents(columns.columns, scale: .log), value: series.raw.last?.y, points: series.raw.count,
                               shownColumns: columns.columns.compactMap { $0 }.count)
        }
        guard let yRange = Self.yRange(lines, scale: .log, clip: false) else { return }
        func column(_ step: Double) -> Int? {
            guard let f = xAxis.fraction(step), (0...1).contains(f) else { return nil }
            return Swift.min(dotColumns - 1, Int(f * Double(dotColumns)))
        }
        drawChart(title: "progress measures", selected: false, lines: lines, yScale: .log, yRange: yRange,
                  xLabels: ("0", "step \(Int(high))"), references: [],
                  markers: markers(run, column: column).filter { $0.style == theme.markerPhase }, cursor: nil, cursorNote: nil,
                  area: area, &buffer)
    }
}
