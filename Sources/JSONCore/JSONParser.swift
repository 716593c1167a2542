import Glibc

/// Why a line failed to parse as JSON, with the 1-based byte column where the parser stopped.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    /// The kinds of syntax failure.
    /// Named as in the error table of PROTOCOL.md.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Not JSON.
        case invalidJSON = "invalid-json"
        /// A string holds bytes that are not UTF-8.
        case invalidUTF8 = "invalid-utf8"
        /// An object repeats a key.
        case duplicateKey = "duplicate-key"
        /// Nesting deeper than `JSONParser.maxDepth`.
        case tooDeep = "too-deep"
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// 1-based byte column in the line.
    public var column: Int
    /// One-line human-readable reason.
    public var reason: String
}

/// A strict, fast JSON parser over the bytes of one line.
///
/// Beyond RFC 8259 it accepts the bare tokens `NaN`, `Infinity` and `-Infinity` that Python's
/// `json.dumps` writes. It rejects duplicate keys, invalid UTF-8 inside strings, nesting deeper
/// than `maxDepth`, and trailing content after the value.
public struct JSONParser {
    /// Deepest array/object nesting accepted; deeper input is reported, never recursed into.
    public static let maxDepth = 64

    /// Parses exactly one JSON value that fills `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw parser.error(.invalidJSON, "unexpected \(parser.describeCurrent()) after the JSON value")
        }
        return value
    }

    /// Parses a JSON document held in a byte array.
    public static func parse(bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) { return .success(try parse(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses a JSON document held in a String.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses a document another tool wrote, as Python's `json` reads it: a repeated key keeps its
    /// last value instead of failing the document (each repetition is returned, key and column, for
    /// a warning), and nesting may go to `maxDepth` (the caller's thread must have the stack for it).
    public static func parseKeepingLastDuplicates(bytes: [UInt8], maxDepth: Int = JSONParser.maxDepth) throws(JSONSyntaxError)
        -> (value: JSONValue, duplicates: [(key: String, column: Int)]) {
        let result: Result<(JSONValue, [(key: String, column: Int)]), JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            parser.keepsLastDuplicate = true
            parser.depthLimit = maxDepth
            do throws(JSONSyntaxError) {
                parser.skipWhitespace()
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                if parser.index < buffer.count {
                    throw parser.error(.invalidJSON, "unexpected \(parser.describeCurrent()) after the JSON value")
                }
                return .success((value, parser.duplicates))
            } catch { return .failure(error) }
        }
        let (value, duplicates) = try result.get()
        return (value, duplicates)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var keepsLastDuplicate = false
    private var depthLimit = JSONParser.maxDepth
    private var duplicates: [(key: String, column: Int)] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error(.invalidJSON, "unexpected end of line, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            index += 1
            try expectLiteral("Infinity")
            return .number(-.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error(.invalidJSON, "unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONObject {
        if depth > depthLimit { throw error(.tooDeep, "nesting deeper than \(depthLimit) levels") }
        index += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { index += 1; return object }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw error(.invalidJSON, "expected a string key, found \(describeCurrent())")
            }
            let keyColumn = index + 1
            let key = try parseString()
            // `JSONObject` indexes its keys past a few fields, so this check is not quadratic.
            if object[key] != nil {
                guard keepsLastDuplicate else {
                    throw JSONSyntaxError(kind: .duplicateKey, column: keyColumn, reason: "duplicate key \"\(key)\"")
                }
                duplicates.append((key, keyColumn))
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error(.invalidJSON, "expected ':' after key \"\(key)\"") }
            index += 1
            skipWhitespace()
            object[key] = try parseValue(depth: depth)
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { index += 1; continue }
            if peek(UInt8(ascii: "}")) { index += 1; break }
            throw error(.invalidJSON, "expected ',' or '}' in object, found \(describeCurrent())")
        }
        return object
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> [JSONValue] {
        if depth > depthLimit { throw error(.tooDeep, "nesting deeper than \(depthLimit) levels") }
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { index += 1; return items }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { index += 1; continue }
            if peek(UInt8(ascii: "]")) { index += 1; return items }
            throw error(.invalidJSON, "expected ',' or ']' in array, found \(describeCurrent())")
        }
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = index
        index += 1  // opening quote
        var plainASCII = true
        var scalarsNeeded = false
        var scan = index
        // Fast scan: find the closing quote; note whether escapes or non-ASCII bytes occur.
        while scan < bytes.count {
            let b = bytes[scan]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") { scalarsNeeded = true; scan += 2; continue }
            if b < 0x20 {
                index = scan
                throw error(.invalidJSON, "control character 0x\(String(b, radix: 16)) inside a string")
            }
            if b >= 0x80 { plainASCII = false }
            scan += 1
        }
        guard scan < bytes.count else {
            index = start
            throw error(.invalidJSON, "unterminated string")
        }
        let body = UnsafeBufferPointer(rebasing: bytes[index..<scan])
        if !scalarsNeeded {
            index = scan + 1
            if plainASCII { return String(decoding: body, as: UTF8.self) }
            guard let s = String(validating: body, as: UTF8.self) else {
                throw JSONSyntaxError(kind: .invalidUTF8, column: start + 1, reason: "invalid UTF-8 inside a string")
            }
            return s
        }
        // Slow path with escapes: decode into bytes, then validate.
        var out: [UInt8] = []
        out.reserveCapacity(scan - index)
        while index < scan {
            let b = bytes[index]
            if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
            index += 1
            guard index < scan else { throw error(.invalidJSON, "unterminated escape") }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4(end: scan)
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by \u and a low surrogate.
                    guard index + 1 < scan, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error(.invalidJSON, "lone high surrogate \\u\(String(scalar, radix: 16))")
                    }
                    index += 2
                    let low = try parseHex4(end: scan)
                    guard (0xDC00...0xDFFF).contains(low) else { throw error(.invalidJSON, "invalid low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error(.invalidJSON, "lone low surrogate \\u\(String(scalar, radix: 16))")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                index -= 2  // point at the backslash
                throw error(.invalidJSON, "invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        index = scan + 1
        guard let s = String(validating: out, as: UTF8.self) else {
            throw JSONSyntaxError(kind: .invalidUTF8, column: start + 1, reason: "invalid UTF-8 inside a string")
        }
        return s
    }

    private mutating func parseHex4(end: Int) throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= end else { throw error(.invalidJSON, "truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error(.invalidJSON, "invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        switch JSONNumber.scan(bytes, at: index) {
        case .number(let value, let end):
            index = end
            return value
        case .malformed(let reason, let position):
            index = position
            throw error(.invalidJSON, "\(reason)")
        }
    }

    // MARK: - Helpers

    private func peek(_ b: UInt8) -> Bool { index < bytes.count && bytes[index] == b }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (offset, b) in text.enumerated() {
            guard index + offset < bytes.count, bytes[index + offset] == b else {
                index += offset
                throw error(.invalidJSON, "invalid literal, expected '\(literal)'")
            }
        }
        index += text.count
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of line" }
        let b = bytes[index]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    private func error(_ kind: JSONSyntaxError.Kind, _ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(kind: kind, column: index + 1, reason: reason)
    }
}
