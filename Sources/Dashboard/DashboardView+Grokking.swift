import Telemetry
import TerminalUI

extension DashboardView {
    /// Accuracy, loss and weight norm on a log-step axis, with the memorization and generalization
    /// steps and the delay between them.
    func grokkingPanel(_ run: RunState?, _ inner: Rect, _ buffer: inout Buffer) {
        guard let run else { return }
        let memorized = run.phases.first { $0.name == "memorization" }?.step
        let generalized = run.phases.first { $0.name == "generalization" }?.step
        var header: [Span] = []
        header.append(Span("memorized ", theme.dimText))
        header.append(Span(memorized.map { "\($0)" } ?? "–", theme.markerPhase))
        header.append(Span(" · generalized ", theme.dimText))
        header.append(Span(generalized.map { "\($0)" } ?? "–", theme.markerPhase))
        if let m = memorized, let g = generalized {
            let ratio = m > 0 ? " (\(NumberFormat.short(Double(g) / Double(m)))×)" : ""
            header.append(Span(" · delay \(g - m)\(ratio)", theme.good))
        }
        if let norm = run.series["weights/norm"]?.raw.last?.y { header.append(Span(" · ‖w‖ \(NumberFormat.short(norm))", theme.text)) }
        Paragraph(lines: [header]).render(into: &buffer, area: Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: 1))

        let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
        // The names the phase rules read, so a Lightning run's val_acc is drawn where test/acc would be.
        let named = { (lists: [[String]]) in lists.compactMap { run.firstMetric(of: $0) } }
        let charts: [(String, [String], AxisScale)] = [
            ("acc", named([PhaseDetector.trainAccuracyNames, PhaseDetector.testAccuracyNames]), .linear),
            ("loss", named([PhaseDetector.trainLossNames, PhaseDetector.testLossNames]), .log),
            ("‖w‖", ["weights/norm"], .linear),
        ]
        let fit = Swift.max(1, Swift.min(charts.count, body.height / 6))
        let high = Double(Swift.max(run.latestStep, 10))
        let xAxis = AxisMapping(scale: .log, range: 1...high)
        for (i, chart) in charts.prefix(fit).enumerated() {
            let y0 = body.y + body.height * i / fit, y1 = body.y + body.height * (i + 1) / fit
            let area = Rect(x: body.x, y: y0, width: body.width, height: y1 - y0)
            let dotColumns = LineChart.dotColumns(in: Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1))
            guard dotColumns >= 4 else { continue }
            let edges = xAxis.edges(count: dotColumns)
            let lines = chart.1.enumerated().compactMap { j, name -> PlottedLine? in
                guard let series = run.series[name] else { return nil }
                let columns = series.raw.columns(edges: edges)
                return PlottedLine(label: name, style: lineStyle(j), columns: Self.extents(columns.columns, scale: chart.2),
                                   value: series.raw.last?.y, points: series.raw.count, shownColumns: columns.columns.compactMap { $0 }.count)
            }
            let chance = chart.0 == "acc" ? run.chanceAccuracy : nil
            guard let yRange = Self.yRange(lines, scale: chart.2, clip: false, including: chance.map { [$0] } ?? []) else { continue }
            func column(_ step: Double) -> Int? {
                guard let f = xAxis.fraction(step), (0...1).contains(f) else { return nil }
                return Swift.min(dotColumns - 1, Int(f * Double(dotColumns)))
            }
            let phaseMarkers = markers(run, column: column).filter { $0.style == theme.markerPhase }
            drawChart(title: chart.0, selected: false, lines: lines, yScale: chart.2, yRange: yRange,
                      xLabels: ("1", "step \(Int(high)) (log)"),
                      references: chance.map { [ReferenceLine(value: $0, label: "chance", style: theme.reference)] } ?? [],
                      markers: phaseMarkers, cursor: nil, cursorNote: nil, area: area, &buffer)
        }
    }
}
