import JSONCore

// MARK: - Decoding

extension ControlMessage {
    init(type: String, _ r: inout JSONFieldReader) throws(JSONFieldError) {
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

// MARK: - Encoding

extension ControlMessage {
    /// Writes the fields after `v` and `type`, in the order PROTOCOL.md lists them, unknown ones last.
    func encode(into o: inout JSONObject) {
        o["run"] = run.map(JSONValue.string)
        switch command {
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
        o["token"] = token.map(JSONValue.string)
        o.merge(extra)
    }
}
