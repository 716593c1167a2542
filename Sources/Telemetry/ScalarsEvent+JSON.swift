import JSONCore

// MARK: - Decoding

extension ScalarsEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        let object = try r.object("values")
        var values: [String: Double] = [:]
        values.reserveCapacity(object.count)
        for (key, value) in object {
            guard let x = value.numberOrSpecial else {
                throw JSONFieldError(kind: .wrongType,
                                         reason: "values[\"\(key)\"] must be a number, got \(value.typeName)")
            }
            values[key] = x
        }
        self.values = values
        extra = r.unread
    }
}

// MARK: - Encoding

extension ScalarsEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        o["step"] = .number(Double(step))
        o["time"] = time.map(JSONValue.number)
        o["values"] = .object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }))
        o.merge(extra)
    }
}
