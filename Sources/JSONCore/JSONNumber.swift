import Glibc

/// Reads one JSON number from bytes, correctly rounded: the one number grammar and conversion that
/// both the general parser and the `scalars` fast path use.
public enum JSONNumber {
    public enum Scan {
        /// The value and the index just past its last byte.
        case number(Double, end: Int)
        /// Not a number: why, and the index where it went wrong (a static text: nothing to
        /// allocate or release on the paths that try a number and fall back).
        case malformed(StaticString, at: Int)
    }

    /// Scans the number starting at `start`.
    @inline(__always)
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Scan {
        guard let base = bytes.baseAddress, start < bytes.count else { return .malformed("expected a digit", at: start) }
        let end = bytes.count
        var index = start
        let negative = base[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < end, isDigit(base[index]) else { return .malformed("expected a digit after '-'", at: index) }
        // Every digit goes into `mantissa` (wrapping past 19 significant digits, when it is not used).
        var mantissa: UInt64 = 0
        var significantDigits = 0
        if base[index] == UInt8(ascii: "0") {
            index += 1
            if index < end, isDigit(base[index]) { return .malformed("leading zero in a number", at: index) }
        } else {
            let first = index
            accumulateDigits(base, &index, end, &mantissa)
            significantDigits = index - first
        }
        var fractionDigits = 0
        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            let first = index
            guard index < end, isDigit(base[index]) else { return .malformed("expected a digit after '.'", at: index) }
            // Zeros after "0." are not significant.
            if significantDigits == 0 { while index < end, base[index] == UInt8(ascii: "0") { index += 1 } }
            let firstSignificant = index
            accumulateDigits(base, &index, end, &mantissa)
            significantDigits += index - firstSignificant
            fractionDigits = index - first
        }
        var exponent = 0
        if index < end, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var negativeExponent = false
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") {
                negativeExponent = base[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < end, isDigit(base[index]) else { return .malformed("expected a digit in the exponent", at: index) }
            while index < end, isDigit(base[index]) {
                // Past 10^5 every value is 0 or infinity already; the cap keeps the sum from overflowing.
                if exponent < 100_000 { exponent = exponent * 10 + Int(base[index] &- 48) }
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        if significantDigits <= 19, let magnitude = decimalToDouble(mantissa, exponent - fractionDigits) {
            return .number(negative ? -magnitude : magnitude, end: index)
        }
        return .number(strtod(base + start, count: index - start), end: index)
    }

    /// Adds the digits from `index` on to `mantissa`, eight at a time while it can.
    @inline(__always)
    private static func accumulateDigits(_ base: UnsafePointer<UInt8>, _ index: inout Int, _ end: Int, _ mantissa: inout UInt64) {
        while end - index >= 8 {
            // Eight ASCII digits as one little-endian word, checked and converted in a few
            // multiplications (the SWAR method of Lemire's fast_float).
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            guard ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0 else { break }
            var value = word &- 0x3030_3030_3030_3030
            value = value &* 10 &+ value >> 8
            value = ((value & 0x0000_00FF_0000_00FF) &* 0x000F_4240_0000_0064 &+ (value >> 16 & 0x0000_00FF_0000_00FF) &* 0x0000_2710_0000_0001) >> 32
            mantissa = mantissa &* 100_000_000 &+ value
            index += 8
        }
        while index < end, isDigit(base[index]) {
            mantissa = mantissa &* 10 &+ UInt64(base[index] &- 48)
            index += 1
        }
    }

    /// More than 19 significant digits, a subnormal, or a case too close to a halfway point to
    /// decide in 128 bits: strtod decides (it needs a terminated C string; numbers are short).
    @inline(never)
    private static func strtod(_ text: UnsafePointer<UInt8>, count: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { copy in
            for i in 0..<count { copy[i] = CChar(bitPattern: text[i]) }
            copy[count] = 0
            return Glibc.strtod(copy.baseAddress!, nil)
        }
    }

    /// `w · 10^q` correctly rounded, or nil when it cannot be decided here.
    ///
    /// Exact when `w` < 2^53 and 10^|q| is exact in a Double (Clinger's fast path); otherwise the
    /// Eisel-Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second", 2021): multiply
    /// the normalised `w` by a 128-bit 5^q and round, giving up (nil) on the rare products whose
    /// truncated bits leave the rounding direction open, and on subnormals.
    static func decimalToDouble(_ w: UInt64, _ q: Int) -> Double? {
        if w == 0 { return 0 }
        if w <= 1 << 53, q >= -22, q <= 22 {
            return q < 0 ? Double(w) / exactPowerOfTen(-q) : Double(w) * exactPowerOfTen(q)
        }
        if q < PowersOfFive.smallestExponent { return 0 }
        if q > PowersOfFive.largestExponent { return .infinity }
        let leadingZeros = w.leadingZeroBitCount
        let normalized = w << leadingZeros
        // The product's top 64 bits and the next 64; the second multiplication is needed only when
        // the bits below the 55 that matter are all ones (a carry could still reach them).
        let index = 2 * (q - PowersOfFive.smallestExponent)
        let table = PowersOfFive.table
        var (high, low) = normalized.multipliedFullWidth(by: table[index])
        let mask = UInt64.max >> 55
        if high & mask == mask {
            let second = normalized.multipliedFullWidth(by: table[index + 1]).high
            low &+= second
            if second > low { high &+= 1 }
        }
        if low == .max, q < -27 || q > 55 { return nil }
        let upperBit = Int(high >> 63)
        let shift = upperBit + 64 - 52 - 3
        var mantissa = high >> shift
        // log2(10^q) as ((q · 217706) >> 16), exact over the table's range.
        var power2 = ((q &* (152_170 + 65_536)) >> 16) + 63 + upperBit - leadingZeros + 1023
        if power2 <= 0 { return nil }
        // An exact halfway case (only possible for small |q|) rounds to even, not up.
        if low <= 1, q >= -4, q <= 23, mantissa & 3 == 1, mantissa << shift == high { mantissa &= ~1 }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= 2 << 52 {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return .infinity }
        return Double(bitPattern: mantissa | UInt64(power2) << 52)
    }

    @inline(__always)
    private static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

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
