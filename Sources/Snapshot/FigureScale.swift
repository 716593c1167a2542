import TerminalUI

/// One axis of a figure in pixels: values on the view's scale (linear, log, symlog) mapped onto a
/// pixel span, and the ticks a reader expects: 1, 2, 5 × 10ⁿ steps on linear axes, decades with
/// minor ticks at 2…9 on log axes, zero and signed decades on symlog axes.
public struct FigureScale {
    public var mapping: AxisMapping
    /// Pixel positions of the range's lower and upper ends (y runs upwards: `start` > `end`).
    public var start: Double
    public var end: Double
    /// Category names at 0, 1, 2, … replace numeric ticks when present.
    public var categories: [String]?

    /// A tick: its value, its label (nil for a minor tick) and its pixel position.
    public struct Tick: Equatable {
        public var value: Double
        public var label: String?
        public var position: Double
    }

    public init(mapping: AxisMapping, start: Double, end: Double, categories: [String]? = nil) {
        self.mapping = mapping; self.start = start; self.end = end; self.categories = categories
    }

    /// The pixel position of `value`, nil where the scale cannot show it (log of a value ≤ 0).
    public func position(_ value: Double) -> Double? {
        mapping.fraction(value).map { start + (end - start) * $0 }
    }

    /// Ticks inside the range, about one labelled tick per `spacing` pixels.
    public func ticks(spacing: Double) -> [Tick] {
        let length = abs(end - start)
        let target = Swift.max(2, Swift.min(10, Int(length / spacing)))
        let range = mapping.range
        var out: [Tick] = []
        func add(_ value: Double, _ label: String?) {
            if let p = position(value) { out.append(Tick(value: value, label: label, position: p)) }
        }
        if let categories {
            for (i, name) in categories.enumerated() where range.contains(Double(i)) { add(Double(i), name) }
            return out
        }
        switch mapping.scale {
        case .linear:
            for value in Self.linearTicks(range, count: target) { add(value.value, value.label) }
        case .log:
            guard range.lowerBound > 0 else { return [] }
            let low = NumberFormat.log10(range.lowerBound), high = NumberFormat.log10(range.upperBound)
            let first = Int((low - 1e-9).rounded(.up)), last = Int((high + 1e-9).rounded(.down))
            let decades = last - first + 1
            if decades < 2 {
                // Less than two decades in view: 1, 2 and 5 × 10ⁿ labelled, plain numbers.
                for e in (first - 1)...(last + 1) {
                    for m in 1...9 {
                        let v = Double(m) * NumberFormat.power10(e)
                        guard range.contains(v) else { continue }
                        add(v, [1, 2, 5].contains(m) ? Self.plain(v, step: NumberFormat.power10(Swift.min(e, 0))) : nil)
                    }
                }
                return out
            }
            let every = Swift.max(1, (decades + target - 1) / target)
            for e in (first - 1)...(last + 1) {
                let decade = NumberFormat.power10(e)
                if range.contains(decade) { add(decade, (e - first) % every == 0 ? Self.power(e) : nil) }
                guard every == 1, decades <= 8 else { continue }
                for m in 2...9 where range.contains(Double(m) * decade) { add(Double(m) * decade, nil) }
            }
        case .symlog:
            let threshold = mapping.linearThreshold
            let top = Swift.max(abs(range.lowerBound), abs(range.upperBound))
            guard top > 0 else { return [] }
            let lowest = Int(NumberFormat.log10(threshold).rounded(.up)), highest = Int((NumberFormat.log10(top) + 1e-9).rounded(.down))
            let every = Swift.max(1, (highest - lowest + 1 + target / 2 - 1) / Swift.max(1, target / 2))
            if range.contains(0) { add(0, "0") }
            for e in stride(from: highest, through: lowest, by: -every) {
                let v = NumberFormat.power10(e)
                if range.contains(v) { add(v, Self.power(e)) }
                if range.contains(-v) { add(-v, "−" + Self.power(e)) }
            }
        }
        return out
    }

    /// Multiples of the nice step (1, 2 or 5 × 10ⁿ) that gives about `count` ticks over `range`,
    /// labelled with as many decimals as the step needs.
    static func linearTicks(_ range: ClosedRange<Double>, count: Int) -> [(value: Double, label: String)] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [(range.lowerBound, plain(range.lowerBound, step: 1))] }
        // A step that leaves fewer than two ticks inside is too coarse: the next finer one is taken.
        var wanted = Swift.max(1, count)
        while true {
            let step = niceStep(span / Double(wanted))
            let first = (range.lowerBound / step - 1e-9).rounded(.up), last = (range.upperBound / step + 1e-9).rounded(.down)
            guard last - first < 1000 else { return [] }
            if last - first >= 1 || wanted >= 4 * count {
                return last < first ? [] : stride(from: first, through: last, by: 1).map { k in (k * step, plain(k * step, step: step)) }
            }
            wanted += 1
        }
    }

    /// The smallest 1, 2, 5 or 10 × 10ⁿ at least `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = NumberFormat.power10(Int((NumberFormat.log10(raw) + 1e-12).rounded(.down)))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    /// `v` written with the decimals a tick step needs (`0.25` → step 0.05 gives `0.25`); magnitudes
    /// past 10⁵ or below 10⁻³ as `2×10⁵`.
    static func plain(_ v: Double, step: Double) -> String {
        let a = abs(v)
        if a != 0 && (a >= 1e5 || a < 1e-3) {
            let e = Int((NumberFormat.log10(a) + 1e-9).rounded(.down))
            let m = v / NumberFormat.power10(e)
            let mantissa = plain(m, step: Swift.max(step / NumberFormat.power10(e), 0.1))
            return mantissa == "1" ? power(e) : mantissa == "-1" ? "−" + power(e) : "\(mantissa)×\(power(e))"
        }
        let decimals = Swift.max(0, Swift.min(9, -Int((NumberFormat.log10(step) + 1e-9).rounded(.down))))
        var scaled = (a * NumberFormat.power10(decimals)).rounded()
        var digits = ""
        repeat {
            digits = String(Int(scaled.truncatingRemainder(dividingBy: 10))) + digits
            scaled = (scaled / 10).rounded(.down)
        } while scaled > 0
        while digits.count <= decimals { digits = "0" + digits }
        var text = decimals > 0 ? "\(digits.dropLast(decimals)).\(digits.suffix(decimals))" : digits
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (v < 0 && text != "0" ? "−" : "") + text
    }

    /// `10ⁿ` with superscript digits.
    static func power(_ e: Int) -> String {
        let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let digits = String(abs(e)).map { superscripts[Int(String($0))!] }
        return "10" + (e < 0 ? "⁻" : "") + String(digits)
    }
}
