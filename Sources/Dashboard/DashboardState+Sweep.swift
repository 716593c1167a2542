import JSONCore
import TerminalUI

/// One run-level quantity over the shown runs, for the sweep panel: a config key's value or a
/// metric's best value, placed on an axis.
public struct SweepAxis: Sendable, Equatable {
    public var title: String
    /// Per run id: the value, or for text values the index of its category.
    public var values: [String: Double]
    /// The text values in order (positions are their indices), when the key's values are text.
    public var categories: [String]?
    /// Log when every value is positive and they span two decades or more.
    public var scale: AxisScale
    public var range: ClosedRange<Double>

    /// A position as the axis labels it: the number, or the category's name.
    public func label(_ position: Double) -> String {
        guard let categories else { return NumberFormat.short(position) }
        let i = Int(position.rounded())
        return categories.indices.contains(i) ? categories[i] : ""
    }

    /// Where a value sits along the axis, 0 at the low end and 1 at the high end.
    public func fraction(_ value: Double) -> Double? { AxisMapping(scale: scale, range: range).fraction(value) }

    init?(title: String, values raw: [String: JSONValue]) {
        self.title = title
        let numbers = raw.compactMapValues { $0.number }.filter { $0.value.isFinite }
        if numbers.count == raw.count, !numbers.isEmpty {
            values = numbers
            categories = nil
        } else {
            let texts = raw.mapValues { $0.string ?? $0.jsonText }
            // Choices named by numbers (`bits`: "1.58", "32") sort as numbers.
            let names = Set(texts.values).sorted { a, b in
                if let x = Double(a), let y = Double(b) { return x < y }
                return a < b
            }
            guard !names.isEmpty else { return nil }
            values = texts.mapValues { Double(names.firstIndex(of: $0)!) }
            categories = names
        }
        let low = values.values.min()!, high = values.values.max()!
        scale = categories == nil && low > 0 && high / low >= 100 ? .log : .linear
        if high > low {
            range = low...high
        } else {
            let pad = scale == .log ? low / 2 : Swift.max(abs(low) * 0.5, 0.5)
            range = (low - pad)...(high + pad)
        }
    }
}

extension DashboardState {
    /// The config key on the sweep panel's x axis: the user's (`x` in the runs panel) while it
    /// still differs between the shown runs, else the numeric key with the most distinct values
    /// (`seed` only when nothing else differs), else the first differing key.
    public var sweepXKey: String? {
        let shown = shownRunIDs
        let keys = sweepKeys
        if let chosen = sweepX, keys.contains(chosen) { return chosen }
        // Per key: its distinct numbers over the shown runs, nil when some run's value is not a number.
        var numbers: [String: Set<Double>] = Dictionary(uniqueKeysWithValues: keys.map { ($0, []) })
        for id in shown {
            let run = runs[id]!
            for key in keys where numbers[key] != nil {
                if let x = run.configValue(key)?.number { numbers[key]!.insert(x) } else { numbers[key] = nil }
            }
        }
        let numeric = keys.filter { numbers[$0] != nil }
        func distinct(_ key: String) -> Int { numbers[key]?.count ?? 0 }
        // Ranked by (not seed, distinct values); the first of equals wins.
        func rank(_ key: String, _ index: Int) -> (Int, Int, Int) { (key == "seed" ? 0 : 1, distinct(key), -index) }
        return numeric.enumerated().max { rank($0.element, $0.offset) < rank($1.element, $1.offset) }?.element ?? keys.first
    }

    /// The config keys that differ between the shown runs, `seed` last: the sweep panel's axes.
    public var sweepKeys: [String] {
        let keys = differingConfigKeys(shownRunIDs)
        return keys.filter { $0 != "seed" } + keys.filter { $0 == "seed" }
    }

    /// A config key over the shown runs that have it.
    public func sweepAxis(config key: String) -> SweepAxis? {
        var values: [String: JSONValue] = [:]
        for id in shownRunIDs { if let v = runs[id]!.configValue(key) { values[id] = v } }
        return SweepAxis(title: key, values: values)
    }

    /// The runs table's metric at its best (`max test/acc`) over the shown runs that logged it.
    public var sweepMetricAxis: SweepAxis? {
        guard let metric = tableMetric else { return nil }
        let goal = goal(of: metric), last = runTable.sweepLast
        var values: [String: JSONValue] = [:]
        for id in shownRunIDs {
            let run = runs[id]!
            if let value = last ? run.latestValue(of: metric) : run.bestValue(of: metric, goal: goal) { values[id] = .number(value) }
        }
        return SweepAxis(title: "\(last ? "last" : goal.rawValue) \(metric)", values: values)
    }

    /// Whether the sweep panel has something to show: three runs or more that differ in their
    /// config and share a metric.
    var hasSweep: Bool {
        let shown = shownRunIDs
        guard shown.count >= 3, let first = runs[shown[0]]?.config else { return false }
        return shown.contains { runs[$0]!.config != first } && tableMetric != nil
    }
}
