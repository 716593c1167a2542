import JSONCore

// MARK: - Decoding

extension PhaseEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        name = try r.string("name")
        evidence = try r.optionalObject("evidence") ?? JSONObject()
        message = try r.optionalString("message")
        extra = r.unread
    }
}

// MARK: - Encoding

extension PhaseEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        o["step"] = .number(Double(step))
        o["time"] = time.map(JSONValue.number)
        o["name"] = .string(name)
        if !evidence.isEmpty { o["evidence"] = .object(evidence) }
        o["message"] = message.map(JSONValue.string)
        o.merge(extra)
    }
}
