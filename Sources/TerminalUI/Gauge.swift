/// A horizontal bar filled to a ratio in eighth-cell steps, with a label on the left and the
/// percentage on the right: `step 1200/3000 ██████▍      40%`.
public struct Gauge: Sendable {
    public var ratio: Double
    public var label: String
    public var barStyle: Style
    public var textStyle: Style

    public init(ratio: Double, label: String = "", barStyle: Style = .plain, textStyle: Style = .plain) {
        self.ratio = ratio; self.label = label; self.barStyle = barStyle; self.textStyle = textStyle
    }

    static let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// Draws the gauge on the first row of `area`.
    public func render(into buffer: inout Buffer, area: Rect) {
        guard area.width > 0, area.height > 0 else { return }
        let r = ratio.isFinite ? Swift.min(1, Swift.max(0, ratio)) : 0
        let percent = " \(Int((r * 100).rounded(.down)))%"
        let labelWidth = label.isEmpty ? 0 : buffer.write(label + " ", x: area.x, y: area.y, style: textStyle, maxWidth: area.width)
        let barWidth = area.width - labelWidth - percent.count
        guard barWidth >= 1 else { return }
        let eighths = Int((r * Double(barWidth * 8)).rounded(.down))
        for i in 0..<barWidth {
            let filled = eighths - i * 8
            let character: Character = filled >= 8 ? "█" : filled > 0 ? Self.partials[filled - 1] : "·"
            buffer[area.x + labelWidth + i, area.y] = Cell(character, style: filled > 0 ? barStyle : textStyle)
        }
        buffer.write(percent, x: area.x + labelWidth + barWidth, y: area.y, style: textStyle)
    }
}
