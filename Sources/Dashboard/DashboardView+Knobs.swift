import Telemetry
import TerminalUI

extension DashboardView {
    /// The run's knobs with their values and ranges; the selected one, a pending edit, the typing line.
    func knobsPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        guard let run = state.currentRun else { return }
        var y = inner.y
        if let task = run.task {
            buffer.write(task, x: inner.x + 1, y: y, style: theme.dimText, maxWidth: inner.width - 2)
            y += 1
        }
        if let gauge = batchGauge(run), y < inner.y + inner.height - 1 {
            gauge.render(into: &buffer, area: Rect(x: inner.x + 1, y: y, width: inner.width - 2, height: 1))
            y += 1
        }
        guard !run.knobs.isEmpty else {
            buffer.write("this source declares no knobs", x: inner.x + 1, y: y, style: theme.dimText, maxWidth: inner.width - 2)
            return
        }
        var footer: (String, Style)?
        if let input = state.input, case .knobValue(let name) = input.purpose {
            footer = ("\(name) = \(input.text)▏" + (input.error.map { "  \($0)" } ?? "  Enter applies · Esc cancels"),
                      input.error == nil ? theme.text : theme.error)
        } else if let pending = state.pendingKnob {
            footer = ("\(pending.name) → \(pending.value): \(Keymap.label(of: .applyKnob)) applies · \(Keymap.label(of: .escape)) cancels", theme.markerKnob)
        } else if state.focus == .knobs {
            footer = ("\(Keymap.label(of: .nudgeDown))/\(Keymap.label(of: .nudgeUp)) nudge · \(Keymap.label(of: .editKnob)) type a value", theme.dimText)
        }
        let tableHeight = inner.y + inner.height - y - (footer == nil ? 0 : 1)
        let selected = Swift.min(state.selectedKnob, run.knobs.count - 1)
        let rows = run.knobs.map { spec -> [String] in
            var value = "\(spec.value)"
            if let pending = state.pendingKnob, pending.name == spec.name { value += " → \(pending.value)" }
            let range: String
            if let choices = spec.choices {
                range = "\(choices.count) choices"
            } else {
                // Interval notation, as the engine's range errors write it: `(0, 100]` excludes 0.
                let lower = spec.min.map { "\(spec.minOpen ? "(" : "[")\(NumberFormat.short($0))" } ?? "(−∞"
                let upper = spec.max.map { "\(NumberFormat.short($0))\(spec.maxOpen ? ")" : "]")" } ?? "∞)"
                range = "\(lower), \(upper) \(spec.scale.rawValue)"
            }
            return [spec.name, value, range]
        }
        let nameWidth = Swift.min(16, (run.knobs.map(\.name.count).max() ?? 4) + 1)
        Table(columns: [Table.Column("knob", width: nameWidth), Table.Column("value", width: 18), Table.Column("range", width: 14)],
              rows: rows, selected: state.focus == .knobs ? selected : nil, headerStyle: theme.title, textStyle: theme.text,
              selectedStyle: Style(foreground: theme.focusBorder.foreground, bold: true, reverse: true))
            .render(into: &buffer, area: Rect(x: inner.x + 1, y: y, width: inner.width - 2, height: tableHeight))
        if let footer { buffer.write(footer.0, x: inner.x + 1, y: inner.y + inner.height - 1, style: footer.1, maxWidth: inner.width - 2) }
    }

    /// The batch size against the largest useful one, the gradient noise scale B_simple
    /// (`grad/noise_scale`, McCandlish et al.): beyond it, a larger batch buys little speed.
    func batchGauge(_ run: RunState) -> Gauge? {
        guard let scale = run.series["grad/noise_scale"]?.raw.last?.y, scale > 0 else { return nil }
        let spread = run.series["grad/noise_scale_spread"]?.raw.last?.y
        let configured = run.knobs.first { $0.name == "batch_size" }.flatMap { spec -> Double? in
            if case .number(let b) = spec.value { return b } else { return nil }
        } ?? run.config["batch_size"]?.number
        // batch_size 0 is the whole train set.
        let batch = configured == 0 ? run.extra["train_examples"]?.number : configured
        let label = "batch \(batch.map { NumberFormat.short($0) } ?? "?") / useful \(NumberFormat.short(scale))"
            + (spread.map { "±\(NumberFormat.short($0))" } ?? "")
        return Gauge(ratio: batch.map { $0 / scale } ?? 0, label: label, barStyle: lineStyle(0), textStyle: theme.text)
    }
}
