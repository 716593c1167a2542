import JSONCore

/// Runs grouped by their config without one key (`seed` by default): repeated trials of one
/// setting become one group, drawn as its mean line over a band.
public struct RunGrouping: Sendable, Equatable {
    /// What a group's band spans at each step.
    public enum Band: String, Sendable, Equatable {
        /// The lowest to the highest member.
        case minMax = "min–max"
        /// One standard deviation of the members around their mean.
        case std = "±1 std"

        public var other: Band { self == .minMax ? .std : .minMax }
    }

    /// The config key left out of the group key: runs that differ only in it form a group.
    public var except: String
    public var band = Band.minMax
    /// Groups folded in the runs panel (their members' rows hidden).
    public var collapsed: Set<String> = []

    public init(except: String) { self.except = except }
}

/// One group of runs: the members, in run order, and what their configs share.
public struct RunGroup: Sendable, Equatable {
    /// The group key (the values of the differing config keys other than the excepted one).
    public var id: String
    /// `hidden=64 lr=0.001`: the shared values of the keys that tell groups apart.
    public var name: String
    public var members: [String]
}

extension DashboardState {
    /// The groups of the shown runs under `grouping` (nil when grouping is off): runs with equal
    /// values for every differing config key except `grouping.except`, in order of first member.
    /// Runs without a single value yet (a study's own run, a member not started) are in no group.
    public var runGroups: [RunGroup]? {
        guard let grouping else { return nil }
        return Self.groups(of: shownRunIDs.filter { runs[$0]!.pointCount > 0 }, except: grouping.except, in: self)
    }

    static func groups(of ids: [String], except: String, in state: DashboardState) -> [RunGroup] {
        let keys = state.differingConfigKeys(ids).filter { $0 != except }
        var order: [String] = []
        var members: [String: [String]] = [:]
        var names: [String: String] = [:]
        for id in ids {
            let run = state.runs[id]!
            let values = keys.map { key in run.configValue(key).map(RunGrouping.text) ?? "-" }
            let groupID = values.joined(separator: "\u{1F}")
            if members[groupID] == nil {
                order.append(groupID)
                names[groupID] = keys.isEmpty ? "all runs" : zip(keys, values).map { "\($0)=\($1)" }.joined(separator: " ")
            }
            members[groupID, default: []].append(id)
        }
        return order.map { RunGroup(id: $0, name: names[$0]!, members: members[$0]!) }
    }

    /// The key `g` groups by everything except: the runs panel's sort column when it is a config
    /// key, else `seed` when runs differ in it, else the first differing key.
    public var defaultGroupingKey: String? {
        if case .config(let key) = runTable.sort { return key }
        let keys = differingConfigKeys(shownRunIDs)
        return keys.contains("seed") ? "seed" : keys.first
    }
}

extension RunGrouping {
    /// A config value in a group name: numbers short, strings bare.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .number(let x): JSONValue.number(x).jsonText
        case .string(let s): s
        default: value.jsonText
        }
    }

    /// A group's line at one dot column from its members' values there: the mean, and the band.
    public func aggregate(_ values: [Double]) -> (mean: Double, band: ClosedRange<Double>)? {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        let mean = finite.reduce(0, +) / Double(finite.count)
        switch band {
        case .minMax: return (mean, finite.min()!...finite.max()!)
        case .std:
            let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count)
            let sd = variance.squareRoot()
            return (mean, (mean - sd)...(mean + sd))
        }
    }
}
