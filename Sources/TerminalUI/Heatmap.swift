/// A heat map at half-cell resolution: each cell shows two values stacked, as the upper half block
/// `▀` in the top value's colour over the bottom value's colour as background. Without colours (a
/// ramp whose entries are all the default colour) it falls back to one shade character per cell
/// (` ░▒▓█`) from the larger of the two values.
public struct Heatmap: Sendable {
    /// Column-major intensities in 0…1: `columns[c][r]` with r = 0 at the bottom; each column has
    /// `2 × height` entries for an area `height` rows high; nil leaves the half cell empty.
    public var columns: [[Double?]]
    /// Colours from low to high intensity.
    public var ramp: [Color]

    public init(columns: [[Double?]], ramp: [Color]) { self.columns = columns; self.ramp = ramp }

    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// Draws the map into `area`, column c at `area.x + c`.
    public func render(into buffer: inout Buffer, area: Rect) {
        guard !area.isEmpty, !ramp.isEmpty else { return }
        let hasColour = ramp.contains { $0 != .default }
        func colour(_ v: Double?) -> Color {
            guard let v, v.isFinite else { return .default }
            return ramp[Swift.min(ramp.count - 1, Swift.max(0, Int((v * Double(ramp.count)).rounded(.down))))]
        }
        for (c, column) in columns.prefix(area.width).enumerated() {
            for row in 0..<area.height {
                // Screen row `row` from the top holds value rows 2(h−1−row)+1 (top half) and 2(h−1−row).
                let bottomIndex = 2 * (area.height - 1 - row)
                let top = bottomIndex + 1 < column.count ? column[bottomIndex + 1] : nil
                let bottom = bottomIndex < column.count ? column[bottomIndex] : nil
                guard top != nil || bottom != nil else { continue }
                if hasColour {
                    buffer[area.x + c, area.y + row] = Cell("▀", style: Style(foreground: colour(top), background: colour(bottom)))
                } else {
                    let v = Swift.max(top ?? 0, bottom ?? 0)
                    let i = Swift.min(Self.shades.count - 1, Int((v * Double(Self.shades.count - 1)).rounded()))
                    buffer[area.x + c, area.y + row] = Cell(Self.shades[i])
                }
            }
        }
    }
}
