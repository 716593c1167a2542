/// Why a well-formed JSON object is not a valid event.
public struct EventDecodingError: Error, Sendable, Equatable {
    public var kind: NDJSONErrorKind
    public var reason: String

    public init(kind: NDJSONErrorKind, reason: String) { self.kind = kind; self.reason = reason }
}

// MARK: - Decoding

extension TelemetryEvent {
    /// Decodes one event from a JSON value (the parsed line).
    public init(json: JSONValue) throws(EventDecodingError) {
        guard case .object(let object) = json else {
            throw EventDecodingError(kind: .notAnObject, reason: "a line must be a JSON object, got \(json.typeName)")
        }
        var r = FieldReader(object)
        let version = try r.int("v")
        guard version >= 1 else {
            throw EventDecodingError(kind: .invalidValue, reason: "field \"v\" must be ≥ 1, got \(version)")
        }
        guard version <= Self.schemaVersion else {
            throw EventDecodingError(kind: .unsupportedVersion,
                                     reason: "schema version \(version) is newer than this trainscope reads (\(Self.schemaVersion))")
        }
        let type = try r.string("type")
        switch type {
        case "run": self = .run(try RunEvent(&r))
        case "scalars": self = .scalars(try ScalarsEvent(&r))
        case "spectrum": self = .spectrum(try SpectrumEvent(&r))
        case "pareto": self = .pareto(try ParetoEvent(&r))
        case "histogram": self = .histogram(try HistogramEvent(&r))
        case "knob": self = .knob(try KnobEvent(&r))
        case "phase": self = .phase(try PhaseEvent(&r))
        case _ where ControlCommand.typeNames.contains(type): self = .control(try ControlMessage(type: type, &r))
        default: self = .unknown(UnknownEvent(type: type, fields: r.unread))
        }
    }
}

extension RunEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.string("run")
        parent = try r.optionalString("parent")
        task = try r.optionalString("task")
        model = try r.optionalString("model")
        config = try r.optionalObject("config") ?? JSONObject()
        knobs = []
        for (i, value) in (try r.optionalArray("knobs") ?? []).enumerated() {
            guard case .object(let object) = value else {
                throw EventDecodingError(kind: .wrongType, reason: "knobs[\(i)] must be an object, got \(value.typeName)")
            }
            var k = FieldReader(object, path: "knobs[\(i)].", known: [])
            knobs.append(try KnobSpec(&k))
        }
        time = try r.optionalDouble("time")
        extra = r.unread
    }
}

extension KnobSpec {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        name = try r.string("name")
        value = try r.knobValue("value")
        min = try r.optionalDouble("min")
        max = try r.optionalDouble("max")
        let scaleText = try r.optionalString("scale") ?? "lin"
        guard let scale = KnobScale(rawValue: scaleText) else {
            throw r.invalid("scale", "must be \"lin\" or \"log\", got \"\(scaleText)\"")
        }
        self.scale = scale
        step = try r.optionalDouble("step")
        choices = try r.optionalStrings("choices")
        extra = r.unread
    }
}

extension ScalarsEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        let object = try r.object("values")
        var values: [String: Double] = [:]
        values.reserveCapacity(object.count)
        for (key, value) in object {
            guard let x = numberValue(value) else {
                throw EventDecodingError(kind: .wrongType,
                                         reason: "values[\"\(key)\"] must be a number, got \(value.typeName)")
            }
            values[key] = x
        }
        self.values = values
        extra = r.unread
    }
}

extension SpectrumEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        top = try r.doubles("top")
        trace = try r.optionalDouble("trace")
        traceStderr = try r.optionalDouble("trace_stderr")
        if let object = try r.optionalObject("density") {
            var d = FieldReader(object, path: "density.", known: [])
            let grid = try d.doubles("grid"), values = try d.doubles("values")
            guard grid.count == values.count else {
                throw d.invalid("values", "has \(values.count) entries for \(grid.count) grid points")
            }
            density = SpectralDensity(grid: grid, values: values, width: try d.optionalDouble("width"))
        } else {
            density = nil
        }
        if let object = try r.optionalObject("ritz") {
            var n = FieldReader(object, path: "ritz.", known: [])
            let nodes = try n.doubles("nodes"), weights = try n.doubles("weights")
            guard nodes.count == weights.count else {
                throw n.invalid("weights", "has \(weights.count) entries for \(nodes.count) nodes")
            }
            ritz = RitzNodes(nodes: nodes, weights: weights)
        } else {
            ritz = nil
        }
        estimator = try r.optionalObject("estimator") ?? JSONObject()
        if let object = try r.optionalObject("cost") {
            var c = FieldReader(object, path: "cost.", known: [])
            cost = SpectrumCost(hvps: try c.int("hvps"), seconds: try c.double("seconds"))
        } else {
            cost = nil
        }
        block = try r.optionalString("block")
        extra = r.unread
    }
}

