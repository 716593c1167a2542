import JSONCore
import Telemetry

/// What the runs panel sorts by.
public enum RunSortKey: Sendable, Equatable {
    /// Arrival order, children under their parent (a tree).
    case order
    case name, status, step
    case config(String)
    case latest, best
    case phase(String)

    public var title: String {
        switch self {
        case .order: "order"
        case .name: "run"
        case .status: "status"
        case .step: "step"
        case .config(let key): key
        case .latest: "latest"
        case .best: "best"
        case .phase(let name): name
        }
    }
}

/// The runs panel's settings: sort column and direction, the metric it shows, metric goals.
public struct RunTableSettings: Sendable, Equatable {
    public var sort = RunSortKey.order
    public var descending = false
    /// The metric whose latest and best values the table shows; nil picks one (`defaultMetric`).
    public var metric: String?
    /// Goals the user flipped (`b`), by metric; others follow `MetricGoal.guess`.
    public var goals: [String: MetricGoal] = [:]
    /// The sweep panel's y is each run's last value of the metric rather than its best (a width
    /// sweep through double descent peaks in its final losses; the best over training hides it).
    public var sweepLast = false

    public init() {}
}

/// One row of the runs panel.
public struct RunRow: Sendable, Equatable {
    public var id: String
    /// Depth in the fork/undo tree (indentation), 0 when the table is sorted by a column.
    public var depth: Int
    public var shortName: String
    public var status: RunStatus
    public var step: Int
    /// Values of the table's differing config keys, in `RunTable.configKeys` order (nil: not set).
    public var config: [JSONValue?]
    public var latest: Double?
    public var best: Double?
    /// Steps of the memorization and generalization phases, when reached.
    public var memorized: Int?
    public var generalized: Int?
    public var isHidden: Bool
    /// Where the run comes from (a file or folder a source names), and its parent run.
    public var source: String?
    public var parent: String?
    /// For a group's header row (grouping on): the group's id and its member count.
    public var group: String?
    public var members = 0
}

/// The runs panel's content: the rows of the runs the query selects, and the columns they need.
public struct RunTable: Sendable, Equatable {
    /// Config keys whose values differ between the listed runs.
    public var configKeys: [String]
    public var metric: String?
    public var goal: MetricGoal
    public var rows: [RunRow]
    /// True when some run reached a grokking phase (the table then has phase columns).
    public var hasPhases: Bool

    /// True when the rows come from more than one source (the table then has a source column).
    public var hasSources: Bool { Set(rows.compactMap(\.source)).count > 1 }

    /// The columns the table can be sorted by, left to right.
    public var sortKeys: [RunSortKey] {
        var keys: [RunSortKey] = [.order, .name, .status, .step] + configKeys.map(RunSortKey.config)
        if metric != nil { keys += [.latest, .best] }
        if hasPhases { keys += [.phase("memorization"), .phase("generalization")] }
        return keys
    }
}

extension DashboardState {
    /// Whether run `id` is drawn: not discarded, not hidden (or the isolated one), and selected by
    /// the run query when there is one.
    public func isShown(_ id: String) -> Bool {
        if endedRuns.contains(id) { return false }
        if let isolated = isolatedRun { return id == isolated }
        return !hiddenRuns.contains(id) && (runQuery == nil || queryMatches.contains(id))
    }

    /// The runs the charts draw, in run order.
    public var shownRunIDs: [String] { runOrder.filter(isShown) }

    /// The runs the runs panel lists: every run the query selects (hidden ones too, to show again).
    public var listedRunIDs: [String] {
        runOrder.filter { !endedRuns.contains($0) && (runQuery == nil || queryMatches.contains($0)) }
    }

    /// Sets the run query (nil clears it) and evaluates it.
    public mutating func setRunQuery(_ query: RunQuery?) {
        runQuery = query
        refreshQueryMatches()
    }

    /// Re-evaluates the run query against the runs' current values (metrics move, runs arrive).
    public mutating func refreshQueryMatches() {
        queryMatches = runQuery.map { Set($0.matchingRuns(in: self)) } ?? []
        queryCheckedAt = now
    }

    /// Re-evaluates the run query for one run (announced or changed), leaving the others as they are.
    public mutating func refreshQueryMatch(of id: String) {
        guard let query = runQuery, let run = runs[id] else { return }
        if query.predicate()(run, self) { queryMatches.insert(id) } else { queryMatches.remove(id) }
    }

