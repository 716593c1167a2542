import JSONCore

/// Why a well-formed JSON object is not a valid event.
public struct EventDecodingError: Error, Sendable, Equatable {
    public var kind: NDJSONErrorKind
    public var reason: String

    public init(kind: NDJSONErrorKind, reason: String) { self.kind = kind; self.reason = reason }
}

// MARK: - Decoding

extension EventDecodingError {
    /// The event error for a field that could not be read.
    init(_ error: JSONFieldError) { self.init(kind: NDJSONErrorKind(error.kind), reason: error.reason) }
}

extension TelemetryEvent {
    /// Decodes one event from a JSON value (the parsed line).
    public init(json: JSONValue) throws(EventDecodingError) {
        guard case .object(let object) = json else {
            throw EventDecodingError(kind: .notAnObject, reason: "a line must be a JSON object, got \(json.typeName)")
        }
        var r = JSONFieldReader(event: object)
        let version: Int
        do throws(JSONFieldError) { version = try r.int("v") } catch { throw EventDecodingError(error) }
        guard version >= 1 else {
            throw EventDecodingError(kind: .invalidValue, reason: "field \"v\" must be ≥ 1, got \(version)")
        }
        guard version <= Self.schemaVersion else {
            throw EventDecodingError(kind: .unsupportedVersion,
                                     reason: "schema version \(version) is newer than this trainscope reads (\(Self.schemaVersion))")
        }
        do throws(JSONFieldError) { self = try Self.decode(&r) } catch { throw EventDecodingError(error) }
    }

    /// The event of the kind named by the line's `type`.
    private static func decode(_ r: inout JSONFieldReader) throws(JSONFieldError) -> TelemetryEvent {
        let type = try r.string("type")
        switch type {
        case "run": return .run(try RunEvent(&r))
        case "scalars": return .scalars(try ScalarsEvent(&r))
        case "spectrum": return .spectrum(try SpectrumEvent(&r))
        case "pareto": return .pareto(try ParetoEvent(&r))
        case "histogram": return .histogram(try HistogramEvent(&r))
        case "knob": return .knob(try KnobEvent(&r))
        case "phase": return .phase(try PhaseEvent(&r))
        case _ where ControlCommand.typeNames.contains(type): return .control(try ControlMessage(type: type, &r))
        default: return .unknown(UnknownEvent(type: type, fields: r.unread))
        }
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
