import Telemetry
import TerminalUI

/// Draws the whole dashboard from state: a pure function into a Buffer, redrawn every frame.
public struct DashboardView {
    public var theme: Theme
    /// Smallest terminal that gets panels; below it a message says so.
    public static let minimumSize = (width: 40, height: 12)

    public init(theme: Theme) { self.theme = theme }

    /// The frame for `state` (its size is the state's terminal size).
    public func render(_ state: DashboardState) -> Buffer {
        var buffer = Buffer(width: state.width, height: state.height)
        guard state.width >= Self.minimumSize.width, state.height >= Self.minimumSize.height else {
            let lines = ["terminal too small", "\(state.width)×\(state.height), needs \(Self.minimumSize.width)×\(Self.minimumSize.height)", "q quits"]
            for (i, line) in lines.enumerated() {
                let y = state.height / 2 - 1 + i
                buffer.write(line, x: Swift.max(0, (state.width - line.count) / 2), y: y, style: i == 0 ? theme.warning : theme.dimText)
            }
            return buffer
        }
        statusBar(state, &buffer)
        let body = Rect(x: 0, y: 1, width: state.width, height: state.height - 1)
        let sideWidth = state.width >= 100 ? Swift.max(30, state.width / 3) : 0
        let charts = Rect(x: 0, y: body.y, width: body.width - sideWidth, height: body.height)
        let lossArea = Rect(x: charts.x, y: charts.y, width: charts.width, height: charts.height / 2)
        let accuracyArea = Rect(x: charts.x, y: charts.y + lossArea.height, width: charts.width, height: charts.height - lossArea.height)
        let run = state.runOrder.last.flatMap { state.runs[$0] }
        chart("Loss", run, metrics: ["train/loss", "test/loss"], logY: true, area: lossArea, &buffer)
        chart("Accuracy", run, metrics: ["train/acc", "test/acc"], logY: false, area: accuracyArea, &buffer)
        if sideWidth > 0 {
            let side = Rect(x: charts.width, y: body.y, width: sideWidth, height: body.height)
            let info = Rect(x: side.x, y: side.y, width: side.width, height: Swift.min(side.height / 2, 14))
            runPanel(run, info, &buffer)
            eventsPanel(state, Rect(x: side.x, y: info.y + info.height, width: side.width, height: side.height - info.height), &buffer)
        }
        if state.isShowingHelp { helpOverlay(&buffer) }
        return buffer
    }

