import JSONCore

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

// MARK: - Encoding

extension TelemetryEvent {
    /// The event as a JSON object, fields in the order PROTOCOL.md lists them, unknown fields last.
    public var jsonObject: JSONObject {
        var o = JSONObject([("v", .number(Double(Self.schemaVersion))), ("type", .string(typeName))])
        switch self {
        case .run(let e): e.encode(into: &o)
        case .scalars(let e): e.encode(into: &o)
        case .spectrum(let e): e.encode(into: &o)
        case .pareto(let e): e.encode(into: &o)
        case .histogram(let e): e.encode(into: &o)
        case .knob(let e): e.encode(into: &o)
        case .phase(let e): e.encode(into: &o)
        case .control(let c): c.encode(into: &o)
        case .unknown(let u): o.merge(u.fields)
        }
        return o
    }

    /// The event as one NDJSON line, without the trailing newline.
    public var jsonLine: String { JSONValue.object(jsonObject).jsonText }
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
