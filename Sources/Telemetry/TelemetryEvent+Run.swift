import JSONCore

extension TelemetryEvent {
    /// The run the event names (`run` on data and control lines; nil when it relies on the stream's latest `run` event).
    public var runID: String? {
        switch self {
        case .run(let e): e.run
        case .scalars(let e): e.run
        case .spectrum(let e): e.run
        case .pareto(let e): e.run
        case .histogram(let e): e.run
        case .knob(let e): e.run
        case .phase(let e): e.run
        case .control(let c): c.run
        case .unknown(let u): u.fields["run"]?.string
        }
    }

    /// The same event naming run `id` (a `run` event is renamed; its `parent` is left as it is).
    public func withRunID(_ id: String) -> TelemetryEvent {
        switch self {
        case .run(var e): e.run = id; return .run(e)
        case .scalars(var e): e.run = id; return .scalars(e)
        case .spectrum(var e): e.run = id; return .spectrum(e)
        case .pareto(var e): e.run = id; return .pareto(e)
        case .histogram(var e): e.run = id; return .histogram(e)
        case .knob(var e): e.run = id; return .knob(e)
        case .phase(var e): e.run = id; return .phase(e)
        case .control(var c): c.run = id; return .control(c)
        case .unknown(var u):
            var fields = u.fields.removing(["run"])
            fields = JSONObject([("run", .string(id))] + fields.entries.map { ($0.key, $0.value) })
            u.fields = fields
            return .unknown(u)
        }
    }
}
