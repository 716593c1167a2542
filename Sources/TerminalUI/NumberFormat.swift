/// Compact number formatting without Foundation (axis labels, values at the cursor).
public enum NumberFormat {
    /// At most about 6 characters: `0.0123`, `1.5e-06`, `2.4e+04`, `150`, `-3.25`.
    public static func short(_ x: Double) -> String { short(x, mantissaDecimals: 1) }

    /// `short` with `mantissaDecimals` of an exponent's mantissa, where two close values must read apart (`5.97e-05`).
    public static func short(_ x: Double, mantissaDecimals: Int) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "-∞" }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e4 || magnitude < 1e-3 {
            var exponent = Int(log10(magnitude).rounded(.down))
            var mantissa = x / power10(exponent)
            let scale = power10(mantissaDecimals)
            mantissa = (mantissa * scale).rounded() / scale
            if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
            let sign = exponent < 0 ? "-" : "+"
            let digits = String(abs(exponent))
            return "\(trim(mantissa, decimals: mantissaDecimals))e\(sign)\(digits.count < 2 ? "0" + digits : digits)"
        }
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        return trim(x, decimals: decimals)
    }

    /// log₁₀ without Foundation, by the change of base from the standard library's logarithm-free bits.
    public static func log10(_ x: Double) -> Double {
        // x = m · 2ᵉ with m in [√½, √2): log10(x) = (e·ln 2 + ln m) / ln 10.
        var e = Double(x.exponent)
        var m = x.significand
        if m > 1.414_213_562_373_095_1 {
            m /= 2
            e += 1
        }
        // ln(m) = 2·atanh(t), t = (m−1)/(m+1), |t| ≤ 0.172: the odd series t + t³/3 + … to t²³
        // (the next term is below 10⁻¹⁸), summed by Horner from the smallest term.
        let t = (m - 1) / (m + 1), t2 = t * t
        var sum = 1.0 / 23
        sum = sum * t2 + 1.0 / 21
        sum = sum * t2 + 1.0 / 19
        sum = sum * t2 + 1.0 / 17
        sum = sum * t2 + 1.0 / 15
        sum = sum * t2 + 1.0 / 13
        sum = sum * t2 + 1.0 / 11
        sum = sum * t2 + 1.0 / 9
        sum = sum * t2 + 1.0 / 7
        sum = sum * t2 + 1.0 / 5
        sum = sum * t2 + 1.0 / 3
        sum = sum * t2 + 1
        let ln2 = 0.693_147_180_559_945_3
        return (e * ln2 + 2 * t * sum) / 2.302_585_092_994_046
    }

    /// 10 raised to a real power, without Foundation: 2^(t·log₂10) split into an exact power of two and
    /// a Taylor series for the fraction.
    public static func exp10(_ t: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? t : (t > 0 ? .infinity : 0) }
        let y = t * 3.321_928_094_887_362_3
        let whole = y.rounded(.down)
        guard whole < 1100 else { return .infinity }
        guard whole > -1100 else { return 0 }
        let z = (y - whole) * 0.693_147_180_559_945_3
        var term = 1.0, sum = 1.0
        for k in 1...20 {
            term *= z / Double(k)
            sum += term
        }
        return Double(sign: .plus, exponent: Int(whole), significand: sum)
    }

    /// 10ⁿ as exactly as a Double holds it (a product of tens, or one division for n < 0).
    public static func power10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(n) { result *= 10 }
        return n < 0 ? 1 / result : result
    }

    static func trim(_ x: Double, decimals: Int) -> String {
        let scale = power10(decimals)
        let rounded = (x * scale).rounded() / scale
        var text = decimals == 0 ? String(Int(rounded)) : String(rounded)
        if text.contains("e") { return String(rounded) }
        if decimals > 0, let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...]
            if fraction.count > decimals { text = String(text[...text.index(dot, offsetBy: decimals)]) }
            while text.last == "0" { text.removeLast() }
            if text.last == "." { text.removeLast() }
        }
        return text
    }
}

