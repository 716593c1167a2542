import JSONCore

/// Whether a metric is better low (losses, errors) or high (accuracies, scores).
public enum MetricGoal: String, Sendable, Equatable {
    case minimize = "min", maximize = "max"

    /// The usual goal of a metric by its name: higher is better for accuracies and scores.
    public static func guess(for metric: String) -> MetricGoal {
        let last = (metric.split(separator: "/").last.map(String.init) ?? metric).lowercased()
        let higher = ["acc", "f1", "auc", "precision", "recall", "bleu", "rouge", "reward", "score", "sparsity"]
        return higher.contains { last.contains($0) } ? .maximize : .minimize
    }

    public var other: MetricGoal { self == .minimize ? .maximize : .minimize }
}

/// One config key of a run, dotted when nested (`model.width`), and its value.
public struct ConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: JSONValue
}

/// What a run is doing, as the runs panel and the JSON export say it.
public enum RunStatus: String, Sendable, Equatable, CaseIterable {
    case live, paused, done, diverged, stopped, idle

    /// The glyph and word of the runs panel (`● live`).
    public var label: String {
        switch self {
        case .live: "● live"
        case .paused: "⏸ paused"
        case .done: "■ done"
        case .diverged: "✗ diverged"
        case .stopped: "■ stopped"
        case .idle: "○ idle"
        }
    }
}

extension RunState {
    /// A config as dotted keys in order, and by key.
    static func flatten(_ config: JSONObject) -> ([ConfigEntry], [String: JSONValue]) {
        var out: [ConfigEntry] = []
        func walk(_ object: JSONObject, _ prefix: String) {
            for (key, value) in object {
                if case .object(let inner) = value, !inner.isEmpty {
                    walk(inner, prefix + key + ".")
                } else {
                    out.append(ConfigEntry(key: prefix + key, value: value))
                }
            }
        }
        walk(config, "")
        return (out, Dictionary(out.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The value of one dotted config key (or of a top-level key holding an object).
    public func configValue(_ key: String) -> JSONValue? { flatConfigValues[key] ?? config[key] }

    /// The metric's newest value.
    public func latestValue(of metric: String) -> Double? { series[metric]?.raw.last?.y }

    /// The metric's best finite value so far (lowest or highest by `goal`).
    public func bestValue(of metric: String, goal: MetricGoal) -> Double? {
        series[metric]?.raw.yExtremes.map { goal == .minimize ? $0.lowerBound : $0.upperBound }
    }


    /// The step of a phase (`memorization`, `generalization`), when it was reached.
    public func phaseStep(_ name: String) -> Int? { phases.first { $0.name == name }?.step }
}

extension DashboardState {
    /// What run `id` is doing: stopped by the user, diverged, done (its planned steps reached),
    /// paused, live (an event in the last 2 s) or idle. `main` is `currentRunID` when the caller
    /// already has it (a table asks for every run).
    public func status(of id: String, main: String? = nil) -> RunStatus {
        guard let run = runs[id] else { return .idle }
        if stoppedRuns.contains(id) { return .stopped }
        if run.phases.contains(where: { $0.name == "diverged" }) { return .diverged }
        if let planned = run.plannedSteps, run.latestStep >= planned { return .done }
        if !isLive { return .idle }
        if isPaused, id == (main ?? currentRunID) || previewRuns.contains(id) { return .paused }
        if let seen = run.lastSeen, now - seen <= 2 { return .live }
        return .idle
    }

    /// The goal of a metric: the user's choice in the runs panel, else the guess from its name.
    public func goal(of metric: String) -> MetricGoal { runTable.goals[metric] ?? MetricGoal.guess(for: metric) }
}
