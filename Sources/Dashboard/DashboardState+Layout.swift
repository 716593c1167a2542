import Telemetry
import TerminalUI

/// A chart of the curves panel: the series that share a y axis (`train/loss` and `test/loss`).
public struct CurveGroup: Sendable, Equatable {
    public var name: String
    /// Metric names in the group, in a stable order.
    public var metrics: [String]
}

extension DashboardState {
    /// The histogram tag of a modular-arithmetic run's embedding spectrum over frequencies (PROTOCOL.md).
    public static let fourierSpectrumName = "fourier/embedding"

    /// The panels that have something to show for the current run, in display order (which is
    /// also their priority when the grid cannot show them all). Curves and events always; the
    /// others once their data arrives.
    public var availablePanels: [PanelKind] {
        guard let run = currentRun else { return [.curves, .events] }
        var panels: [PanelKind] = [.curves]
        if runOrder.count - endedRuns.count > 1 { panels.append(.runs) }
        if hasSweep { panels.append(.sweep) }
        if run.firstMetric(of: PhaseDetector.testAccuracyNames) != nil || !run.phases.filter({ $0.name == "memorization" || $0.name == "generalization" }).isEmpty {
            panels.append(.grokking)
        }
        if !run.eigenvalues.isEmpty { panels.append(.hessian) }
        if shownParetoRun != nil { panels.append(.pareto) }
        // Before the distributions: where the grid has no room for both, the knobs stay on screen.
        if !run.knobs.isEmpty { panels.append(.knobs) }
        if run.histograms[Self.fourierSpectrumName] != nil { panels.append(.fourier) }
        if !run.distributionNames.isEmpty { panels.append(.distributions) }
        panels.append(.events)
        return panels
    }

    /// The chart groups of the curves panel: metrics matching the filter, grouped by what they
    /// measure (every `…loss`, every `…acc`, else the first path component). A group is split where
    /// its metrics' magnitudes differ by more than 100× (a `total_flos` never flattens a learning
    /// rate), and into one chart per metric while several runs are drawn (so a legend names runs)
    /// or when `curves.split` says so.
    public var curveGroups: [CurveGroup] {
        let names = metricNames
        let pattern = curves.filter.flatMap { try? Regex($0) }
        var groups: [String: [String]] = [:]
        // Training data first, then validation and test, so a metric's colour is the same in every panel.
        func rank(_ name: String) -> Int { ["train", "val", "valid", "test"].firstIndex { name.hasPrefix($0 + "/") } ?? 4 }
        for name in names.sorted(by: { rank($0) != rank($1) ? rank($0) < rank($1) : $0 < $1 }) {
            if let pattern, (try? pattern.firstMatch(in: name)) == nil { continue }
            groups[Self.groupName(of: name), default: []].append(name)
        }
        let order = ["loss", "acc"]
        let shown = shownRunIDs
        let manyRuns = Set(shown.map { runs[$0]!.slot }).count > 1
        let perMetric = curves.split == .perMetric || (curves.split == .auto && manyRuns)
        // The largest magnitude of each metric over the shown runs.
        func magnitude(_ metric: String) -> Double? {
            shown.compactMap { runs[$0]!.series[metric]?.raw.yExtremes }.map { Swift.max(abs($0.lowerBound), abs($0.upperBound)) }.max()
        }
        return groups.keys.sorted { a, b in
            let (ia, ib) = (order.firstIndex(of: a) ?? order.count, order.firstIndex(of: b) ?? order.count)
            return ia != ib ? ia < ib : a < b
        }.flatMap { name -> [CurveGroup] in
            let metrics = groups[name]!
            guard metrics.count > 1 else { return [CurveGroup(name: name, metrics: metrics)] }
            if perMetric { return metrics.map { CurveGroup(name: $0, metrics: [$0]) } }
            // Metrics go into the first part whose magnitudes stay within 100× of theirs.
            var parts: [(metrics: [String], low: Double, high: Double)] = []
            for metric in metrics {
                let m = Swift.max(magnitude(metric) ?? 0, 1e-300)
                if let i = parts.firstIndex(where: { Swift.max($0.high, m) / Swift.min($0.low, m) <= 100 }) {
                    parts[i].metrics.append(metric)
                    parts[i].low = Swift.min(parts[i].low, m)
                    parts[i].high = Swift.max(parts[i].high, m)
                } else {
                    parts.append(([metric], m, m))
                }
            }
            return parts.map { CurveGroup(name: parts.count == 1 || $0.metrics.count > 1 ? name : $0.metrics[0], metrics: $0.metrics) }
        }
    }

