import JSONCore

// MARK: - Decoding

extension KnobEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
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

// MARK: - Encoding

extension KnobEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        o["step"] = .number(Double(step))
        o["time"] = time.map(JSONValue.number)
        o["name"] = .string(name)
        o["old"] = old.map(\.jsonValue)
        o["new"] = new.jsonValue
        o["by"] = .string(by)
        o["note"] = note.map(JSONValue.string)
        o.merge(extra)
    }
}
