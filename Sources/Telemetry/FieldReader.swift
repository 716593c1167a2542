import JSONCore

/// Reads typed fields out of an object, remembering which ones it consumed so that the rest can
/// be kept as unknown fields.
struct FieldReader {
    let object: JSONObject
    let path: String
    private var known: Set<String>

    init(_ object: JSONObject, path: String = "", known: Set<String> = ["v", "type"]) {
        self.object = object; self.path = path; self.known = known
    }

    /// The fields not read so far.
    var unread: JSONObject { object.removing(known) }

    func has(_ key: String) -> Bool { object[key] != nil }

    func invalid(_ key: String, _ why: String) -> EventDecodingError {
        EventDecodingError(kind: .invalidValue, reason: "field \"\(path)\(key)\" \(why)")
    }

    private mutating func take(_ key: String) throws(EventDecodingError) -> JSONValue {
        known.insert(key)
        guard let value = object[key] else {
            throw EventDecodingError(kind: .missingField, reason: "missing required field \"\(path)\(key)\"")
        }
        return value
    }

    private mutating func takeOptional(_ key: String) -> JSONValue? {
        known.insert(key)
        if case .null? = object[key] { return nil }
        return object[key]
    }

    private func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> EventDecodingError {
        EventDecodingError(kind: .wrongType, reason: "field \"\(path)\(key)\" must be \(expected), got \(value.typeName)")
    }

    mutating func string(_ key: String) throws(EventDecodingError) -> String {
        let value = try take(key)
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    mutating func optionalString(_ key: String) throws(EventDecodingError) -> String? {
        guard let value = takeOptional(key) else { return nil }
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    mutating func optionalBool(_ key: String) throws(EventDecodingError) -> Bool? {
        guard let value = takeOptional(key) else { return nil }
        guard case .bool(let b) = value else { throw wrongType(key, "true or false", value) }
        return b
    }

    mutating func int(_ key: String) throws(EventDecodingError) -> Int {
        try toInt(key, try take(key))
    }

    mutating func optionalInt(_ key: String) throws(EventDecodingError) -> Int? {
        guard let value = takeOptional(key) else { return nil }
        return try toInt(key, value)
    }

    private func toInt(_ key: String, _ value: JSONValue) throws(EventDecodingError) -> Int {
        guard case .number(let x) = value else { throw wrongType(key, "an integer", value) }
        guard x.isFinite, x == x.rounded(), abs(x) <= 9_007_199_254_740_992 else {
            throw invalid(key, "must be an integer, got \(JSONValue.number(x).jsonText)")
        }
        return Int(x)
    }

    mutating func double(_ key: String) throws(EventDecodingError) -> Double {
        let value = try take(key)
        guard let x = numberValue(value) else { throw wrongType(key, "a number", value) }
        return x
    }

    mutating func optionalDouble(_ key: String) throws(EventDecodingError) -> Double? {
        guard let value = takeOptional(key) else { return nil }
        guard let x = numberValue(value) else { throw wrongType(key, "a number", value) }
        return x
    }

    mutating func object(_ key: String) throws(EventDecodingError) -> JSONObject {
        let value = try take(key)
        guard case .object(let o) = value else { throw wrongType(key, "an object", value) }
        return o
    }

    mutating func optionalObject(_ key: String) throws(EventDecodingError) -> JSONObject? {
        guard let value = takeOptional(key) else { return nil }
        guard case .object(let o) = value else { throw wrongType(key, "an object", value) }
        return o
    }

    mutating func array(_ key: String) throws(EventDecodingError) -> [JSONValue] {
        let value = try take(key)
        guard case .array(let a) = value else { throw wrongType(key, "an array", value) }
        return a
    }

    mutating func optionalArray(_ key: String) throws(EventDecodingError) -> [JSONValue]? {
        guard let value = takeOptional(key) else { return nil }
        guard case .array(let a) = value else { throw wrongType(key, "an array", value) }
        return a
    }

    mutating func doubles(_ key: String) throws(EventDecodingError) -> [Double] {
        try toDoubles(key, try array(key))
    }

    mutating func optionalDoubles(_ key: String) throws(EventDecodingError) -> [Double]? {
        guard let items = try optionalArray(key) else { return nil }
        return try toDoubles(key, items)
    }

    private func toDoubles(_ key: String, _ items: [JSONValue]) throws(EventDecodingError) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let x = numberValue(item) else { throw wrongType("\(key)[\(i)]", "a number", item) }
            out.append(x)
        }
        return out
    }

    mutating func optionalStrings(_ key: String) throws(EventDecodingError) -> [String]? {
        guard let items = try optionalArray(key) else { return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw wrongType("\(key)[\(i)]", "a string", item) }
            out.append(s)
        }
        return out
    }

    mutating func knobValue(_ key: String) throws(EventDecodingError) -> KnobValue {
        let value = try take(key)
        if case .string(let s) = value, numberValue(value) == nil { return .choice(s) }
        guard let x = numberValue(value) else { throw wrongType(key, "a number or a string", value) }
        return .number(x)
    }
}

