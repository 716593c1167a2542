import Dashboard
import JSONCore
import Telemetry
import TerminalUI

/// The data behind a snapshot's panels as one JSON document (schema in PROTOCOL.md, "Snapshot
/// JSON"): per run its config, knobs, every series as the curves panel sees it (point count, the
/// columns it is drawn with, smoothed values), spectra, Pareto rounds, phases and knob changes.
/// Keys are in a fixed order and nothing depends on the clock, so equal input gives equal bytes.
public enum JSONExport {
    /// Format version of the document.
    public static let version = 1

    public static func document(_ state: DashboardState, _ options: SnapshotOptions) -> String {
        var o = JSONObject()
        o["trainscope_snapshot"] = .number(Double(version))
        o["source"] = .string(options.sourceName)
        o["size"] = .object(JSONObject([("width", .number(Double(state.width))), ("height", .number(Double(state.height)))]))
        o["layout"] = .string(state.layout.rawValue)
        o["focus"] = .string(state.focus.rawValue)
        o["panels"] = .array(state.panelRects().map { .string($0.panel.rawValue) })
        o["at_step"] = options.atStep.map { .number(Double($0)) } ?? .null
        o["smoothing"] = .object(JSONObject([("kind", .string(state.curves.smoothing.kind.rawValue)),
                                             ("level", .number(Double(state.curves.smoothing.level))),
                                             ("label", .string(state.curves.smoothing.label))]))
        let columns = max(2, 2 * (state.curvesPlotWidth ?? state.width))
        o["columns"] = .number(Double(columns))
        o["runs_query"] = state.runQuery.map { .string($0.text) } ?? .null
        let ids = state.runQuery == nil ? state.runOrder : state.listedRunIDs
        o["grouping"] = state.grouping.map { g in .object(JSONObject([("except", .string(g.except)), ("band", .string(g.band.rawValue))])) } ?? .null
        let groupOf = Dictionary((state.runGroups ?? []).flatMap { g in g.members.map { ($0, g.name) } }, uniquingKeysWith: { a, _ in a })
        let main = state.currentRunID
        o["runs"] = .array(ids.map { id in
            var r = run(state.runs[id]!, columns: columns)
            r["status"] = .string(state.status(of: id, main: main).rawValue)
            r["shown"] = .bool(state.isShown(id))
            r["summary"] = summary(state.runs[id]!, state)
            r["group"] = groupOf[id].map(JSONValue.string) ?? .null
            return .object(r)
        })
        return o.jsonValue.jsonText + "\n"
    }

    static func run(_ run: RunState, columns: Int) -> JSONObject {
        var o = JSONObject()
        o["id"] = .string(run.id)
        o["parent"] = run.parent.map(JSONValue.string) ?? .null
        o["task"] = run.task.map(JSONValue.string) ?? .null
        o["model"] = run.model.map(JSONValue.string) ?? .null
        o["latest_step"] = .number(Double(run.latestStep))
        o["config"] = .object(run.config)
        o["knobs"] = .array(run.knobs.map { spec in
            .object(JSONObject([("name", .string(spec.name)), ("value", knobValue(spec.value))]))
        })
        o["series"] = .array(run.series.keys.sorted().map { name in .object(series(name, run.series[name]!, columns: columns)) })
        o["phases"] = .array(run.phases.map { p in
            var phase = JSONObject([("step", .number(Double(p.step))), ("name", .string(p.name)), ("message", p.message.map(JSONValue.string) ?? .null)])
            // Found by trainscope in the run's values: the source reported no such phase.
            if p.isDerived { phase["derived"] = .bool(true) }
            return .object(phase)
        })
        o["knob_changes"] = .array(run.knobChanges.map { k in
            .object(JSONObject([("step", .number(Double(k.step))), ("name", .string(k.name)), ("old", k.old.map(knobValue) ?? .null),
                                ("new", knobValue(k.new)), ("by", .string(k.by))]))
        })
        o["spectrum"] = spectrum(run, columns: columns)
        o["pareto"] = .array(run.paretoRounds.map { r in
            .object(JSONObject([
                ("step", .number(Double(r.step))),
                ("objectives", .array(r.objectives.map { .object(JSONObject([("name", .string($0.name)), ("direction", .string($0.direction.rawValue))])) })),
                ("points", .array(zip(r.points, r.onFront).map { p, front in
                    .object(JSONObject([("values", numbers(p.values)), ("label", p.label.map(JSONValue.string) ?? .null), ("on_front", .bool(front))]))
                })),
                ("hypervolume", r.hypervolume.map(JSONValue.number) ?? .null),
            ]))
        })
        o["pareto_reference"] = run.paretoReference.map(numbers) ?? .null
        o["histograms"] = .array(run.histogramNames.map { name in
            let history = run.histograms[name]!
            return .object(JSONObject([
                ("name", .string(name)),
                ("received", .number(Double(history.received))),
                ("steps", .array(history.entries.map { e in
                    .object(JSONObject([("step", .number(Double(e.step))), ("edges", numbers(e.edges)), ("counts", numbers(e.counts)),
                                        ("bands", numbers(e.bands))]))
                })),
            ]))
        })
        o["skipped"] = .object(JSONObject(run.skipped.keys.sorted().map { ($0, .number(Double(run.skipped[$0]!))) }))
        return o
    }

