import Foundation
@testable import JSONCore
import Testing
import TestSupport

/// `JSONNumber` converts decimal text to the same Double as glibc's `strtod` (correctly rounded)
/// for every number: the Eisel-Lemire path, Clinger's exact path, and the strtod fallback.
@Suite struct JSONNumberTests {
    func scanned(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            guard case .number(let value, let end) = JSONNumber.scan(bytes, at: 0), end == bytes.count else { return nil }
            return value
        }
    }

    func expectSameAsStrtod(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = strtod(text, nil)
        guard let got = scanned(text) else {
            Issue.record("\(text) did not scan", sourceLocation: sourceLocation)
            return
        }
        #expect(got.bitPattern == expected.bitPattern, "\(text): \(got) vs strtod \(expected)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        "0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.001", "2.5", "1e23", "8.98846567431158e307",
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e400",
        "2.2250738585072014e-308", "2.2250738585072011e-308", "4.9406564584124654e-324", "5e-324", "2e-324", "1e-400",
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995", "18446744073709551615",
        "9999999999999999999", "10000000000000000000", "123456789012345678901234567890",
        "0.1234567890123456789", "2.508408459855892", "2.5090804742995068", "1700000000.001",
        "7.2057594037927933e16", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "3.0517578125e-05", "1E10", "1e+10", "1e-0",
        "0.000000000000000000000000000001", "100000000000000000000000e-23", "4503599627370496.5", "4503599627370497.5",
    ])
    func edgeCasesMatchStrtod(_ text: String) {
        expectSameAsStrtod(text)
    }

    /// Every finite Double, printed shortest (Swift's `description`) and with 17 digits, reads back
    /// as itself and as strtod reads it; most of these take the Eisel-Lemire path.
    @Test func randomDoublesRoundTrip() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            for text in ["\(value)", String(format: "%.17g", value), String(format: "%.16e", value)] {
                let json = text.replacingOccurrences(of: "e+", with: "e")
                #expect(scanned(json)?.bitPattern == value.bitPattern, "\(json)")
                expectSameAsStrtod(json)
            }
        }
    }

    /// Random digit strings near the scale of training metrics, and random 19-digit mantissas
    /// with exponents across the whole range, including subnormals and overflow.
    @Test func randomDecimalsMatchStrtod() {
        var rng = SplitMix64(seed: 12)
        for _ in 0..<20_000 {
            let digits = Int(rng.next() % 19) + 1
            var mantissa = String(rng.next() % 9 + 1)
            for _ in 1..<digits { mantissa += String(rng.next() % 10) }
            let point = Int(rng.next() % UInt64(digits + 1))
            let small = mantissa.prefix(point).isEmpty ? "0" : String(mantissa.prefix(point))
            let fraction = mantissa.dropFirst(point)
            expectSameAsStrtod(small + (fraction.isEmpty ? "" : "." + fraction))
            expectSameAsStrtod("\(mantissa)e\(Int(rng.next() % 700) - 360)")
        }
    }
}