    /// The metric the runs panel shows: the user's, else a test or validation accuracy or loss, else
    /// any loss, else the first metric.
    public var tableMetric: String? {
        let names = metricNames
        if let chosen = runTable.metric, names.contains(chosen) { return chosen }
        let sorted = names.sorted()
        for preferred in ["test/acc", "val/acc", "eval/accuracy", "test/loss", "val/loss", "eval/loss"] where names.contains(preferred) {
            return preferred
        }
        return sorted.first { $0.hasSuffix("loss") } ?? sorted.first
    }

    /// The config keys whose values are not the same in every one of `ids` (a key some lack counts).
    public func differingConfigKeys(_ ids: [String]) -> [String] {
        guard ids.count > 1 else { return [] }
        // Per key: its first value, how many runs have it, and whether another value was seen.
        var order: [String] = []
        var seen: [String: (first: JSONValue, count: Int, differs: Bool)] = [:]
        for id in ids {
            for entry in runs[id]!.flatConfig {
                if let s = seen[entry.key] {
                    seen[entry.key] = (s.first, s.count + 1, s.differs || s.first != entry.value)
                } else {
                    order.append(entry.key)
                    seen[entry.key] = (entry.value, 1, false)
                }
            }
        }
        return order.filter { seen[$0]!.differs || seen[$0]!.count < ids.count }
    }

    /// The runs panel's rows and columns for the current settings.
    public var runTableContent: RunTable {
        let ids = listedRunIDs
        let keys = differingConfigKeys(ids)
        let metric = tableMetric
        let goal = metric.map(goal(of:)) ?? .minimize
        let names = RunNames.shortened(ids)
        let depths = runTable.sort == .order ? treeOrder(ids) : ids.map { ($0, 0) }
        let main = currentRunID
        var rows = depths.map { id, depth -> RunRow in
            let run = runs[id]!
            return RunRow(id: id, depth: depth, shortName: names[id] ?? id, status: status(of: id, main: main), step: run.latestStep,
                          config: keys.map { run.configValue($0) }, latest: metric.flatMap(run.latestValue(of:)),
                          best: metric.flatMap { run.bestValue(of: $0, goal: goal) }, memorized: run.phaseStep("memorization"),
                          generalized: run.phaseStep("generalization"), isHidden: !isShown(id),
                          source: run.extra["source"]?.string, parent: run.parent.map { names[$0] ?? $0 })
        }
        let hasPhases = rows.contains { $0.memorized != nil || $0.generalized != nil }
        if runTable.sort != .order { rows = sorted(rows, by: runTable.sort, keys: keys) }
        if runTable.descending { rows.reverse() }
        if let grouping { rows = groupedRows(rows, grouping, keys: keys) }
        return RunTable(configKeys: keys, metric: metric, goal: goal, rows: rows, hasPhases: hasPhases)
    }

    /// The id of a group's header row in the runs panel (and in `selectedRun` when it is selected).
    public static func groupRowID(_ group: String) -> String { "\u{1E}group:" + group }

