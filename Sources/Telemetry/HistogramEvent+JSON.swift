import JSONCore

// MARK: - Decoding

extension HistogramEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
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

// MARK: - Encoding

extension HistogramEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        o["step"] = .number(Double(step))
        o["time"] = time.map(JSONValue.number)
        o["name"] = .string(name)
        o["edges"] = .numbers(edges)
        o["counts"] = .numbers(counts)
        o.merge(extra)
    }
}
