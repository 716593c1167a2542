import Dashboard
import JSONCore
import Telemetry

/// Scalar series of runs as one CSV file in wide layout: `run,step,time,config.<key>,…,<metric>,…`,
/// one row per run and step in the order runs appeared, an empty cell where a metric was not logged
/// at a step. The config columns are the keys whose values differ between the runs; with a run
/// query in `state`, only the runs it selects are written.
public enum CSVExport {
    public static func wide(_ events: [TelemetryEvent], state: DashboardState) -> String {
        var runOrder: [String] = []
        var rows: [String: [Int: (time: Double?, values: [String: Double])]] = [:]
        var metrics = Set<String>()
        var current = "default"
        for event in events {
            switch event {
            case .run(let r):
                current = r.run
                if rows[r.run] == nil { runOrder.append(r.run); rows[r.run] = [:] }
            case .scalars(let s):
                let id = s.run ?? current
                if rows[id] == nil { runOrder.append(id); rows[id] = [:] }
                var row = rows[id]![s.step] ?? (nil, [:])
                row.time = s.time ?? row.time
                for (k, v) in s.values { row.values[k] = v; metrics.insert(k) }
                rows[id]![s.step] = row
            default: break
            }
        }
        if state.runQuery != nil {
            let listed = Set(state.listedRunIDs)
            runOrder = runOrder.filter(listed.contains)
        }
        let configKeys = state.differingConfigKeys(runOrder.filter { state.runs[$0] != nil })
        let columns = metrics.sorted()
        var out = (["run", "step", "time"] + configKeys.map { "config." + $0 } + columns).map(field).joined(separator: ",") + "\n"
        for id in runOrder {
            let config = configKeys.map { key in state.runs[id]?.configValue(key).map(cell) ?? "" }
            for step in rows[id]!.keys.sorted() {
                let row = rows[id]![step]!
                var cells = [field(id), String(step), row.time.map(number) ?? ""] + config
                cells += columns.map { row.values[$0].map(number) ?? "" }
                out += cells.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// A number as the event contract writes it (shortest round trip, `NaN`, `Infinity`).
    static func number(_ x: Double) -> String {
        let text = JSONValue.number(x).jsonText
        return text.hasPrefix("\"") ? String(text.dropFirst().dropLast()) : text
    }

    /// A config value as a cell: numbers as the contract writes them, strings bare, the rest as JSON.
    static func cell(_ value: JSONValue) -> String {
        switch value {
        case .number(let x): number(x)
        case .string(let s): field(s)
        default: field(value.jsonText)
        }
    }

    /// RFC 4180 quoting where needed.
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences("\"", "\"\"") + "\"" : s
    }
}
