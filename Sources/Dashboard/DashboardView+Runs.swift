import JSONCore
import TerminalUI

extension DashboardView {
    /// The runs panel: one row per run the query selects, as a tree of forks and undos (or sorted by
    /// a column), with the config keys that differ between runs and the chosen metric's values.
    func runsPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        var area = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        if let input = state.input, input.purpose == .runQuery {
            area.height -= 1
            let prompt = "/\(input.text)▏" + (input.error.map { "  \($0)" } ?? "  Enter applies · Esc cancels · empty clears")
            buffer.write(prompt, x: area.x, y: area.y + area.height, style: input.error == nil ? theme.text : theme.error, maxWidth: area.width)
        }
        let table = state.runTableContent
        guard !table.rows.isEmpty, area.height >= 2 else {
            let message = state.runQuery.map { "no run matches \($0.text)" } ?? "no runs yet"
            buffer.write(message, x: area.x, y: area.y, style: theme.dimText, maxWidth: area.width)
            return
        }
        let layout = RunTableLayout(table, state: state, width: area.width - 3)
        let selected = state.selectedRun.flatMap { id in table.rows.firstIndex { $0.id == id } }
        let rowStyles: [Style?] = table.rows.map { $0.isHidden ? theme.dimText : nil }
        var selectedStyle = theme.focusBorder
        selectedStyle.reverse = true
        let tableArea = Rect(x: area.x + 3, y: area.y, width: area.width - 3, height: area.height)
        Table(columns: layout.columns, rows: layout.cells, rowStyles: rowStyles, selected: selected, headerStyle: theme.title,
              textStyle: theme.text, selectedStyle: selectedStyle).render(into: &buffer, area: tableArea)
        // The swatch: the run's colour and line pattern (hollow when hidden).
        let first = Table.firstVisibleRow(selected: selected, rows: table.rows.count, visible: area.height - 1)
        for (offset, row) in table.rows.dropFirst(first).prefix(area.height - 1).enumerated() where row.group == nil {
            let look = runSwatch(state.runs[row.id]!)
            buffer.write(row.isHidden ? "○ " : String(repeating: look.pattern.swatch, count: 2), x: area.x, y: area.y + 1 + offset,
                         style: row.isHidden ? theme.dimText : look.style)
        }
    }

    /// The colour and pattern of a run's (first metric's) line when many runs are drawn.
    public func runSwatch(_ run: RunState) -> (style: Style, pattern: LinePattern) {
        RunLooks.slotLook(run.slot, metricIndex: 0, colours: theme.series)
    }

    /// A run's details in a box over the screen: what it is, where it comes from, its whole config,
    /// its summary values, phases and knob changes, scrolled with j/k.
    func runDetails(_ state: DashboardState, _ id: String, _ buffer: inout Buffer) {
        let lines = Self.detailLines(state, id)
        let width = Swift.min(buffer.width - 4, Swift.max(40, (lines.map(\.text.count).max() ?? 0) + 4))
        let height = Swift.min(buffer.height - 2, lines.count + 2)
        let area = Rect(x: (buffer.width - width) / 2, y: (buffer.height - height) / 2, width: width, height: height)
        buffer.fill(area, with: Cell(" "))
        let inner = Block(title: "Run \(id) · j/k scroll · Esc closes", borderStyle: theme.focusBorder, titleStyle: theme.title)
            .render(into: &buffer, area: area)
        let scroll = Swift.max(0, Swift.min(state.detailsScroll, lines.count - inner.height))
        for (row, line) in lines.dropFirst(scroll).prefix(inner.height).enumerated() {
            buffer.write(line.text, x: inner.x + 1, y: inner.y + row, style: line.isHeading ? theme.title : theme.text, maxWidth: inner.width - 2)
        }
    }

    static func detailLines(_ state: DashboardState, _ id: String) -> [(text: String, isHeading: Bool)] {
        let run = state.runs[id]!
        var lines: [(String, Bool)] = []
        func section(_ title: String, _ rows: [(String, String)]) {
            guard !rows.isEmpty else { return }
            lines.append((title, true))
            let keyWidth = Swift.min(28, rows.map(\.0.count).max() ?? 0)
            for (key, value) in rows { lines.append(("  " + key.padding(keyWidth) + " " + value, false)) }
        }
        var about: [(String, String)] = [("status", state.status(of: id).label), ("step", "\(run.latestStep)\(run.plannedSteps.map { " of \($0)" } ?? "")")]
        if let parent = run.parent { about.append(("parent", parent)) }
        if let task = run.task { about.append(("task", task)) }
        if let model = run.model { about.append(("model", model)) }
        for (key, value) in run.extra { about.append((key, RunTableLayout.text(value))) }
        section("Run", about)
        section("Config", run.flatConfig.map { ($0.key, RunTableLayout.text($0.value)) })
        section("Summary", run.series.keys.sorted().map { name in
            let goal = state.goal(of: name)
            let latest = run.latestValue(of: name).map(NumberFormat.short) ?? "-"
            let best = run.bestValue(of: name, goal: goal).map(NumberFormat.short) ?? "-"
            return (name, "\(latest)  (\(goal.rawValue) \(best), \(run.series[name]!.raw.count) points)")
        })
        section("Phases", run.phases.map { ("step \($0.step)", $0.name + ($0.message.map { " — \($0)" } ?? "")) })
        section("Knob changes", run.knobChanges.map { ("step \($0.step)", "\($0.name) \($0.old.map { "\($0) → " } ?? "")\($0.new) by \($0.by)") })
        section("Skipped by the source", run.skipped.keys.sorted().map { ($0, "\(run.skipped[$0]!)") })
        return lines
    }

    /// The runs panel's title: how many runs, hidden and isolated ones, the query and the sort.
    func runsTitle(_ state: DashboardState) -> String {
        let listed = state.listedRunIDs
        var parts = ["Runs", "\(listed.count)\(state.runQuery == nil ? "" : " of \(state.runOrder.count - state.endedRuns.count)")"]
        let hidden = listed.filter { !state.isShown($0) }.count
        if let isolated = state.isolatedRun { parts.append("only \(isolated)") } else if hidden > 0 { parts.append("\(hidden) hidden") }
        if let metric = state.tableMetric { parts.append(metric) }
        if let query = state.runQuery { parts.append("/\(query.text)/") }
        if state.runTable.sort != .order || state.runTable.descending {
            parts.append("by \(state.runTable.sort.title) \(state.runTable.descending ? "▼" : "▲")")
        }
        return parts.joined(separator: " · ")
    }
}

