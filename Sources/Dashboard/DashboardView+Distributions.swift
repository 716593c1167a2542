import TerminalUI

extension DashboardView {
    /// One histogram tag of the current run: its distribution bands over steps, the latest
    /// histogram as bars, and a heat map of density over value × step. j/k choose the tag.
    func distributionsPanel(_ state: DashboardState, _ inner: Rect, _ buffer: inout Buffer) {
        guard let run = state.currentRun, let (name, index) = state.shownHistogram.map({ ($0.name, $0.index) }),
              let history = run.histograms[name], let latest = history.entries.last else {
            buffer.write("no histograms yet (histogram_every)", x: inner.x + 1, y: inner.y, style: theme.dimText, maxWidth: inner.width - 2)
            return
        }
        let names = run.distributionNames
        var badge = "\(name) · \(index + 1) of \(names.count) (j/k) · \(history.entries.count) step\(history.entries.count == 1 ? "" : "s")"
        if history.isThinned { badge += " · thinned: \(history.entries.count) of \(history.received) kept" }
        buffer.write(badge, x: inner.x + 1, y: inner.y, style: theme.dimText, maxWidth: inner.width - 2)
        let areas = Self.chartOverTwo(under: inner, lower: true)
        bandsChart(history, areas.chart, &buffer)
        guard let (left, right) = areas.lower else { return }
        latestBars(latest, left, &buffer)
        densityMap(history, right, &buffer)
    }

    /// The nine bands over steps as nested filled ranges (min–max faintest), the median on top.
    private func bandsChart(_ history: HistogramHistory, _ area: Rect, _ buffer: inout Buffer) {
        let chartArea = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let dotColumns = LineChart.dotColumns(in: chartArea)
        let entries = history.entries
        guard dotColumns >= 4, let first = entries.first, let last = entries.last else { return }
        let low = entries.map { $0.bands[0] }.filter(\.isFinite).min(), high = entries.map { $0.bands[8] }.filter(\.isFinite).max()
        guard let low, let high else { return }
        // Each dot column shows the newest histogram at or before its step (a step function, as
        // histograms are sparse), and nothing before the first one.
        let span = Double(Swift.max(last.step - first.step, 1))
        var shown: [Int?] = Array(repeating: nil, count: dotColumns)
        var next = 0
        for column in 0..<dotColumns {
            let step = Double(first.step) + span * Double(column) / Double(dotColumns - 1)
            while next < entries.count && Double(entries[next].step) <= step + 1e-9 { next += 1 }
            shown[column] = next > 0 ? next - 1 : nil
        }
        func band(_ lowerIndex: Int, _ upperIndex: Int) -> [ClosedRange<Double>?] {
            shown.map { i in
                guard let i else { return nil }
                let (a, b) = (entries[i].bands[lowerIndex], entries[i].bands[upperIndex])
                return a.isFinite && b.isFinite ? Swift.min(a, b)...Swift.max(a, b) : nil
            }
        }
        let colour = lineStyle(0)
        let pairs = [(0, 8, "min–max"), (1, 7, "7–93%"), (2, 6, "16–84%"), (3, 5, "31–69%")]
        var lines = pairs.enumerated().map { i, pair in
            PlottedLine(label: pair.2, style: i < 2 ? faint(colour) : colour, columns: band(pair.0, pair.1), value: nil,
                        points: 0, shownColumns: 0, isFaint: true)
        }
        var median = lineStyle(1)
        median.bold = true
        lines.append(PlottedLine(label: "median", style: median, columns: band(4, 4), value: last.bands[4], points: 0, shownColumns: 0))
        let range = Self.widened(low, high)
        drawChart(title: "distribution · \(NumberFormat.short(last.bands[0]))…\(NumberFormat.short(last.bands[8]))", selected: false,
                  lines: lines, yScale: .linear, yRange: range, xLabels: ("step \(first.step)", "step \(last.step)"), references: [],
                  markers: [], cursor: nil, cursorNote: nil, area: area, &buffer)
    }

