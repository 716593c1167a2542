/// A JSON value as the event contract sees it: numbers are `Double` (NaN and ±Infinity included),
/// objects keep their key order so that unknown fields re-encode as they came.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name used in error messages ("number", "string", …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The number, or nil when this is not a number.
    public var number: Double? {
        if case .number(let x) = self { return x }
        return nil
    }

    /// The string, or nil when this is not a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The fields, or nil when this is not an object.
    public var object: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, or nil when this is not an array.
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}

extension JSONValue: Equatable {
    /// Structural equality in which NaN equals NaN (bit patterns aside), so that events carrying
    /// NaN compare equal after a round trip.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }
}

/// A JSON object with its keys in document order. Keys are unique (the parser rejects duplicates,
/// or keeps the last one when asked to).
///
/// Small objects (every event) look keys up by scanning; past `indexThreshold` fields a key →
/// position index is kept, so an object of 100k keys is built and read in linear time.
public struct JSONObject: Sendable, Equatable, Sequence {
    /// Field count from which lookups go through an index.
    static let indexThreshold = 16

    /// The fields in document order.
    public private(set) var entries: [(key: String, value: JSONValue)]
    private var positions: [String: Int]?

    /// An empty object.
    public init() { entries = [] }

    /// An object with these fields, in this order; a later duplicate key replaces the earlier value.
    public init(_ entries: [(String, JSONValue)]) {
        self.entries = []
        for (k, v) in entries { self[k] = v }
    }

    /// Number of fields.
    public var count: Int { entries.count }
    /// True when the object has no fields.
    public var isEmpty: Bool { entries.isEmpty }
    /// The keys in document order.
    public var keys: [String] { entries.map(\.key) }

    /// The position of `key` in `entries`.
    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return entries.firstIndex { $0.key == key }
    }

    private mutating func reindex() {
        guard entries.count > Self.indexThreshold else { positions = nil; return }
        var map: [String: Int] = [:]
        map.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() { map[entry.key] = i }
        positions = map
    }

    /// The value for `key`; setting nil removes the field, setting an existing key keeps its position.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let i?, let v?): entries[i].value = v
            case (let i?, nil):
                entries.remove(at: i)
                if positions != nil { reindex() }
            case (nil, let v?):
                entries.append((key, v))
                if positions != nil { positions![key] = entries.count - 1 } else if entries.count > Self.indexThreshold { reindex() }
            case (nil, nil): break
            }
        }
    }

    /// This object without the given keys (used to collect unknown fields).
    public func removing(_ known: Set<String>) -> JSONObject {
        var copy = self
        copy.entries.removeAll { known.contains($0.key) }
        if copy.count != count { copy.reindex() }
        return copy
    }

    /// Appends the fields of `other` that this object does not have yet (unknown fields after known ones).
    public mutating func merge(_ other: JSONObject) {
        for (k, v) in other where self[k] == nil { self[k] = v }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        entries.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue {
    /// An array of numbers.
    public static func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map(JSONValue.number)) }
}