    /// A series at the snapshot's resolution: `columns` equal step slices over its whole range,
    /// each with the last point's step and value and the slice's extremes (one point per column
    /// when not downsampled).
    static func series(_ name: String, _ s: MetricSeries, columns: Int) -> JSONObject {
        var o = JSONObject()
        o["name"] = .string(name)
        o["points"] = .number(Double(s.raw.count))
        guard let range = s.raw.xRange else { return o }
        let cut = s.raw.columns(columns, over: range).columns.compactMap { $0 }
        o["shown"] = .number(Double(cut.count))
        o["downsampled"] = .bool(cut.count < s.raw.count)
        o["step"] = numbers(cut.map(\.xMax))
        o["value"] = numbers(cut.map(\.yLast))
        o["min"] = numbers(cut.map(\.yMin))
        o["max"] = numbers(cut.map(\.yMax))
        if let smoothed = s.smoothed {
            var points = smoothed.columns(columns, over: range).columns.compactMap { $0 }.map { ($0.xMax, $0.yLast) }
            points += s.provisional.map { ($0.x, $0.y) }
            o["smoothed_step"] = numbers(points.map(\.0))
            o["smoothed_value"] = numbers(points.map(\.1))
        }
        return o
    }

    static func spectrum(_ run: RunState, columns: Int) -> JSONValue {
        guard !run.eigenvalues.isEmpty || run.latestSpectrum != nil else { return .null }
        var o = JSONObject()
        func line(_ store: SeriesStore) -> JSONObject {
            guard let range = store.xRange else { return JSONObject() }
            let cut = store.columns(columns, over: range).columns.compactMap { $0 }
            return JSONObject([("points", .number(Double(store.count))), ("step", numbers(cut.map(\.xMax))), ("value", numbers(cut.map(\.yLast)))])
        }
        o["eigenvalues"] = .array(run.eigenvalues.enumerated().map { rank, store in
            var l = line(store)
            l["rank"] = .number(Double(rank + 1))
            return .object(l)
        })
        o["stability_threshold"] = .object(line(run.stabilityThreshold))
        o["latest"] = run.latestSpectrum.map { .object(TelemetryEvent.spectrum($0).jsonObject.removing(["v", "type", "run"])) } ?? .null
        o["densities"] = .array(run.densities.entries.map { d in
            var density = JSONObject([("step", .number(Double(d.step))), ("grid", numbers(d.grid)), ("values", numbers(d.values))])
            density["moments"] = d.moments.map(numbers)
            density["moment_stderr"] = d.momentStderr.map(numbers)
            return .object(density)
        })
        return .object(o)
    }

    /// Per metric its latest and best value and which way is better, and the grokking phase steps.
    static func summary(_ run: RunState, _ state: DashboardState) -> JSONValue {
        var metrics = JSONObject()
        for name in run.series.keys.sorted() {
            let goal = state.goal(of: name)
            metrics[name] = .object(JSONObject([("latest", run.latestValue(of: name).map(JSONValue.number) ?? .null),
                                                ("best", run.bestValue(of: name, goal: goal).map(JSONValue.number) ?? .null),
                                                ("goal", .string(goal.rawValue))]))
        }
        return .object(JSONObject([("metrics", .object(metrics)),
                                   ("memorized", run.phaseStep("memorization").map { .number(Double($0)) } ?? .null),
                                   ("generalized", run.phaseStep("generalization").map { .number(Double($0)) } ?? .null)]))
    }

    static func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map(JSONValue.number)) }

    static func knobValue(_ v: KnobValue) -> JSONValue {
        switch v {
        case .number(let x): .number(x)
        case .choice(let s): .string(s)
        }
    }
}

extension String {
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

extension JSONObject {
    var jsonValue: JSONValue { .object(self) }
}