    /// The newest histogram as bars over its own value range.
    private func latestBars(_ entry: HistogramHistory.Entry, _ area: Rect, _ buffer: inout Buffer) {
        guard let low = entry.edges.first, let high = entry.edges.last, area.width >= 6, area.height >= 3 else { return }
        let total = entry.counts.reduce(0, +)
        buffer.write(" latest @ \(entry.step) · n \(NumberFormat.short(total))", x: area.x, y: area.y, style: theme.title, maxWidth: area.width)
        let bars = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 2)
        let range = Self.widened(low, high)
        Histogram(values: Self.rebin(entry, over: range, count: bars.width), style: lineStyle(0)).render(into: &buffer, area: bars)
        let right = NumberFormat.short(range.upperBound)
        buffer.write(NumberFormat.short(range.lowerBound), x: bars.x, y: bars.y + bars.height, style: theme.axis)
        buffer.write(right, x: bars.x + bars.width - right.count, y: bars.y + bars.height, style: theme.axis, maxWidth: bars.width)
    }

    /// Density over value (rows, low at the bottom) × step (columns), each column scaled to its peak.
    func densityMap(_ history: HistogramHistory, _ area: Rect, _ buffer: inout Buffer, valueName: String = "value") {
        let entries = history.entries
        guard area.width >= 10, area.height >= 4 else { return }
        let low = entries.compactMap(\.edges.first).min()!, high = entries.compactMap(\.edges.last).max()!
        buffer.write(" density · \(valueName) \(NumberFormat.short(low))…\(NumberFormat.short(high)) ↑ · step →", x: area.x, y: area.y,
                     style: theme.title, maxWidth: area.width)
        let map = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 2)
        let range = Self.widened(low, high)
        let firstStep = Double(entries[0].step), lastStep = Double(entries[entries.count - 1].step)
        var columns: [[Double?]] = []
        for c in 0..<map.width {
            // The entry whose step is nearest the column's centre.
            let step = firstStep + (lastStep - firstStep) * (Double(c) + 0.5) / Double(map.width)
            let entry = entries.min { abs(Double($0.step) - step) < abs(Double($1.step) - step) }!
            let counts = Self.rebin(entry, over: range, count: 2 * map.height)
            let peak = counts.max() ?? 0
            columns.append(counts.map { peak > 0 && $0 > 0 ? $0 / peak : nil })
        }
        Heatmap(columns: columns, ramp: theme.heatmap).render(into: &buffer, area: map)
    }

    /// `low...high`, or a unit interval around a single value (a layer whose weights are all equal).
    static func widened(_ low: Double, _ high: Double) -> ClosedRange<Double> { high > low ? low...high : (low - 0.5)...(high + 0.5) }

    /// A histogram's counts in `count` equal bins over `range`, each bucket's count spread evenly
    /// over its width (a bucket of zero width, all values equal, lands in the bin holding it).
    static func rebin(_ entry: HistogramHistory.Entry, over range: ClosedRange<Double>, count: Int) -> [Double] {
        guard count > 0 else { return [] }
        var bins = [Double](repeating: 0, count: count)
        let width = (range.upperBound - range.lowerBound) / Double(count)
        guard width > 0 else { return bins }
        func bin(_ x: Double) -> Int { Swift.min(count - 1, Swift.max(0, Int((x - range.lowerBound) / width))) }
        for (i, c) in entry.counts.enumerated() where c > 0 && c.isFinite {
            let (a, b) = (entry.edges[i], entry.edges[i + 1])
            guard a.isFinite, b.isFinite else { continue }
            if b <= a {
                bins[bin(a)] += c
                continue
            }
            for j in bin(a)...bin(b) {
                let lo = range.lowerBound + Double(j) * width, hi = lo + width
                let overlap = Swift.min(b, hi) - Swift.max(a, lo)
                if overlap > 0 { bins[j] += c * overlap / (b - a) }
            }
        }
        return bins
    }
}
