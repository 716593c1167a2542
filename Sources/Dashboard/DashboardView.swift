import Telemetry
import TerminalUI

/// Draws the whole dashboard from state: a pure function into a Buffer, redrawn every frame.
/// Panels draw the values `update` collected; they never compute training dynamics.
public struct DashboardView {
    public var theme: Theme
    /// The curves' line columns of the last frames (a frame recomputes only what changed).
    let cache = ColumnCache()
    /// The charts' drawn lines of the last frames (a frame draws only what changed).
    let layers = LineLayerCache()
    /// The curves' charts of the last frames (a chart of unchanged runs is copied).
    let charts = CellMemo<TimeChartInputs>()
    /// The runs and sweep panels of the last frames (copied while no run and no setting changed).
    let runPanels = CellMemo<RunsPanelInputs>()
    /// The sweep panel's config axes, kept while the shown runs' configs are the same.
    let sweepConfigs = LastValue<SweepConfigs, SweepConfigFacts>()
    /// Smallest terminal that gets panels; below it a message says so.
    public static let minimumSize = (width: 40, height: 12)

    public init(theme: Theme) { self.theme = theme }

    /// The frame for `state` (its size is the state's terminal size).
    public func render(_ state: DashboardState) -> Buffer {
        cache.startFrame()
        layers.startFrame()
        charts.startFrame()
        runPanels.startFrame()
        var buffer = Buffer(width: state.width, height: state.height)
        guard state.width >= Self.minimumSize.width, state.height >= Self.minimumSize.height else {
            let lines = ["terminal too small", "\(state.width)×\(state.height), needs \(Self.minimumSize.width)×\(Self.minimumSize.height)",
                         "\(Keymap.label(of: .quit)) quits"]
            for (i, line) in lines.enumerated() {
                let y = state.height / 2 - 1 + i
                buffer.write(line, x: Swift.max(0, (state.width - line.count) / 2), y: y, style: i == 0 ? theme.warning : theme.dimText)
            }
            return buffer
        }
        statusBar(state, &buffer)
        // The runs and sweep panels' memo inputs go over every run: built once a frame, at most.
        var runsPanelInputs: RunsPanelInputs?
        for (panel, rect) in state.panelRects() {
            let focused = panel == state.focus
            let inner = Block(title: title(of: panel, state), borderStyle: focused ? theme.focusBorder : theme.border,
                              titleStyle: focused ? theme.focusBorder : theme.title).render(into: &buffer, area: rect)
            guard inner.width >= 4, inner.height >= 1 else { continue }
            let run = state.currentRun
            switch panel {
            case .curves: curvesPanel(state, inner, &buffer)
            case .runs, .sweep:
                // Both rebuild their rows over every run; unchanged, they are copied.
                var inputs = runsPanelInputs ?? RunsPanelInputs(state, focused: focused)
                inputs.focused = focused
                runsPanelInputs = inputs
                runPanels.draw(inner, inputs, into: &buffer) { buffer in
                    if panel == .runs { runsPanel(state, inner, &buffer) } else { sweepPanel(state, inner, &buffer) }
                }
            case .grokking: grokkingPanel(run, inner, &buffer)
            case .hessian: hessianPanel(run, inner, &buffer)
            case .distributions: distributionsPanel(state, inner, &buffer)
            case .pareto: paretoPanel(state, inner, &buffer)
            case .knobs: knobsPanel(state, inner, &buffer)
            case .fourier: fourierPanel(run, inner, &buffer)
            case .events: eventsPanel(state, inner, &buffer)
            }
        }
        if let id = state.detailsRun, state.runs[id] != nil { runDetails(state, id, &buffer) }
        if state.isShowingHelp { helpOverlay(&buffer, scrollOffset: state.helpScroll) }
        if let run = state.confirmingStop { stopConfirmation(run, &buffer) }
        return buffer
    }

    private func title(of panel: PanelKind, _ state: DashboardState) -> String {
        switch panel {
        case .curves:
            var parts = [panel.title, state.curves.smoothing.label, "x \(state.curves.xAxis.label)"]
            if state.curves.xScale != .linear { parts[2] += " \(state.curves.xScale.rawValue)" }
            // One run drawn out of several (isolated, hidden or queried): the title names it.
            let shown = state.shownRunIDs
            if shown.count == 1, state.runOrder.count - state.endedRuns.count > 1 { parts.insert(shown[0], at: 1) }
            if state.curves.xWindow != nil { parts.append("zoomed") }
            if state.curves.clipOutliers { parts.append("clip 2–98%") }
            if state.curves.split != .auto { parts.append(state.curves.split.rawValue) }
            if let grouping = state.grouping, let groups = state.runGroups {
                parts.append("\(groups.count) group\(groups.count == 1 ? "" : "s") (all but \(grouping.except)) \(grouping.band.rawValue)")
            }
            if let filter = state.curves.filter { parts.append("/\(filter)/") }
            return parts.joined(separator: " · ")
        case .runs: return runsTitle(state)
        case .events where state.eventsScroll > 0: return "\(panel.title) · \(state.eventsScroll) back"
        default: return panel.title
        }
    }

    /// The stop key's question, in a box over the middle of the screen.
    private func stopConfirmation(_ run: String, _ buffer: inout Buffer) {
        let lines = ["Stop \(run)? Its job ends (training stops).", "y stops it · any other key cancels"]
        let width = Swift.min(buffer.width - 2, (lines.map(\.count).max() ?? 0) + 4)
        let area = Rect(x: (buffer.width - width) / 2, y: buffer.height / 2 - 2, width: width, height: 4)
        buffer.fill(area, with: Cell(" "))
        let inner = Block(title: "Stop", borderStyle: theme.warning, titleStyle: theme.warning).render(into: &buffer, area: area)
        for (i, line) in lines.enumerated() {
            buffer.write(line, x: inner.x + 1, y: inner.y + i, style: i == 0 ? theme.warning : theme.text, maxWidth: inner.width - 2)
        }
    }

