import JSONCore

extension JSONFieldReader {
    /// A reader of an event line, its `v` and `type` counted as read.
    init(event object: JSONObject) { self.init(object, known: ["v", "type"]) }

    /// A knob value: a number, or a string that is not a number's spelling.
    mutating func knobValue(_ key: String) throws(JSONFieldError) -> KnobValue {
        let value = try take(key)
        if case .string(let s) = value, value.numberOrSpecial == nil { return .choice(s) }
        guard let x = value.numberOrSpecial else { throw wrongType(key, "a number or a string", value) }
        return .number(x)
    }
}