    /// The chart group of a metric: every `…loss`, every `…acc`, else its first path component
    /// (its section, case-insensitive, as TensorBoard groups tags).
    static func groupName(of metric: String) -> String {
        let last = (metric.split(separator: "/").last.map(String.init) ?? metric).lowercased()
        if last.contains("loss") { return "loss" }
        if last.hasPrefix("acc") { return "acc" }
        return (metric.split(separator: "/").first.map(String.init) ?? metric).lowercased()
    }

    /// The y scale of a chart group: the user's choice, else log for losses and linear otherwise.
    public func yScale(ofGroup name: String) -> AxisScale {
        curves.yScales[name] ?? (Self.groupName(of: name) == "loss" ? .log : .linear)
    }

    /// Where each shown panel goes on screen (below the status bar). Pure, so `update` and the view agree.
    public func panelRects() -> [(panel: PanelKind, rect: Rect)] {
        let body = Rect(x: 0, y: 1, width: width, height: Swift.max(0, height - 1))
        let available = availablePanels
        if isZoomed || layout == .single { return [(focus, body)] }
        if layout == .pair {
            let other = focus != .curves ? focus : (available.contains(companion) ? companion : .events)
            let (a, b) = width >= 100 ? body.splitColumns(at: body.width * 3 / 5) : body.splitRows(at: body.height * 3 / 5)
            return [(.curves, a), (other, b)]
        }
        return Self.grid(available, in: body)
    }

    /// The grid layout: curves large (left on wide screens, top on narrow ones), the other panels
    /// sharing the rest; panels that would be smaller than 24×7 are left out (Tab or `v` reaches them).
    static func grid(_ panels: [PanelKind], in body: Rect) -> [(panel: PanelKind, rect: Rect)] {
        let others = panels.filter { $0 != .curves }
        guard !others.isEmpty else { return [(.curves, body)] }
        let wide = body.width >= 100
        let (main, rest) = wide ? body.splitColumns(at: body.width * (others.count >= 4 ? 45 : 55) / 100)
                                : body.splitRows(at: body.height * 11 / 20)
        // As many columns as fit at ≥ 40 wide, then as many rows as fit at ≥ 7 high.
        let columns = Swift.max(1, Swift.min(rest.width / 40, wide ? 2 : 3))
        let maxRows = Swift.max(1, rest.height / 7)
        let shown = Array(others.prefix(columns * maxRows))
        // The events panel stays (it carries errors) when others are dropped.
        let kept = others.count > shown.count && others.contains(.events) ? Array(shown.dropLast()) + [.events] : shown
        let usedColumns = Swift.min(columns, kept.count)
        let rows = (kept.count + usedColumns - 1) / usedColumns
        var out: [(PanelKind, Rect)] = [(.curves, main)]
        for (i, panel) in kept.enumerated() {
            let row = i / usedColumns, column = i % usedColumns
            // The last row's panels share its whole width.
            let inRow = row == rows - 1 ? kept.count - row * usedColumns : usedColumns
            let x0 = rest.x + rest.width * column / inRow, x1 = rest.x + rest.width * (column + 1) / inRow
            let y0 = rest.y + rest.height * row / rows, y1 = rest.y + rest.height * (row + 1) / rows
            out.append((panel, Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)))
        }
        return out
    }

    /// The panels Tab cycles through: the ones on screen in the grid, all available ones otherwise.
    public var focusablePanels: [PanelKind] {
        layout == .grid && !isZoomed ? panelRects().map(\.panel) : availablePanels
    }
}

extension Rect {
    /// The rectangle cut into a left part `width` wide and the rest.
    func splitColumns(at width: Int) -> (Rect, Rect) {
        (Rect(x: x, y: y, width: width, height: height), Rect(x: x + width, y: y, width: self.width - width, height: height))
    }

    /// The rectangle cut into a top part `height` high and the rest.
    func splitRows(at height: Int) -> (Rect, Rect) {
        (Rect(x: x, y: y, width: width, height: height), Rect(x: x, y: y + height, width: width, height: self.height - height))
    }
}
