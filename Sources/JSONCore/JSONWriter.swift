/// Writes compact JSON into a byte buffer.
///
/// Non-finite numbers become the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (PROTOCOL.md,
/// "Numbers"), so every line stays valid RFC 8259 JSON. Integral numbers within ±2^53 print
/// without a fraction; others print in Swift's shortest round-trip form.
public struct JSONWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() { bytes.reserveCapacity(256) }

    /// Appends a whole value.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let x): write(number: x)
        case .string(let s): write(string: s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(string: entry.key)
                bytes.append(UInt8(ascii: ":"))
                write(entry.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a number in the contract's encoding.
    public mutating func write(number x: Double) {
        if x.isNaN { append("\"NaN\""); return }
        if x.isInfinite { append(x > 0 ? "\"Infinity\"" : "\"-Infinity\""); return }
        if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
            if x == 0 && x.sign == .minus { append("-0"); return }
            append(String(Int64(x)))
            return
        }
        var text = x.description
        // Swift writes "1e-06"; the exponent's zero padding is noise in a log line.
        if let e = text.firstIndex(of: "e") {
            var digits = text[text.index(after: e)...]
            var sign = ""
            if let first = digits.first, first == "-" || first == "+" {
                sign = first == "-" ? "-" : ""
                digits = digits.dropFirst()
            }
            let trimmed = digits.drop { $0 == "0" }
            text = text[..<e] + "e" + sign + (trimmed.isEmpty ? "0" : trimmed)
        }
        append(text)
    }

    /// Appends a string with JSON escapes; non-ASCII characters pass through as UTF-8.
    public mutating func write(string s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
}

extension JSONValue {
    /// Compact JSON text of this value.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
