/// How values map onto a chart axis: linear, log₁₀, or symmetric log (linear near zero, log beyond).
public enum AxisScale: String, Sendable, Hashable, CaseIterable {
    case linear = "lin"
    case log = "log"
    case symlog = "symlog"

    /// The next scale in the order linear → log → symlog → linear (what the `l`/`L` keys step through).
    public var next: AxisScale {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// One axis of a chart: a scale and the data range it shows, mapping values to fractions 0…1 and back.
public struct AxisMapping: Sendable, Hashable {
    public let scale: AxisScale
    public let range: ClosedRange<Double>
    /// Where symlog turns from linear to logarithmic: three decades below the largest magnitude shown.
    public let linearThreshold: Double
    /// The range's ends in the scale's coordinates, kept because every position needs them (a log
    /// chart maps thousands of values a frame).
    private let low: Double?, high: Double?

    public init(scale: AxisScale, range: ClosedRange<Double>) {
        self.scale = scale
        self.range = range
        let magnitude = Swift.max(abs(range.lowerBound), abs(range.upperBound))
        linearThreshold = magnitude > 0 ? magnitude * 1e-3 : 1
        low = Self.transformed(range.lowerBound, scale, linearThreshold)
        high = Self.transformed(range.upperBound, scale, linearThreshold)
    }

    /// The value in the scale's own coordinates (nil where the scale cannot show it: log of x ≤ 0, NaN).
    public func transformed(_ v: Double) -> Double? { Self.transformed(v, scale, linearThreshold) }

    private static func transformed(_ v: Double, _ scale: AxisScale, _ linearThreshold: Double) -> Double? {
        guard v.isFinite else { return nil }
        switch scale {
        case .linear: return v
        case .log: return v > 0 ? NumberFormat.log10(v) : nil
        case .symlog: return (v < 0 ? -1 : 1) * NumberFormat.log10(1 + abs(v) / linearThreshold)
        }
    }

    /// Inverse of `transformed`.
    public func untransformed(_ t: Double) -> Double {
        switch scale {
        case .linear: return t
        case .log: return NumberFormat.exp10(t)
        case .symlog: return (t < 0 ? -1 : 1) * (NumberFormat.exp10(abs(t)) - 1) * linearThreshold
        }
    }

    /// Where `v` falls between the range's ends (0 at the lower bound, 1 at the upper), nil when not shown.
    public func fraction(_ v: Double) -> Double? {
        guard let t = transformed(v), let low, let high else { return nil }
        return high > low ? (t - low) / (high - low) : 0.5
    }

    /// `count + 1` increasing boundaries that cut the range into `count` slices of equal width on this
    /// scale (the x edges of a chart's dot columns).
    public func edges(count: Int) -> [Double] {
        guard count > 0 else { return [range.lowerBound, range.upperBound] }
        guard let low, let high, high > low else {
            let width = range.upperBound - range.lowerBound
            return (0...count).map { range.lowerBound + width * Double($0) / Double(count) }
        }
        var edges = (0...count).map { untransformed(low + (high - low) * Double($0) / Double(count)) }
        edges[0] = range.lowerBound
        edges[count] = range.upperBound
        return edges
    }
}