extension ParetoEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        objectives = []
        for (i, value) in try r.array("objectives").enumerated() {
            guard case .object(let object) = value else {
                throw EventDecodingError(kind: .wrongType, reason: "objectives[\(i)] must be an object, got \(value.typeName)")
            }
            var o = FieldReader(object, path: "objectives[\(i)].", known: [])
            let name = try o.string("name")
            let directionText = try o.string("direction")
            guard let direction = ObjectiveDirection(rawValue: directionText) else {
                throw o.invalid("direction", "must be \"min\" or \"max\", got \"\(directionText)\"")
            }
            objectives.append(ParetoObjective(name: name, direction: direction))
        }
        points = []
        for (i, value) in try r.array("points").enumerated() {
            guard case .object(let object) = value else {
                throw EventDecodingError(kind: .wrongType, reason: "points[\(i)] must be an object, got \(value.typeName)")
            }
            var p = FieldReader(object, path: "points[\(i)].", known: [])
            let values = try p.doubles("values")
            guard values.count == objectives.count else {
                throw p.invalid("values", "has \(values.count) entries for \(objectives.count) objectives")
            }
            points.append(ParetoPoint(values: values, label: try p.optionalString("label")))
        }
        extra = r.unread
    }
}

extension HistogramEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        name = try r.string("name")
        edges = try r.doubles("edges")
        counts = try r.doubles("counts")
        guard edges.count == counts.count + 1 else {
            throw r.invalid("edges", "has \(edges.count) entries for \(counts.count) counts (needs counts + 1)")
        }
        guard zip(edges, edges.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw r.invalid("edges", "must be non-decreasing")
        }
        extra = r.unread
    }
}

extension KnobEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        name = try r.string("name")
        old = r.has("old") ? try r.knobValue("old") : nil
        new = try r.knobValue("new")
        by = try r.optionalString("by") ?? "user"
        note = try r.optionalString("note")
        extra = r.unread
    }
}

extension PhaseEvent {
    init(_ r: inout FieldReader) throws(EventDecodingError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        name = try r.string("name")
        evidence = try r.optionalObject("evidence") ?? JSONObject()
        message = try r.optionalString("message")
        extra = r.unread
    }
}

extension ControlMessage {
    init(type: String, _ r: inout FieldReader) throws(EventDecodingError) {
        switch type {
        case "set": command = .set(knob: try r.string("knob"), value: try r.knobValue("value"))
        case "pause": command = .pause
        case "resume": command = .resume
        case "step":
            let count = try r.optionalInt("count") ?? 1
            guard count >= 1 else { throw r.invalid("count", "must be ≥ 1, got \(count)") }
            command = .step(count: count)
        case "fork":
            command = .fork(knob: try r.optionalString("knob"), factors: try r.optionalDoubles("factors"),
                            steps: try r.optionalInt("steps"))
        case "rollback": command = .rollback(to: try r.optionalInt("to"))
        case "checkpoint": command = .checkpoint(path: try r.optionalString("path"))
        case "adopt": command = .adopt(run: try r.string("branch"))
        case "discard": command = .discard
        default: command = .stop
        }
        run = try r.optionalString("run")
        token = try r.optionalString("token")
        extra = r.unread
    }
}

/// A number from a JSON value: a number, or one of the strings "NaN", "Infinity", "-Infinity".
func numberValue(_ value: JSONValue) -> Double? {
    switch value {
    case .number(let x): return x
    case .string("NaN"): return .nan
    case .string("Infinity"), .string("+Infinity"): return .infinity
    case .string("-Infinity"): return -.infinity
    default: return nil
    }
}

/// Reads typed fields out of an object, remembering which ones it consumed so that the rest can
/// be kept as unknown fields.
struct FieldReader {
    let object: JSONObject
    let path: String
    private var known: Set<String>

    init(_ object: JSONObject, path: String = "", known: Set<String> = ["v", "type"]) {
        self.object = object; self.path = path; self.known = known
    }

    /// The fields not read so far.
    var unread: JSONObject { object.removing(known) }

    func has(_ key: String) -> Bool { object[key] != nil }

    func invalid(_ key: String, _ why: String) -> EventDecodingError {
        EventDecodingError(kind: .invalidValue, reason: "field \"\(path)\(key)\" \(why)")
    }

    private mutating func take(_ key: String) throws(EventDecodingError) -> JSONValue {
        known.insert(key)
        guard let value = object[key] else {
            throw EventDecodingError(kind: .missingField, reason: "missing required field \"\(path)\(key)\"")
        }
        return value
    }

    private mutating func takeOptional(_ key: String) -> JSONValue? {
        known.insert(key)
        if case .null? = object[key] { return nil }
        return object[key]
    }

