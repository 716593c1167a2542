/// Vertical bars, one per cell column, in eighth-block steps (`▁▂▃▄▅▆▇█`): a spectral density,
/// a distribution of weights. Bars rise from the bottom of `area`; heights are linear or log₁₀.
public struct Histogram: Sendable {
    /// One value per cell column (resample before drawing); non-finite or ≤ 0 values draw nothing.
    public var values: [Double]
    public var style: Style
    public var scale: AxisScale
    /// The value that fills the whole height (the maximum of `values` when nil).
    public var maximum: Double?

    public init(values: [Double], style: Style = .plain, scale: AxisScale = .linear, maximum: Double? = nil) {
        self.values = values; self.style = style; self.scale = scale; self.maximum = maximum
    }

    static let eighths: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// Draws the bars into `area`, value i in column `area.x + i`.
    public func render(into buffer: inout Buffer, area: Rect) {
        let finite = values.filter { $0.isFinite && $0 > 0 }
        guard !area.isEmpty, let top = maximum ?? finite.max(), top > 0 else { return }
        // Log heights span three decades below the top value.
        let floor = scale == .linear ? 0 : top * 1e-3
        let mapping = AxisMapping(scale: scale == .linear ? .linear : .log, range: floor...top)
        for (i, v) in values.prefix(area.width).enumerated() {
            guard v.isFinite, v > floor, let f = mapping.fraction(Swift.min(v, top)) else { continue }
            let eighthsHigh = Int((f * Double(area.height * 8)).rounded())
            for row in 0..<area.height {
                let filled = eighthsHigh - row * 8
                guard filled > 0 else { break }
                buffer[area.x + i, area.y + area.height - 1 - row] = Cell(Self.eighths[Swift.min(filled, 8) - 1], style: style)
            }
        }
    }
}