    /// The key table, drawn from `Keymap.bindings` over the middle of the screen.
    private func helpOverlay(_ buffer: inout Buffer) {
        let labelWidth = Keymap.bindings.map(\.label.count).max() ?? 0
        let lines = Keymap.bindings.map { "\($0.label.padding(labelWidth + 1))\($0.summary)" }
        let width = Swift.min(buffer.width - 4, (lines.map(\.count).max() ?? 0) + 4)
        let height = Swift.min(buffer.height - 2, lines.count + 2)
        let area = Rect(x: (buffer.width - width) / 2, y: (buffer.height - height) / 2, width: width, height: height)
        buffer.fill(area, with: Cell(" "))
        let inner = Block(title: "Keys", borderStyle: theme.focusBorder, titleStyle: theme.title).render(into: &buffer, area: area)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            buffer.write(line, x: inner.x + 1, y: inner.y + i, style: theme.text, maxWidth: inner.width - 2)
        }
    }

    // MARK: - Panels

    private func statusBar(_ state: DashboardState, _ buffer: inout Buffer) {
        buffer.fill(Rect(x: 0, y: 0, width: state.width, height: 1), with: Cell(" ", style: theme.statusBar))
        var parts = [" trainscope"]
        if let id = state.runOrder.last, let run = state.runs[id] {
            parts.append("run \(id)")
            let total = run.config["steps"]?.number.map { "/\(Int($0))" } ?? ""
            parts.append("step \(run.latestStep)\(total)")
            if let start = run.startTime, let latest = run.latestTime, latest > start {
                parts.append("\(NumberFormat.short(Double(run.latestStep) / (latest - start))) steps/s")
            }
        } else {
            parts.append("waiting for events")
        }
        parts.append(state.isPaused ? "⏸ paused" : "● live")
        buffer.write(parts.joined(separator: " │ "), x: 0, y: 0, style: theme.statusBar)
        let help = Keymap.bindings.map { "\($0.label) \($0.action == .toggleHelp ? "help" : $0.summary.split(separator: " ").first.map(String.init) ?? "")" }
            .joined(separator: " · ") + " "
        if state.width > parts.joined(separator: " │ ").count + help.count + 2 {
            buffer.write(help, x: state.width - help.count, y: 0, style: theme.statusBar)
        }
    }

    private func chart(_ title: String, _ run: RunState?, metrics: [String], logY: Bool, area: Rect, _ buffer: inout Buffer) {
        let inner = Block(title: title, borderStyle: theme.border, titleStyle: theme.title).render(into: &buffer, area: area)
        guard let run, inner.width > LineChart.gutter + 4, inner.height >= 3 else { return }
        let stores = metrics.compactMap { name in run.series[name].map { (name, $0) } }
        guard let xMax = stores.compactMap({ $0.1.xRange?.upperBound }).max() else {
            buffer.write("no \(metrics.joined(separator: ", ")) yet", x: inner.x + 1, y: inner.y, style: theme.dimText)
            return
        }
        let xRange = 0...Swift.max(xMax, 1)
        let chartArea = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
        let dotColumns = LineChart.dotColumns(in: chartArea)
        var series: [ChartSeries] = []
        var low = Double.infinity, high = -Double.infinity
        var shown = 0, total = 0
        for (index, (name, store)) in stores.enumerated() {
            let (columns, points) = store.columns(dotColumns, over: xRange)
            total += store.count
            shown += Swift.min(points, columns.compactMap { $0 }.count)
            let extents: [ClosedRange<Double>?] = columns.map { bucket in
                guard let b = bucket, b.yMin.isFinite, b.yMax.isFinite, !logY || b.yMin > 0 else { return nil }
                return b.yMin...b.yMax
            }
            for e in extents.compactMap({ $0 }) { low = Swift.min(low, e.lowerBound); high = Swift.max(high, e.upperBound) }
            series.append(ChartSeries(label: name, style: theme.series[index % theme.series.count], columns: extents))
        }
        guard low.isFinite, high.isFinite else { return }
        if high == low { high = low + (logY ? low : 1) }
        LineChart(series: series, yRange: low...high, logY: logY, xLabels: ("0", "step \(Int(xRange.upperBound))"),
                  axisStyle: theme.axis).render(into: &buffer, area: chartArea)
        markers(run, xRange: xRange, plot: LineChart.plotArea(in: chartArea), &buffer)
        // Legend with latest values, and the downsampling badge.
        var x = inner.x + 1
        for (line, (name, store)) in zip(series, stores) {
            let text = "━ \(name) \(store.last.map { NumberFormat.short($0.y) } ?? "-")  "
            x += buffer.write(text, x: x, y: inner.y, style: line.style, maxWidth: inner.x + inner.width - x)
        }
        if total > dotColumns {
            let badge = " \(shown) of \(total) points "
            buffer.write(badge, x: inner.x + inner.width - badge.count, y: area.y, style: theme.dimText)
        }
    }

    /// A dim vertical line at each phase and knob change, labelled at the top.
    private func markers(_ run: RunState, xRange: ClosedRange<Double>, plot: Rect, _ buffer: inout Buffer) {
        let marks = run.phases.map { ($0.step, String($0.name.prefix(3)), theme.markerPhase) }
            + run.knobChanges.map { ($0.step, $0.name, theme.markerKnob) }
        for (step, label, style) in marks {
            let f = (Double(step) - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
            guard f >= 0, f <= 1 else { continue }
            let column = plot.x + Swift.min(plot.width - 1, Int(f * Double(plot.width)))
            for row in plot.y..<(plot.y + plot.height) where buffer[column, row].character == " " {
                buffer[column, row] = Cell("┊", style: style)
            }
            buffer.write(label, x: column, y: plot.y, style: style, maxWidth: plot.x + plot.width - column)
        }
    }

    private func runPanel(_ run: RunState?, _ area: Rect, _ buffer: inout Buffer) {
        let inner = Block(title: "Run", borderStyle: theme.border, titleStyle: theme.title).render(into: &buffer, area: area)
        guard let run else { return }
        var lines: [(String, Style)] = []
        if let task = run.task { lines.append((task, theme.text)) }
        if let model = run.model { lines.append((model, theme.dimText)) }
        for name in ["train/loss", "test/loss", "train/acc", "test/acc", "weights/norm", "grad/norm", "lr", "hessian/sharpness"] {
            guard let value = run.series[name]?.last?.y else { continue }
            lines.append(("\(name.padding(18))\(NumberFormat.short(value))", theme.text))
        }
        for phase in run.phases { lines.append(("◆ \(phase.name) at step \(phase.step)", theme.markerPhase)) }
        for (i, line) in lines.prefix(inner.height).enumerated() {
            buffer.write(line.0, x: inner.x + 1, y: inner.y + i, style: line.1, maxWidth: inner.width - 2)
        }
    }

    private func eventsPanel(_ state: DashboardState, _ area: Rect, _ buffer: inout Buffer) {
        let inner = Block(title: "Events", borderStyle: theme.border, titleStyle: theme.title).render(into: &buffer, area: area)
        guard inner.height > 0 else { return }
        for (i, entry) in state.log.suffix(inner.height).enumerated() {
            let style = entry.level == .error ? theme.error : entry.level == .warning ? theme.warning : theme.text
            buffer.write(entry.text, x: inner.x + 1, y: inner.y + i, style: style, maxWidth: inner.width - 2)
        }
    }
}

extension String {
    /// The string padded with spaces to `width` columns.
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
