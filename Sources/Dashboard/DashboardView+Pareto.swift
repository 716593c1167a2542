import Telemetry
import TerminalUI

extension DashboardView {
    /// The shown round's points (front bright and joined, dominated dim), its hypervolume, the
    /// hypervolume history and the step scrubber.
    func paretoPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        guard let run = state.shownParetoRun, let round = state.shownParetoRound, round.objectives.count >= 2 else {
            buffer.write("no Pareto points yet", x: inner.x + 1, y: inner.y, style: theme.dimText, maxWidth: inner.width - 2)
            return
        }
        let index = state.paretoRound.map { Swift.min($0, run.paretoRounds.count - 1) } ?? run.paretoRounds.count - 1
        let frontCount = round.onFront.filter { $0 }.count
        var header = (run.id == state.currentRun?.id ? "" : "\(run.id) · ") + "step \(round.step) · \(round.points.count) points · \(frontCount) on front"
        if let hv = round.hypervolume { header += " · HV \(NumberFormat.short(hv))" }
        if run.paretoRounds.count > 1 {
            header += " · ◀ \(index + 1)/\(run.paretoRounds.count) ▶" + (state.paretoRound == nil ? " live" : "")
        }
        buffer.write(header, x: inner.x + 1, y: inner.y, style: theme.text, maxWidth: inner.width - 2)
        let (x, y) = (round.objectives[0], round.objectives[1])
        func arrow(_ o: ParetoObjective) -> String { o.direction == .minimize ? "↓" : "↑" }
        var selectedLabel: String?
        if let p = state.paretoPoint, p < round.points.count {
            let point = round.points[p]
            selectedLabel = "◆ \(point.label ?? "point \(p)"): " + zip(round.objectives, point.values).map { "\($0.name) \(NumberFormat.short($1))" }
                .joined(separator: ", ")
        }
        let points = round.points.map { ($0.values[0], $0.values[1]) }
        // A fitted law's curve, band and prediction share the axes with the points.
        let fitted = (round.fit?.curve ?? []) + (round.fit?.prediction.map { [$0] } ?? [])
        let xs = points.map(\.0) + fitted.map(\.size), ys = points.map(\.1) + fitted.flatMap { [$0.low, $0.high] }.filter { $0 > 0 }
        // An objective spanning more than 1.5 decades (parameters, bits) is drawn on a log axis.
        func axis(_ a: Double, _ b: Double) -> AxisMapping {
            if Self.isLogAxis([a, b]) { return AxisMapping(scale: .log, range: (a / 1.25)...(b * 1.25)) }
            let pad = b > a ? (b - a) * 0.05 : Swift.max(abs(a) * 0.1, 1e-9)
            return AxisMapping(scale: .linear, range: (a - pad)...(b + pad))
        }
        let xAxis = xs.min().map { axis($0, xs.max()!) }, yAxis = ys.min().map { axis($0, ys.max()!) }
        let logScales = (xAxis?.scale == .log ? "x" : "") + (yAxis?.scale == .log ? "y" : "")
        let axes = "y \(y.name) \(arrow(y)) · x \(x.name) \(arrow(x))" + ["x": " (log x)", "y": " (log y)", "xy": " (log-log)"][logScales, default: ""]
            + (round.objectives.count > 2 ? " · 3rd: \(round.objectives[2].name)" : "")
        buffer.write(selectedLabel ?? axes, x: inner.x + 1, y: inner.y + 1, style: selectedLabel == nil ? theme.dimText : theme.markerKnob,
                     maxWidth: inner.width - 2)
        let fitLine = round.fit.map(Self.fitSummary)
        if let fitLine { buffer.write(fitLine, x: inner.x + 1, y: inner.y + 2, style: theme.text, maxWidth: inner.width - 2) }
        let top = inner.y + (fitLine == nil ? 2 : 3)
        let historyHeight = run.paretoRounds.count > 1 && inner.height >= 14 && round.fit == nil ? 5 : 0
        guard let xAxis, let yAxis else { return }
        let plotArea = Rect(x: inner.x, y: top, width: inner.width, height: inner.y + inner.height - top - historyHeight)
        let dominated = round.points.indices.filter { !round.onFront[$0] }.map { points[$0] }
        let front = round.points.indices.filter { round.onFront[$0] }.map { points[$0] }.sorted { $0.0 < $1.0 }
        var highlights: [(x: Double, y: Double, character: Character, style: Style)] = []
        if let p = state.paretoPoint, p < points.count { highlights.append((points[p].0, points[p].1, "◆", theme.markerKnob)) }
        var fitSeries: [ScatterSeries] = []
        if let fit = round.fit {
            fitSeries = [ScatterSeries(points: fit.curve.map { (x: $0.size, y: $0.low) }, style: faint(lineStyle(1)), connected: true),
                         ScatterSeries(points: fit.curve.map { (x: $0.size, y: $0.high) }, style: faint(lineStyle(1)), connected: true),
                         ScatterSeries(points: fit.curve.map { (x: $0.size, y: $0.loss) }, style: lineStyle(1), connected: true)]
            // Measured points stand apart from the curve as characters, not braille dots.
            highlights += front.map { ($0.0, $0.1, "●", lineStyle(0)) }
            if let prediction = fit.prediction { highlights.append((prediction.size, prediction.loss, "◇", theme.markerKnob)) }
        }
        ScatterPlot(series: fitSeries + [ScatterSeries(points: dominated.map { (x: $0.0, y: $0.1) }, style: theme.dimText),
                                         ScatterSeries(points: front.map { (x: $0.0, y: $0.1) }, style: lineStyle(0), connected: round.fit == nil)],
                    x: xAxis, y: yAxis,
                    axisStyle: theme.axis, highlights: highlights).render(into: &buffer, area: plotArea)
        guard historyHeight > 0 else { return }
        let history = Rect(x: inner.x, y: plotArea.y + plotArea.height, width: inner.width, height: historyHeight)
        let dotColumns = LineChart.dotColumns(in: Rect(x: history.x, y: history.y + 1, width: history.width, height: history.height - 1))
        let volumes = run.paretoRounds.map { $0.hypervolume ?? .nan }
        guard dotColumns >= 4, let yRange = Self.yRange([PlottedLine(label: "", style: .plain, columns: volumes.map { $0.isFinite ? $0...$0 : nil },
                                                                     value: nil, points: 0, shownColumns: 0)], scale: .linear, clip: false) else { return }
        // One column per round, spread over the plot.
        var columns = [ClosedRange<Double>?](repeating: nil, count: dotColumns)
        for (i, v) in volumes.enumerated() where v.isFinite {
            let c = volumes.count > 1 ? i * (dotColumns - 1) / (volumes.count - 1) : 0
            columns[c] = v...v
        }
        let cursor = (volumes.count > 1 ? index * (dotColumns - 1) / (volumes.count - 1) : 0) / 2
        drawChart(title: "hypervolume", selected: false,
                  lines: [PlottedLine(label: "HV", style: lineStyle(1), columns: columns, value: round.hypervolume, points: 0, shownColumns: 0)],
                  yScale: .linear, yRange: yRange, xLabels: ("step \(run.paretoRounds[0].step)", "step \(run.paretoRounds.last!.step)"),
                  references: [], markers: [], cursor: cursor, cursorNote: nil, area: history, &buffer)
    }

    /// A fitted law in one line: its exponent and floor with their intervals, and the prediction against the result.
    static func fitSummary(_ fit: ScalingFit) -> String {
        func interval(_ p: (name: String, value: Double, low: Double?, high: Double?)) -> String {
            let bounds = p.low.flatMap { low in p.high.map { "[\(NumberFormat.short(low)), \(NumberFormat.short($0))]" } }
            return "\(p.name == "alpha" ? "α" : p.name) \(NumberFormat.short(p.value))" + (bounds.map { " \($0)" } ?? "")
        }
        var line = "fit \(fit.law): " + fit.parameters.filter { $0.name != "a" }.map(interval).joined(separator: " · ")
        if let p = fit.prediction {
            // Three digits, so that a prediction and its result read apart.
            func value(_ x: Double) -> String { NumberFormat.short(x, mantissaDecimals: 2) }
            line += " · ◇ N \(NumberFormat.short(p.size)): \(value(p.loss)) [\(NumberFormat.short(p.low)), \(NumberFormat.short(p.high))]"
            if let actual = fit.actual { line += ", got \(value(actual))" }
        }
        return line
    }

    /// Values spanning more than 1.5 decades, all positive, read best on a log axis.
    static func isLogAxis(_ values: [Double]) -> Bool {
        guard let low = values.min(), let high = values.max(), low > 0 else { return false }
        return high / low > 30
    }
}