    /// Rows under their groups' header rows (in order of the groups' first rows): a header carries
    /// the members' mean latest and best values and the config they share; a collapsed group hides
    /// its members' rows.
    private func groupedRows(_ rows: [RunRow], _ grouping: RunGrouping, keys: [String]) -> [RunRow] {
        let groups = Self.groups(of: rows.map(\.id), except: grouping.except, in: self)
        let groupOf = Dictionary(groups.flatMap { g in g.members.map { ($0, g) } }, uniquingKeysWith: { a, _ in a })
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [RunRow] = []
        var done = Set<String>()
        func mean(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        for row in rows {
            guard let group = groupOf[row.id], done.insert(group.id).inserted else { continue }
            let members = group.members.compactMap { byID[$0] }
            let collapsed = grouping.collapsed.contains(group.id)
            out.append(RunRow(id: Self.groupRowID(group.id), depth: 0, shortName: (collapsed ? "▸ " : "▾ ") + group.name,
                              status: members.first!.status, step: members.map(\.step).max() ?? 0,
                              config: keys.indices.map { k in keys[k] == grouping.except ? nil : members.first!.config[k] },
                              latest: mean(members.map(\.latest)), best: mean(members.map(\.best)),
                              memorized: nil, generalized: nil, isHidden: members.allSatisfy(\.isHidden),
                              group: group.id, members: members.count))
            if !collapsed { out += members.map { var m = $0; m.depth = 1; return m } }
        }
        return out
    }

    /// `ids` as a forest: each run after its parent (when listed), indented one level per ancestor.
    private func treeOrder(_ ids: [String]) -> [(String, Int)] {
        let listed = Set(ids)
        var children: [String: [String]] = [:]
        var roots: [String] = []
        for id in ids {
            if let parent = runs[id]!.parent, listed.contains(parent), parent != id { children[parent, default: []].append(id) } else { roots.append(id) }
        }
        var out: [(String, Int)] = []
        var visited = Set<String>()
        func visit(_ id: String, _ depth: Int) {
            guard visited.insert(id).inserted else { return }
            out.append((id, depth))
            for child in children[id] ?? [] { visit(child, depth + 1) }
        }
        for root in roots { visit(root, 0) }
        // A parent cycle leaves runs unvisited; they are listed at the top level.
        for id in ids where !visited.contains(id) { visit(id, 0) }
        return out
    }

    /// Rows sorted ascending by `key`; rows without a value go last, ties keep run order.
    private func sorted(_ rows: [RunRow], by key: RunSortKey, keys: [String]) -> [RunRow] {
        enum Value: Comparable { case number(Double), text(String) }
        func value(_ row: RunRow) -> Value? {
            switch key {
            case .order: return nil
            case .name: return .text(row.shortName)
            case .status: return .text(row.status.rawValue)
            case .step: return .number(Double(row.step))
            case .config(let k):
                guard let i = keys.firstIndex(of: k), let v = row.config[i] else { return nil }
                if case .number(let x) = v { return .number(x) }
                return .text(v.string ?? v.jsonText)
            case .latest: return row.latest.map(Value.number)
            case .best: return row.best.map(Value.number)
            case .phase(let name): return (name == "memorization" ? row.memorized : row.generalized).map { .number(Double($0)) }
            }
        }
        let keyed = rows.enumerated().map { ($0.offset, value($0.element), $0.element) }
        return keyed.sorted { a, b in
            switch (a.1, b.1) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.0 < b.0
            }
        }.map(\.2)
    }
}

/// Short run names for legends and the runs panel.
public enum RunNames {
    /// Each id without the prefix and suffix that all of `ids` share, cut at a separator
    /// (`-`, `_`, `/`, `.`, `:`, space) so no word is split: `sweep-07-lr0.003-wd0` → `07-lr0.003-wd0`.
    /// One id, or ids that would become empty, keep their full names.
    public static func shortened(_ ids: [String]) -> [String: String] {
        guard ids.count > 1 else { return Dictionary(ids.map { ($0, $0) }, uniquingKeysWith: { a, _ in a }) }
        // On UTF-8 bytes: every separator is ASCII, so a cut next to one never splits a character.
        let separators: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: " ")]
        let names = ids.map { Array($0.utf8) }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        // A separator at `i` of `name`; a decimal point (`0.003`) is part of its number.
        func separates(_ name: [UInt8], _ i: Int) -> Bool {
            guard separators.contains(name[i]) else { return false }
            return !(name[i] == UInt8(ascii: ".") && i > 0 && i + 1 < name.count && isDigit(name[i - 1]) && isDigit(name[i + 1]))
        }
        // A cut at `n` bytes from the start (or the end) is on a word boundary in every name:
        // the name ends there or a separator is on either side of it.
        func boundary(_ n: Int, fromEnd: Bool) -> Bool {
            names.allSatisfy { name in
                let i = fromEnd ? name.count - n : n
                return i <= 0 || i >= name.count || separates(name, i - 1) || separates(name, i)
            }
        }
        let shortest = names.map(\.count).min()!
        var prefix = 0
        while prefix < shortest, names.allSatisfy({ $0[prefix] == names[0][prefix] }) { prefix += 1 }
        while prefix > 0, !boundary(prefix, fromEnd: false) { prefix -= 1 }
        var suffix = 0
        while suffix < shortest, names.allSatisfy({ $0[$0.count - 1 - suffix] == names[0][names[0].count - 1 - suffix] }) { suffix += 1 }
        while suffix > 0, !boundary(suffix, fromEnd: true) { suffix -= 1 }
        var out: [String: String] = [:]
        out.reserveCapacity(ids.count)
        for (id, name) in zip(ids, names) {
            var start = prefix, end = Swift.max(prefix, name.count - suffix)
            while start < end, separators.contains(name[start]) { start += 1 }
            while end > start, separators.contains(name[end - 1]) { end -= 1 }
            out[id] = start < end ? String(decoding: name[start..<end], as: UTF8.self) : id
        }
        return out
    }
}
