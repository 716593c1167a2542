/// A grid of braille cells, each 2 dots wide and 4 high, that line charts and scatter plots set
/// dots in before copying the set cells into a Buffer. A cell takes the style of the last dot set in it.
public struct BrailleCanvas: Sendable {
    /// Size in cells.
    public let width: Int
    public let height: Int
    private var bits: [UInt8]
    private var styles: [Style?]

    /// An empty canvas of `width × height` cells (`2·width × 4·height` dots).
    public init(width: Int, height: Int) {
        self.width = Swift.max(0, width)
        self.height = Swift.max(0, height)
        bits = Array(repeating: 0, count: self.width * self.height)
        styles = Array(repeating: nil, count: self.width * self.height)
    }

    public var dotColumns: Int { 2 * width }
    public var dotRows: Int { 4 * height }

    /// Sets the dot at dot column `x`, dot row `y` (row 0 at the top); dots outside are ignored.
    public mutating func set(_ x: Int, _ y: Int, style: Style) {
        guard x >= 0, y >= 0, x < dotColumns, y < dotRows else { return }
        // Braille dot numbering: left column rows 0–2 → bits 0–2, row 3 → bit 6; right column → bits 3–5, 7.
        let cell = (y / 4) * width + x / 2
        let r = y % 4, right = x % 2 == 1
        let bit: UInt8 = r == 3 ? (right ? 7 : 6) : UInt8(r + (right ? 3 : 0))
        bits[cell] |= 1 << bit
        styles[cell] = style
    }

    /// Sets every dot of the straight segment between two dots (Bresenham), in the dot columns
    /// `drawing` accepts (a dashed or dotted line).
    public mutating func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), style: Style, drawing: (Int) -> Bool = { _ in true }) {
        var x = a.x, y = a.y
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var error = dx + dy
        // Bounded so a segment between far-off-canvas points cannot loop for long.
        for _ in 0...(dx - dy + 1) {
            if drawing(x) { set(x, y, style: style) }
            if x == b.x && y == b.y { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// True when any dot of cell (`column`, `row`) is set.
    public func isSet(cellColumn column: Int, cellRow row: Int) -> Bool { bits[row * width + column] != 0 }

    /// Copies the cells with at least one dot into `buffer`, the canvas's top-left cell at (x, y).
    public func draw(into buffer: inout Buffer, x: Int, y: Int) {
        for row in 0..<height {
            for column in 0..<width {
                let i = row * width + column
                guard bits[i] != 0 else { continue }
                buffer[x + column, y + row] = Cell(Character(Unicode.Scalar(0x2800 + UInt32(bits[i]))!), style: styles[i] ?? .plain)
            }
        }
    }
}