/// The runs table's columns and cell texts at a given width: fixed columns first, then as many
/// config columns as fit.
struct RunTableLayout {
    var columns: [Table.Column]
    var cells: [[String]]

    init(_ table: RunTable, state: DashboardState, width: Int) {
        func mark(_ key: RunSortKey, _ title: String) -> String {
            state.runTable.sort == key ? title + (state.runTable.descending ? "▼" : "▲") : title
        }
        let names = table.rows.map { row in
            (row.depth > 0 ? String(repeating: "  ", count: row.depth - 1) + "└ " : "") + row.shortName
                + (row.group != nil ? " ×\(row.members)" : "")
        }
        // Narrow tables show the status as its glyph alone.
        let wideStatus = width >= 90
        var cells = table.rows.indices.map { i in
            [names[i], wideStatus ? table.rows[i].status.label : String(table.rows[i].status.label.prefix(1)), "\(table.rows[i].step)"]
        }
        // Narrow tables keep the metric's best value only, and give the names the room.
        let narrow = width < 64
        let nameWidth = Swift.min(Swift.max(4, names.map(\.count).max() ?? 0), Swift.max(8, narrow ? width - 17 : width / 3))
        var columns = [Table.Column(mark(.name, "run"), width: nameWidth),
                   Table.Column(mark(.status, wideStatus ? "status" : "·"), width: wideStatus ? 10 : 1),
                   Table.Column(mark(.step, "step"), width: Swift.max(4, cells.map { $0[2].count }.max() ?? 0), alignRight: true)]
        var used = columns.reduce(0) { $0 + $1.width + 1 }
        func add(_ column: Table.Column, _ values: [String]) {
            columns.append(column)
            for i in cells.indices { cells[i].append(values[i]) }
            used += column.width + 1
        }
        // The metric's values, then the config columns that differ, then phases, while they fit.
        // The metric is named in the panel's title; its columns are `last` and `min` or `max`.
        if table.metric != nil {
            if !narrow { add(Table.Column(mark(.latest, "last"), width: 7, alignRight: true), table.rows.map { $0.latest.map(NumberFormat.short) ?? "-" }) }
            add(Table.Column(mark(.best, table.goal.rawValue), width: 7, alignRight: true), table.rows.map { $0.best.map(NumberFormat.short) ?? "-" })
        }
        for (k, key) in table.configKeys.enumerated() {
            let values = table.rows.map { $0.config[k].map(Self.text) ?? "-" }
            let w = Swift.min(14, Swift.max(key.count, values.map(\.count).max() ?? 1))
            guard used + w + 1 <= width else { break }
            add(Table.Column(mark(.config(key), key), width: w, alignRight: values.allSatisfy { Double($0) != nil || $0 == "-" }), values)
        }
        // Parents, when the table is sorted (in run order the tree shows them), and sources.
        if state.runTable.sort != .order, table.rows.contains(where: { $0.parent != nil }), used + 9 <= width {
            let parents = table.rows.map { $0.parent ?? "-" }
            add(Table.Column("parent", width: Swift.min(16, Swift.max(6, parents.map(\.count).max() ?? 0))), parents)
        }
        if table.hasSources, used + 9 <= width {
            // The end of a path says enough: `logs/train`, `lightning_logs/version_0/metrics.csv`.
            let sources = table.rows.map { row in row.source.map { String($0.split(separator: "/").suffix(2).joined(separator: "/")) } ?? "-" }
            add(Table.Column("source", width: Swift.min(24, Swift.max(6, sources.map(\.count).max() ?? 0))), sources)
        }
        if table.hasPhases, used + 14 <= width {
            add(Table.Column(mark(.phase("memorization"), "mem"), width: 6, alignRight: true), table.rows.map { $0.memorized.map(String.init) ?? "-" })
            add(Table.Column(mark(.phase("generalization"), "gen"), width: 6, alignRight: true), table.rows.map { $0.generalized.map(String.init) ?? "-" })
        }
        // An empty last column takes the width left, so the real ones keep theirs.
        columns.append(Table.Column("", width: 0))
        self.columns = columns
        self.cells = cells
    }

    /// A config value as the table shows it: numbers short, strings bare.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .number(let x): NumberFormat.short(x)
        case .string(let s): s
        default: value.jsonText
        }
    }
}
