import Foundation

/// The fast path for the line producers write most: a `scalars` event whose fields are `v`,
/// `type`, `run`, `step`, `time` and a flat `values` object of plain ASCII names.
///
/// It builds the event straight from the bytes, with no `JSONValue` in between, and reuses the
/// `String`s of metric names and run ids it has seen before. Any line it is not sure about
/// (another field, an escape, a non-ASCII name, a duplicate key, a syntax error) it declines with
/// nil, and the general decoder handles the line, errors and unknown fields included; so both paths
/// give the same event for every line the fast path accepts.
struct ScalarsLineDecoder {
    private var names = StringInterner()
    /// Metrics on the previous line: the next dictionary starts that large (no regrowth).
    private var metricsPerLine = 4

    /// The event on `line`, or nil to let the general decoder handle it.
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>) -> ScalarsEvent? {
        var cursor = Cursor(bytes: line)
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        var seen: UInt8 = 0
        var run: String?, step: Int?, time: Double?, values: [String: Double]?
        while true {
            guard let key = cursor.plainString(), cursor.consume(UInt8(ascii: ":")) else { return nil }
            let field: UInt8
            switch (key.count, key.first) {
            case (1, UInt8(ascii: "v")):
                field = 1
                guard let v = cursor.number(), v == 1 else { return nil }
            case (4, UInt8(ascii: "t")) where Self.equals(key, "type"):
                field = 2
                guard let type = cursor.plainString(), Self.equals(type, "scalars") else { return nil }
            case (3, UInt8(ascii: "r")) where Self.equals(key, "run"):
                field = 4
                if cursor.consumeLiteral("null") { run = nil } else {
                    guard let id = cursor.plainString() else { return nil }
                    run = names.intern(id)
                }
            case (4, UInt8(ascii: "s")) where Self.equals(key, "step"):
                field = 8
                guard let x = cursor.number(), x == x.rounded(), abs(x) <= 9_007_199_254_740_992 else { return nil }
                step = Int(x)
            case (4, UInt8(ascii: "t")) where Self.equals(key, "time"):
                field = 16
                if cursor.consumeLiteral("null") { time = nil } else {
                    guard let x = cursor.numberOrSpecial() else { return nil }
                    time = x
                }
            case (6, UInt8(ascii: "v")) where Self.equals(key, "values"):
                field = 32
                guard let parsed = decodeValues(&cursor) else { return nil }
                values = parsed
            default:
                return nil
            }
            guard seen & field == 0 else { return nil }
            seen |= field
            if cursor.consume(UInt8(ascii: ",")) { continue }
            guard cursor.consume(UInt8(ascii: "}")), cursor.atEnd else { return nil }
            break
        }
        guard seen & 0b10_1011 == 0b10_1011, let step, let values else { return nil }
        return ScalarsEvent(run: run, step: step, time: time, values: values)
    }

    private mutating func decodeValues(_ cursor: inout Cursor) -> [String: Double]? {
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        var values = [String: Double](minimumCapacity: metricsPerLine)
        if cursor.consume(UInt8(ascii: "}")) { return values }
        while true {
            guard let name = cursor.plainString(), cursor.consume(UInt8(ascii: ":")),
                  let value = cursor.numberOrSpecial() else { return nil }
            guard values.updateValue(value, forKey: names.intern(name)) == nil else { return nil }
            if cursor.consume(UInt8(ascii: ",")) { continue }
            metricsPerLine = max(values.count, 1)
            return cursor.consume(UInt8(ascii: "}")) ? values : nil
        }
    }

    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0)
    }
}

/// A read position in one line, skipping JSON whitespace before each token.
private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get { skipWhitespace(); return index == bytes.count }
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count, memcmp(bytes.baseAddress! + index, literal.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    /// A string of printable ASCII without escapes (the bytes between the quotes).
    mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
            }
            guard b >= 0x20, b < 0x7F, b != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// A number, or one of the strings and bare tokens PROTOCOL.md allows for non-finite values.
    mutating func numberOrSpecial() -> Double? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            guard let text = plainString() else { return nil }
            if ScalarsLineDecoder.equals(text, "NaN") { return .nan }
            if ScalarsLineDecoder.equals(text, "Infinity") || ScalarsLineDecoder.equals(text, "+Infinity") { return .infinity }
            if ScalarsLineDecoder.equals(text, "-Infinity") { return -.infinity }
            return nil
        case UInt8(ascii: "N"): return consumeLiteral("NaN") ? .nan : nil
        case UInt8(ascii: "I"): return consumeLiteral("Infinity") ? .infinity : nil
        case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            index += 1
            return consumeLiteral("Infinity") ? -.infinity : nil
        default: return number()
        }
    }

    /// A JSON number, correctly rounded (as the general parser reads it).
    mutating func number() -> Double? {
        skipWhitespace()
        guard case .number(let value, let end) = JSONNumber.scan(bytes, at: index) else { return nil }
        index = end
        return value
    }
}
