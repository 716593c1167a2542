import JSONCore

// MARK: - Decoding

extension ParetoEvent {
    init(_ r: inout JSONFieldReader) throws(JSONFieldError) {
        run = try r.optionalString("run")
        step = try r.int("step")
        time = try r.optionalDouble("time")
        objectives = []
        for (i, value) in try r.array("objectives").enumerated() {
            guard case .object(let object) = value else {
                throw JSONFieldError(kind: .wrongType, reason: "objectives[\(i)] must be an object, got \(value.typeName)")
            }
            var o = JSONFieldReader(object, path: "objectives[\(i)].")
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
                throw JSONFieldError(kind: .wrongType, reason: "points[\(i)] must be an object, got \(value.typeName)")
            }
            var p = JSONFieldReader(object, path: "points[\(i)].")
            let values = try p.doubles("values")
            guard values.count == objectives.count else {
                throw p.invalid("values", "has \(values.count) entries for \(objectives.count) objectives")
            }
            points.append(ParetoPoint(values: values, label: try p.optionalString("label")))
        }
        extra = r.unread
    }
}

// MARK: - Encoding

extension ParetoEvent {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        o["step"] = .number(Double(step))
        o["time"] = time.map(JSONValue.number)
        o["objectives"] = .array(objectives.map {
            .object(JSONObject([("name", .string($0.name)), ("direction", .string($0.direction.rawValue))]))
        })
        o["points"] = .array(points.map { p in
            var point = JSONObject([("values", .numbers(p.values))])
            point["label"] = p.label.map(JSONValue.string)
            return .object(point)
        })
        o.merge(extra)
    }
}