    private func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> EventDecodingError {
        EventDecodingError(kind: .wrongType, reason: "field \"\(path)\(key)\" must be \(expected), got \(value.typeName)")
    }

    mutating func string(_ key: String) throws(EventDecodingError) -> String {
        let value = try take(key)
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    mutating func optionalString(_ key: String) throws(EventDecodingError) -> String? {
        guard let value = takeOptional(key) else { return nil }
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    mutating func int(_ key: String) throws(EventDecodingError) -> Int {
        try toInt(key, try take(key))
    }

    mutating func optionalInt(_ key: String) throws(EventDecodingError) -> Int? {
        guard let value = takeOptional(key) else { return nil }
        return try toInt(key, value)
    }

    private func toInt(_ key: String, _ value: JSONValue) throws(EventDecodingError) -> Int {
        guard case .number(let x) = value else { throw wrongType(key, "an integer", value) }
        guard x.isFinite, x == x.rounded(), abs(x) <= 9_007_199_254_740_992 else {
            throw invalid(key, "must be an integer, got \(JSONValue.number(x).jsonText)")
        }
        return Int(x)
    }

    mutating func double(_ key: String) throws(EventDecodingError) -> Double {
        let value = try take(key)
        guard let x = numberValue(value) else { throw wrongType(key, "a number", value) }
        return x
    }

    mutating func optionalDouble(_ key: String) throws(EventDecodingError) -> Double? {
        guard let value = takeOptional(key) else { return nil }
        guard let x = numberValue(value) else { throw wrongType(key, "a number", value) }
        return x
    }

    mutating func object(_ key: String) throws(EventDecodingError) -> JSONObject {
        let value = try take(key)
        guard case .object(let o) = value else { throw wrongType(key, "an object", value) }
        return o
    }

    mutating func optionalObject(_ key: String) throws(EventDecodingError) -> JSONObject? {
        guard let value = takeOptional(key) else { return nil }
        guard case .object(let o) = value else { throw wrongType(key, "an object", value) }
        return o
    }

    mutating func array(_ key: String) throws(EventDecodingError) -> [JSONValue] {
        let value = try take(key)
        guard case .array(let a) = value else { throw wrongType(key, "an array", value) }
        return a
    }

    mutating func optionalArray(_ key: String) throws(EventDecodingError) -> [JSONValue]? {
        guard let value = takeOptional(key) else { return nil }
        guard case .array(let a) = value else { throw wrongType(key, "an array", value) }
        return a
    }

    mutating func doubles(_ key: String) throws(EventDecodingError) -> [Double] {
        try toDoubles(key, try array(key))
    }

    mutating func optionalDoubles(_ key: String) throws(EventDecodingError) -> [Double]? {
        guard let items = try optionalArray(key) else { return nil }
        return try toDoubles(key, items)
    }

    private func toDoubles(_ key: String, _ items: [JSONValue]) throws(EventDecodingError) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let x = numberValue(item) else { throw wrongType("\(key)[\(i)]", "a number", item) }
            out.append(x)
        }
        return out
    }

    mutating func optionalStrings(_ key: String) throws(EventDecodingError) -> [String]? {
        guard let items = try optionalArray(key) else { return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw wrongType("\(key)[\(i)]", "a string", item) }
            out.append(s)
        }
        return out
    }

    mutating func knobValue(_ key: String) throws(EventDecodingError) -> KnobValue {
        let value = try take(key)
        if case .string(let s) = value, numberValue(value) == nil { return .choice(s) }
        guard let x = numberValue(value) else { throw wrongType(key, "a number or a string", value) }
        return .number(x)
    }
}

// MARK: - Encoding

