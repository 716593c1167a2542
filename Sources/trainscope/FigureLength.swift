import ArgumentParser

/// A figure's width or height: pixels (`800`, `800px`) or inches (`3.3in`, turned into pixels at
/// `--dpi`), as `snapshot --style figure --width/--height` take it.
struct FigureLength: Equatable, CustomStringConvertible {
    var value: Double
    var inInches: Bool

    var description: String { inInches ? "\(value)in" : "\(Int(value))px" }

    /// The length in pixels at `dpi` dots per inch.
    func pixels(dpi: Double) -> Int { Int((inInches ? value * dpi : value).rounded()) }

    /// `--width`'s or `--height`'s value, or why it is not one.
    static func parse(_ text: String) throws -> FigureLength {
        let lower = text.lowercased()
        let inches = lower.hasSuffix("in")
        let number = inches ? lower.dropLast(2) : lower.hasSuffix("px") ? lower.dropLast(2) : Substring(lower)
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw ValidationError("expected pixels (800, 800px) or inches (3.3in)")
        }
        let length = FigureLength(value: value, inInches: inches)
        guard inches ? value <= 100 : (100...20_000).contains(value) else {
            throw ValidationError(inches ? "at most 100in" : "between 100 and 20000 pixels")
        }
        return length
    }
}
