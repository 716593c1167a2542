import JSONCore

// MARK: - Decoding

extension RunEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
        run = try r.string("run")
        parent = try r.optionalString("parent")
        task = try r.optionalString("task")
        model = try r.optionalString("model")
        config = try r.optionalObject("config") ?? JSONObject()
        knobs = []
        for (i, value) in (try r.optionalArray("knobs") ?? []).enumerated() {
            guard case .object(let object) = value else {
                throw JSONFieldError(kind: .wrongType, reason: "knobs[\(i)] must be an object, got \(value.typeName)")
            }
            var k = JSONFieldReader(object, path: "knobs[\(i)].")
            knobs.append(try KnobSpec(&k))
        }
        time = try r.optionalDouble("time")
        preview = try r.optionalBool("preview") ?? false
        factor = try r.optionalDouble("factor")
        adopted = try r.optionalBool("adopted") ?? false
        rolledBackTo = try r.optionalInt("rolled_back_to")
        abandonedAt = try r.optionalInt("abandoned_at")
        controls = try r.optionalStrings("controls")
        extra = r.unread
    }
}

extension KnobSpec {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
        name = try r.string("name")
        value = try r.knobValue("value")
        min = try r.optionalDouble("min")
        max = try r.optionalDouble("max")
        minOpen = try r.optionalBool("min_open") ?? false
        maxOpen = try r.optionalBool("max_open") ?? false
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

// MARK: - Encoding

extension RunEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = .string(run)
        o["parent"] = parent.map(JSONValue.string)
        o["task"] = task.map(JSONValue.string)
        o["model"] = model.map(JSONValue.string)
        o["time"] = time.map(JSONValue.number)
        o["config"] = .object(config)
        o["knobs"] = .array(knobs.map { .object($0.jsonObject) })
        if preview { o["preview"] = .bool(true) }
        o["factor"] = factor.map(JSONValue.number)
        if adopted { o["adopted"] = .bool(true) }
        o["rolled_back_to"] = rolledBackTo.map { .number(Double($0)) }
        o["abandoned_at"] = abandonedAt.map { .number(Double($0)) }
        o["controls"] = controls.map { .array($0.map(JSONValue.string)) }
        o.merge(extra)
    }
}

extension KnobSpec {
    /// The spec as it appears in a `run` event's `knobs` array.
    public var jsonObject: JSONObject {
        var o = JSONObject([("name", .string(name)), ("value", value.jsonValue)])
        o["min"] = min.map(JSONValue.number)
        o["max"] = max.map(JSONValue.number)
        if minOpen { o["min_open"] = .bool(true) }
        if maxOpen { o["max_open"] = .bool(true) }
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
