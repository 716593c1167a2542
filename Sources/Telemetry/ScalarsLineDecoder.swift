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
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return nil }
        var mantissa: UInt64 = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { return nil }
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
        }
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            while index < bytes.count, isDigit(bytes[index]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 48) }
                if mantissa != 0 || digits > 0 { digits += 1 }
                fractionDigits += 1
                index += 1
            }
        }
        var hasExponent = false
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let negative = bytes[start] == UInt8(ascii: "-")
        if !hasExponent, digits <= 15, fractionDigits <= 22 {
            let value = Double(mantissa) / Self.exactPowerOfTen(fractionDigits)
            return negative ? -value : value
        }
        let length = index - start
        guard length < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            for i in 0..<length { text[i] = CChar(bitPattern: bytes[start + i]) }
            text[length] = 0
            return strtod(text.baseAddress!, nil)
        }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// 10^n for n ≤ 22, every one exact in a Double; literals, so no array is touched per number.
    private static func exactPowerOfTen(_ n: Int) -> Double {
        switch n {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }
}