extension TelemetryEvent {
    /// The event as a JSON object, fields in the order PROTOCOL.md lists them, unknown fields last.
    public var jsonObject: JSONObject {
        var o = JSONObject([("v", .number(Double(Self.schemaVersion))), ("type", .string(typeName))])
        switch self {
        case .run(let e):
            o["run"] = .string(e.run)
            o["parent"] = e.parent.map(JSONValue.string)
            o["task"] = e.task.map(JSONValue.string)
            o["model"] = e.model.map(JSONValue.string)
            o["time"] = e.time.map(JSONValue.number)
            o["config"] = .object(e.config)
            o["knobs"] = .array(e.knobs.map { .object($0.jsonObject) })
            o.merge(e.extra)
        case .scalars(let e):
            o["run"] = e.run.map(JSONValue.string)
            o["step"] = .number(Double(e.step))
            o["time"] = e.time.map(JSONValue.number)
            o["values"] = .object(JSONObject(e.values.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }))
            o.merge(e.extra)
        case .spectrum(let e):
            o["run"] = e.run.map(JSONValue.string)
            o["step"] = .number(Double(e.step))
            o["time"] = e.time.map(JSONValue.number)
            o["block"] = e.block.map(JSONValue.string)
            o["top"] = .numbers(e.top)
            o["trace"] = e.trace.map(JSONValue.number)
            o["trace_stderr"] = e.traceStderr.map(JSONValue.number)
            if let d = e.density {
                var density = JSONObject([("grid", .numbers(d.grid)), ("values", .numbers(d.values))])
                density["width"] = d.width.map(JSONValue.number)
                o["density"] = .object(density)
            }
            if let r = e.ritz {
                o["ritz"] = .object(JSONObject([("nodes", .numbers(r.nodes)), ("weights", .numbers(r.weights))]))
            }
            if !e.estimator.isEmpty { o["estimator"] = .object(e.estimator) }
            if let c = e.cost {
                o["cost"] = .object(JSONObject([("hvps", .number(Double(c.hvps))), ("seconds", .number(c.seconds))]))
            }
            o.merge(e.extra)
        case .pareto(let e):
            o["run"] = e.run.map(JSONValue.string)
            o["step"] = .number(Double(e.step))
            o["time"] = e.time.map(JSONValue.number)
            o["objectives"] = .array(e.objectives.map {
                .object(JSONObject([("name", .string($0.name)), ("direction", .string($0.direction.rawValue))]))
            })
            o["points"] = .array(e.points.map { p in
                var point = JSONObject([("values", .numbers(p.values))])
                point["label"] = p.label.map(JSONValue.string)
                return .object(point)
            })
            o.merge(e.extra)
        case .histogram(let e):
            o["run"] = e.run.map(JSONValue.string)
            o["step"] = .number(Double(e.step))
            o["time"] = e.time.map(JSONValue.number)
            o["name"] = .string(e.name)
            o["edges"] = .numbers(e.edges)
            o["counts"] = .numbers(e.counts)
            o.merge(e.extra)
        case .knob(let e):
            o["run"] = e.run.map(JSONValue.string)
            o["step"] = .number(Double(e.step))
            o["time"] = e.time.map(JSONValue.number)
            o["name"] = .string(e.name)
            o["old"] = e.old.map(\.jsonValue)
            o["new"] = e.new.jsonValue
            o["by"] = .string(e.by)
            o["note"] = e.note.map(JSONValue.string)
            o.merge(e.extra)
        case .phase(let e):
            o["run"] = e.run.map(JSONValue.string)
            o["step"] = .number(Double(e.step))
            o["time"] = e.time.map(JSONValue.number)
            o["name"] = .string(e.name)
            if !e.evidence.isEmpty { o["evidence"] = .object(e.evidence) }
            o["message"] = e.message.map(JSONValue.string)
            o.merge(e.extra)
        case .control(let c):
            o["run"] = c.run.map(JSONValue.string)
            switch c.command {
            case .set(let knob, let value):
                o["knob"] = .string(knob)
                o["value"] = value.jsonValue
            case .step(let count) where count != 1:
                o["count"] = .number(Double(count))
            case .fork(let knob, let factors, let steps):
                o["knob"] = knob.map(JSONValue.string)
                o["factors"] = factors.map(JSONValue.numbers)
                o["steps"] = steps.map { .number(Double($0)) }
            case .rollback(let to):
                o["to"] = to.map { .number(Double($0)) }
            case .checkpoint(let path):
                o["path"] = path.map(JSONValue.string)
            case .adopt(let branch):
                o["branch"] = .string(branch)
            case .pause, .resume, .step, .discard, .stop:
                break
            }
            o["token"] = c.token.map(JSONValue.string)
            o.merge(c.extra)
        case .unknown(let u):
            o.merge(u.fields)
        }
        return o
    }

    /// The event as one NDJSON line, without the trailing newline.
    public var jsonLine: String { JSONValue.object(jsonObject).jsonText }
}

extension KnobSpec {
    /// The spec as it appears in a `run` event's `knobs` array.
    public var jsonObject: JSONObject {
        var o = JSONObject([("name", .string(name)), ("value", value.jsonValue)])
        o["min"] = min.map(JSONValue.number)
        o["max"] = max.map(JSONValue.number)
        o["scale"] = .string(scale.rawValue)
        o["step"] = step.map(JSONValue.number)
        o["choices"] = choices.map { .array($0.map(JSONValue.string)) }
        o.merge(extra)
        return o
    }
}

extension KnobValue {
    /// A number or a string.
    public var jsonValue: JSONValue {
        switch self {
        case .number(let x): .number(x)
        case .choice(let s): .string(s)
        }
    }
}

extension JSONValue {
    /// An array of numbers.
    public static func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map(JSONValue.number)) }
}

extension JSONObject {
    /// Appends the fields of `other` that this object does not have yet.
    mutating func merge(_ other: JSONObject) {
        for (k, v) in other where self[k] == nil { self[k] = v }
    }
}
