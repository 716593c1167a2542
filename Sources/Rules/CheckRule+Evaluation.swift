import Foundation
import JSONCore
import Telemetry

/// The values `check` rules read, per run: scalar metrics and the spectrum's quantities by step,
/// and the phases.
public struct CheckData: Sendable {
    public struct Point: Sendable, Equatable { public var step: Int; public var value: Double }

    /// Run ids in order of appearance.
    public private(set) var runs: [String] = []
    /// Run → metric → points in increasing step.
    public private(set) var series: [String: [String: [Point]]] = [:]
    public private(set) var phases: [String: [PhaseEvent]] = [:]

    /// Collects the values of `events` (a `run` event starts a run; lines without a run id belong to
    /// the latest one).
    public init(events: [TelemetryEvent]) {
        var current = "default"
        var spectral: [String: [String: [Point]]] = [:]
        var detectors: [String: PhaseDetector] = [:]
        func note(_ id: String) {
            if series[id] == nil { runs.append(id); series[id] = [:]; phases[id] = [] }
        }
        for event in events {
            switch event {
            case .run(let r):
                current = r.run
                note(r.run)
            case .scalars(let s):
                let id = s.run ?? current
                note(id)
                for (name, value) in s.values { series[id]![name, default: []].append(Point(step: s.step, value: value)) }
                // The dashboard's rules on every source: a phase derived here gives way to one the source reports.
                let found = detectors[id, default: PhaseDetector(marksDerived: true)].observe(run: id, step: s.step, time: s.time) { s.values[$0] }
                phases[id]! += found.filter { phase in !phases[id]!.contains { $0.name == phase.name } }
            case .spectrum(let e) where e.block == nil:
                let id = e.run ?? current
                note(id)
                for (rank, value) in e.top.enumerated() {
                    spectral[id, default: [:]]["lambda\(rank + 1)", default: []].append(Point(step: e.step, value: value))
                }
                if let first = e.top.first { spectral[id, default: [:]]["sharpness", default: []].append(Point(step: e.step, value: first)) }
                if let trace = e.trace { spectral[id, default: [:]]["trace", default: []].append(Point(step: e.step, value: trace)) }
            case .phase(let p):
                let id = p.run ?? current
                note(id)
                detectors[id, default: PhaseDetector(marksDerived: true)].noteReported(p)
                if let index = phases[id]!.firstIndex(where: { $0.name == p.name && $0.isDerived }) {
                    phases[id]![index] = p
                } else {
                    phases[id]!.append(p)
                }
            default:
                break
            }
        }
        // Spectrum quantities fill in names the run does not log as scalars.
        for (id, names) in spectral {
            for (name, points) in names where series[id]![name] == nil { series[id]![name] = points }
        }
        for id in runs {
            for name in series[id]!.keys { series[id]![name]!.sort { $0.step < $1.step } }
        }
    }
}

/// Whether a rule held on a run, and the values that decided it.
public struct CheckOutcome: Sendable, Equatable {
    public var rule: CheckRule
    public var holds: Bool
    public var detail: String

    /// `PASS  rule  —  detail`.
    public var line: String { "\(holds ? "PASS" : "FAIL")  \(rule.text)  —  \(detail)" }
}

extension CheckRule {
    /// Evaluates the rule on run `run` of `data`.
    public func evaluate(_ data: CheckData, run: String) -> CheckOutcome {
        let metrics = data.series[run] ?? [:]
        switch body {
        case .phase(let name, let test, let expected):
            let found = (data.phases[run] ?? []).first { $0.name == name }
            let seen = (data.phases[run] ?? []).map { "\($0.name) at step \($0.step)" }.joined(separator: ", ")
            guard expected else {
                return outcome(found == nil, found.map { "\(name) at step \($0.step)" } ?? "no \(name) phase\(seen.isEmpty ? "" : " (phases: \(seen))")")
            }
            guard let phase = found else { return outcome(false, "no \(name) phase\(seen.isEmpty ? "" : " (phases: \(seen))")") }
            switch test {
            case .present: return outcome(true, "\(name) at step \(phase.step)")
            case .before(let step): return outcome(phase.step <= step, "\(name) at step \(phase.step)")
            case .after(let step): return outcome(phase.step >= step, "\(name) at step \(phase.step)")
            case .delay(let comparison, let limit):
                guard let delay = phase.evidence["delay_steps"]?.number ?? inferredDelay(phase, data.phases[run] ?? []) else {
                    return outcome(false, "\(name) at step \(phase.step) carries no delay (no delay_steps and no memorization phase)")
                }
                return outcome(comparison.holds(delay, limit), "\(name) at step \(phase.step), delay \(Self.format(delay)) steps")
            }
        case .compare(let left, let comparison, let right, let window):
            let names = Self.metricNames(left) + Self.metricNames(right) + Self.aggregatedNames(left) + Self.aggregatedNames(right)
            if let missing = names.first(where: { metrics[$0] == nil }) {
                return outcome(false, "no metric '\(missing)' in run \(run)\(Self.suggestion(missing, metrics.keys.sorted()))")
            }
            let bare = Array(Set(Self.metricNames(left) + Self.metricNames(right))).sorted()
            if bare.isEmpty {
                let (a, b) = (value(left, metrics, window, at: nil), value(right, metrics, window, at: nil))
                guard let a, let b else { return outcome(false, "no values of \(names.joined(separator: ", ")) in the window") }
                return outcome(comparison.holds(a, b), Self.values(left, a, comparison, right, b))
            }
            var steps = Set<Int>()
            for name in bare { for p in metrics[name]! where window.contains(p.step) { steps.insert(p.step) } }
            var checked = 0
            var closest: (margin: Double, step: Int, a: Double, b: Double)?
            for step in steps.sorted() {
                guard let a = value(left, metrics, window, at: step), let b = value(right, metrics, window, at: step) else { continue }
                checked += 1
                if !comparison.holds(a, b) {
                    return outcome(false, "at step \(step): \(Self.values(left, a, comparison, right, b)) (held at \(checked - 1) steps before)")
                }
                let margin = abs(a - b)
                if closest == nil || margin < closest!.margin { closest = (margin, step, a, b) }
            }
            guard let closest else { return outcome(false, "no step in the window where \(bare.joined(separator: ", ")) all have values") }
            let range = "\(steps.min()!)…\(steps.max()!)"
            return outcome(true, "held at \(checked) steps (\(range)); closest at step \(closest.step): "
                           + Self.values(left, closest.a, comparison, right, closest.b))
        }
    }

