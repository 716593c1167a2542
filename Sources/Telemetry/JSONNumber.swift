import Foundation

/// Reads one JSON number from bytes, correctly rounded: the one number grammar and conversion that
/// both the general parser and the `scalars` fast path use.
enum JSONNumber {
    enum Scan {
        /// The value and the index just past its last byte.
        case number(Double, end: Int)
        /// Not a number: why, and the index where it went wrong.
        case malformed(String, at: Int)
    }

    /// Scans the number starting at `start`.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Scan {
        var index = start
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return .malformed("expected a digit after '-'", at: index) }
        var mantissa: UInt64 = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { return .malformed("leading zero in a number", at: index) }
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
            guard index < bytes.count, isDigit(bytes[index]) else { return .malformed("expected a digit after '.'", at: index) }
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
            guard index < bytes.count, isDigit(bytes[index]) else { return .malformed("expected a digit in the exponent", at: index) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let negative = bytes[start] == UInt8(ascii: "-")
        // Exact fast path: ≤ 15 significant digits and a power of ten that is exact in a Double.
        if !hasExponent, digits <= 15, fractionDigits <= 22 {
            let value = Double(mantissa) / exactPowerOfTen(fractionDigits)
            return .number(negative ? -value : value, end: index)
        }
        // strtod needs a terminated C string; numbers are short, so they are copied to the stack.
        let length = index - start
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            for i in 0..<length { text[i] = CChar(bitPattern: bytes[start + i]) }
            text[length] = 0
            return strtod(text.baseAddress!, nil)
        }
        return .number(value, end: index)
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

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
