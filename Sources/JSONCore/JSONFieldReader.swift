/// Why a field of a JSON object could not be read: one line naming the field by its path.
public struct JSONFieldError: Error, Sendable, Equatable {
    /// Named as in the error table of PROTOCOL.md.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A required field is absent.
        case missingField = "missing-field"
        /// A field has the wrong JSON type.
        case wrongType = "wrong-type"
        /// A field has the right type but an impossible value.
        case invalidValue = "invalid-value"
    }

    public var kind: Kind
    public var reason: String

    public init(kind: Kind, reason: String) { self.kind = kind; self.reason = reason }
}

/// Reads typed fields out of an object, remembering which ones it consumed so that the rest can
/// be kept as unknown fields. Numbers may also be written as the strings "NaN", "Infinity" and
/// "-Infinity" (JSON has no literal for them).
public struct JSONFieldReader {
    public let object: JSONObject
    /// Put in front of field names in errors (`knobs[2].`).
    public let path: String
    private var known: Set<String>

    /// A reader of `object` whose fields `known` count as read already.
    public init(_ object: JSONObject, path: String = "", known: Set<String> = []) {
        self.object = object; self.path = path; self.known = known
    }

    /// The fields not read so far.
    public var unread: JSONObject { object.removing(known) }

    /// Whether the object has `key`.
    public func has(_ key: String) -> Bool { object[key] != nil }

    /// The error for a field whose value is impossible: `field "path.key" why`.
    public func invalid(_ key: String, _ why: String) -> JSONFieldError {
        JSONFieldError(kind: .invalidValue, reason: "field \"\(path)\(key)\" \(why)")
    }

    /// The error for a field of the wrong JSON type.
    public func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> JSONFieldError {
        JSONFieldError(kind: .wrongType, reason: "field \"\(path)\(key)\" must be \(expected), got \(value.typeName)")
    }

    /// A required field's value, any type.
    public mutating func take(_ key: String) throws(JSONFieldError) -> JSONValue {
        known.insert(key)
        guard let value = object[key] else {
            throw JSONFieldError(kind: .missingField, reason: "missing required field \"\(path)\(key)\"")
        }
        return value
    }

    private mutating func takeOptional(_ key: String) -> JSONValue? {
        known.insert(key)
        if case .null? = object[key] { return nil }
        return object[key]
    }

    public mutating func string(_ key: String) throws(JSONFieldError) -> String {
        let value = try take(key)
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    public mutating func optionalString(_ key: String) throws(JSONFieldError) -> String? {
        guard let value = takeOptional(key) else { return nil }
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    public mutating func optionalBool(_ key: String) throws(JSONFieldError) -> Bool? {
        guard let value = takeOptional(key) else { return nil }
        guard case .bool(let b) = value else { throw wrongType(key, "true or false", value) }
        return b
    }

    public mutating func int(_ key: String) throws(JSONFieldError) -> Int {
        try toInt(key, try take(key))
    }

    public mutating func optionalInt(_ key: String) throws(JSONFieldError) -> Int? {
        guard let value = takeOptional(key) else { return nil }
        return try toInt(key, value)
    }

    private func toInt(_ key: String, _ value: JSONValue) throws(JSONFieldError) -> Int {
        guard case .number(let x) = value else { throw wrongType(key, "an integer", value) }
        guard x.isFinite, x == x.rounded(), abs(x) <= 9_007_199_254_740_992 else {
            throw invalid(key, "must be an integer, got \(JSONValue.number(x).jsonText)")
        }
        return Int(x)
    }

    public mutating func double(_ key: String) throws(JSONFieldError) -> Double {
        let value = try take(key)
        guard let x = value.numberOrSpecial else { throw wrongType(key, "a number", value) }
        return x
    }

    public mutating func optionalDouble(_ key: String) throws(JSONFieldError) -> Double? {
        guard let value = takeOptional(key) else { return nil }
        guard let x = value.numberOrSpecial else { throw wrongType(key, "a number", value) }
        return x
    }

    public mutating func object(_ key: String) throws(JSONFieldError) -> JSONObject {
        let value = try take(key)
        guard case .object(let o) = value else { throw wrongType(key, "an object", value) }
        return o
    }

    public mutating func optionalObject(_ key: String) throws(JSONFieldError) -> JSONObject? {
        guard let value = takeOptional(key) else { return nil }
        guard case .object(let o) = value else { throw wrongType(key, "an object", value) }
        return o
    }

    public mutating func array(_ key: String) throws(JSONFieldError) -> [JSONValue] {
        let value = try take(key)
        guard case .array(let a) = value else { throw wrongType(key, "an array", value) }
        return a
    }

    public mutating func optionalArray(_ key: String) throws(JSONFieldError) -> [JSONValue]? {
        guard let value = takeOptional(key) else { return nil }
        guard case .array(let a) = value else { throw wrongType(key, "an array", value) }
        return a
    }

    public mutating func doubles(_ key: String) throws(JSONFieldError) -> [Double] {
        try toDoubles(key, try array(key))
    }

    public mutating func optionalDoubles(_ key: String) throws(JSONFieldError) -> [Double]? {
        guard let items = try optionalArray(key) else { return nil }
        return try toDoubles(key, items)
    }

    private func toDoubles(_ key: String, _ items: [JSONValue]) throws(JSONFieldError) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let x = item.numberOrSpecial else { throw wrongType("\(key)[\(i)]", "a number", item) }
            out.append(x)
        }
        return out
    }

    public mutating func optionalStrings(_ key: String) throws(JSONFieldError) -> [String]? {
        guard let items = try optionalArray(key) else { return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw wrongType("\(key)[\(i)]", "a string", item) }
            out.append(s)
        }
        return out
    }
}

extension JSONValue {
    /// A number, or one of the strings "NaN", "Infinity", "+Infinity", "-Infinity"; nil otherwise.
    public var numberOrSpecial: Double? {
        switch self {
        case .number(let x): x
        case .string("NaN"): .nan
        case .string("Infinity"), .string("+Infinity"): .infinity
        case .string("-Infinity"): -.infinity
        default: nil
        }
    }
}