    /// The key table from `Keymap`, over the middle of the screen, in two columns when tall.
    private func helpOverlay(_ buffer: inout Buffer, scrollOffset: Int) {
        let lines = Keymap.helpLines
        let lineWidth = (lines.map(\.text.count).max() ?? 0) + 2
        let twoColumns = lines.count + 2 > buffer.height - 2 && 2 * lineWidth + 3 <= buffer.width - 4
        let perColumn = twoColumns ? (lines.count + 1) / 2 : lines.count
        let width = Swift.min(buffer.width - 4, (twoColumns ? 2 * lineWidth + 1 : lineWidth) + 2)
        let height = Swift.min(buffer.height - 2, perColumn + 2)
        let area = Rect(x: (buffer.width - width) / 2, y: (buffer.height - height) / 2, width: width, height: height)
        buffer.fill(area, with: Cell(" "))
        let inner = Block(title: "Keys · \(Keymap.label(of: .toggleHelp)) or \(Keymap.label(of: .escape)) closes", borderStyle: theme.focusBorder,
                          titleStyle: theme.title).render(into: &buffer, area: area)
        // Scrolled by j/k when the terminal is too short for every line.
        let scroll = twoColumns ? 0 : Swift.max(0, Swift.min(scrollOffset, lines.count - inner.height))
        for (i, line) in lines.enumerated().dropFirst(scroll).map({ ($0.offset - scroll, $0.element) }) {
            let column = i / perColumn, row = i % perColumn
            guard row < inner.height else { continue }
            buffer.write(line.text, x: inner.x + 1 + column * (lineWidth + 1), y: inner.y + row, style: line.isHeading ? theme.title : theme.text,
                         maxWidth: Swift.min(lineWidth, inner.x + inner.width - (inner.x + 1 + column * (lineWidth + 1))))
        }
        if !twoColumns && lines.count > inner.height {
            let more = " \(scroll + 1)–\(scroll + inner.height) of \(lines.count) · j/k scroll "
            buffer.write(more, x: area.x + area.width - more.count - 1, y: area.y + area.height - 1, style: theme.dimText)
        }
    }

    // MARK: - Status bar

    private func statusBar(_ state: DashboardState, _ buffer: inout Buffer) {
        buffer.fill(Rect(x: 0, y: 0, width: state.width, height: 1), with: Cell(" ", style: theme.statusBar))
        var parts = [" trainscope"]
        // A snapshot has no liveness, only "done" when the run reached its planned steps.
        let indicator = liveIndicator(state)
        if state.isLive || indicator == "■ done" { parts.append(indicator) }
        if let run = state.currentRun {
            parts.append(run.id)
            parts.append("step \(run.latestStep)\(run.plannedSteps.map { "/\($0)" } ?? "")")
            if let start = run.startTime, let latest = run.latestTime, latest > start {
                let elapsed = latest - start
                let rate = Double(run.latestStep) / elapsed
                parts.append("\(NumberFormat.short(rate)) steps/s")
                var clock = Self.duration(elapsed)
                if let planned = run.plannedSteps, planned > run.latestStep, rate > 0 {
                    clock += " · ETA \(Self.duration(Double(planned - run.latestStep) / rate))"
                }
                parts.append(clock)
            }
        } else {
            parts.append("waiting for events")
        }
        if !state.sourceName.isEmpty { parts.append(state.sourceName) }
        let text = parts.joined(separator: " │ ")
        buffer.write(text, x: 0, y: 0, style: theme.statusBar)
        let hint = [KeyAction.focusNext, .zoom, .toggleHelp, .quit].map { a -> String in
            let word = a == .focusNext ? "focus" : a == .zoom ? "zoom" : a == .toggleHelp ? "help" : "quit"
            return "\(Keymap.label(of: a)) \(word)"
        }.joined(separator: " · ") + " "
        if state.width >= text.count + hint.count + 2 { buffer.write(hint, x: state.width - hint.count, y: 0, style: theme.statusBar) }
    }

    /// `⏸ paused`, `■ done` (the configured steps are reached), `● live` (an event in the last 2 s), `○ idle`.
    private func liveIndicator(_ state: DashboardState) -> String {
        if let run = state.currentRun, state.stoppedRuns.contains(run.id) { return "■ stopped" }
        if state.isPaused { return "⏸ paused" }
        if let run = state.currentRun, let planned = run.plannedSteps, run.latestStep >= planned { return "■ done" }
        if let last = state.lastEventAt, state.now - last <= 2 { return "● live" }
        return "○ idle"
    }

    /// `42 s`, `3:07`, `1:02:09`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return s < 3600 ? "\(s / 60):\(two(s % 60))" : "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))"
    }

    // MARK: - Events

    private func eventsPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        let lines = state.log.map { entry -> [Span] in
            let style = entry.level == .error ? theme.error : entry.level == .warning ? theme.warning : theme.text
            return [Span(entry.text, style)]
        }
        let area = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        Paragraph(lines: lines, anchoredAtBottom: true, scroll: state.eventsScroll).render(into: &buffer, area: area)
    }
}

extension String {
    /// The string padded with spaces to `width` columns.
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