    private func outcome(_ holds: Bool, _ detail: String) -> CheckOutcome { CheckOutcome(rule: self, holds: holds, detail: detail) }

    private func inferredDelay(_ phase: PhaseEvent, _ all: [PhaseEvent]) -> Double? {
        guard phase.name == "generalization", let memorized = all.first(where: { $0.name == "memorization" }) else { return nil }
        return Double(phase.step - memorized.step)
    }

    /// The expression's value at `step` (bare metrics carry their latest value forward; nil before
    /// a metric's first point), aggregates over the window.
    private func value(_ e: Expression, _ metrics: [String: [CheckData.Point]], _ window: Window, at step: Int?) -> Double? {
        switch e {
        case .number(let x): return x
        case .metric(let name):
            guard let step, let points = metrics[name] else { return nil }
            var lo = 0, hi = points.count - 1, found: Double?
            while lo <= hi {
                let mid = (lo + hi) / 2
                if points[mid].step <= step { found = points[mid].value; lo = mid + 1 } else { hi = mid - 1 }
            }
            return found
        case .aggregate(let aggregate, let name):
            let values = (metrics[name] ?? []).filter { window.contains($0.step) }.map(\.value)
            guard !values.isEmpty else { return nil }
            switch aggregate {
            case .first: return values.first
            case .last: return values.last
            case .mean: return values.reduce(0, +) / Double(values.count)
            case .min: return values.filter { !$0.isNaN }.min() ?? .nan
            case .max: return values.filter { !$0.isNaN }.max() ?? .nan
            }
        case .negate(let inner): return value(inner, metrics, window, at: step).map { -$0 }
        case .binary(let op, let l, let r):
            guard let a = value(l, metrics, window, at: step), let b = value(r, metrics, window, at: step) else { return nil }
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default: return a / b
            }
        }
    }

    /// `max(train/loss) = 4.62 (< 10)`, or both sides' values when neither is a plain number.
    static func values(_ left: Expression, _ a: Double, _ comparison: Comparison, _ right: Expression, _ b: Double) -> String {
        if case .number = right { return "\(describe(left)) = \(format(a)) (\(comparison.rawValue) \(describe(right)))" }
        if case .number = left { return "\(describe(right)) = \(format(b)) (\(describe(left)) \(comparison.rawValue))" }
        return "\(describe(left)) = \(format(a)), \(describe(right)) = \(format(b))"
    }

    static func metricNames(_ e: Expression) -> [String] {
        switch e {
        case .number, .aggregate: []
        case .metric(let n): [n]
        case .negate(let inner): metricNames(inner)
        case .binary(_, let l, let r): metricNames(l) + metricNames(r)
        }
    }

    /// The metrics an expression aggregates (`max(train/loss)` → `train/loss`).
    public static func aggregatedNames(_ e: Expression) -> [String] {
        switch e {
        case .number, .metric: []
        case .aggregate(_, let n): [n]
        case .negate(let inner): aggregatedNames(inner)
        case .binary(_, let l, let r): aggregatedNames(l) + aggregatedNames(r)
        }
    }

    /// The expression as written, normalized: `2.2/lr`, `max(train/loss)`, `(a + b) * 2`.
    static func describe(_ e: Expression) -> String {
        switch e {
        case .number(let x): format(x)
        case .metric(let n): n
        case .aggregate(let a, let n): "\(a.rawValue)(\(n))"
        case .negate(let inner): "-\(describeOperand(inner))"
        case .binary(let op, let l, let r): "\(describeOperand(l))\(op == "/" ? "/" : " \(op) ")\(describeOperand(r))"
        }
    }

    private static func describeOperand(_ e: Expression) -> String {
        if case .binary = e { return "(\(describe(e)))" }
        return describe(e)
    }

    /// Up to 6 significant digits.
    static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Infinity" : "-Infinity" }
        return String(format: "%.6g", x)
    }

    static func suggestion(_ name: String, _ known: [String]) -> String {
        // A known name that starts the unknown one (`test/acc` for `test/accuracy`), else the nearest by edits.
        if let prefix = known.filter({ name.hasPrefix($0) || $0.hasPrefix(name) }).max(by: { $0.count < $1.count }) {
            return "; did you mean '\(prefix)'?"
        }
        if let best = nearestName(to: name, among: known, within: max(2, name.unicodeScalars.count / 3)) {
            return "; did you mean '\(best)'?"
        }
        return known.isEmpty ? "" : " (metrics: \(known.prefix(12).joined(separator: ", "))\(known.count > 12 ? ", …" : ""))"
    }
}
