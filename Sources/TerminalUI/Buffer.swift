/// A grid of cells that widgets draw into; the backend shows it, snapshots export it.
///
/// Widgets never touch the terminal: they render into a Buffer, and the backend writes only the
/// cells that differ from the previous frame (`changes(from:)`).
public struct Buffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major cells, `width × height`.
    public private(set) var cells: [Cell]

    /// A blank buffer.
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    /// The whole area.
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at column `x`, row `y`; writes outside the buffer are ignored, reads give a blank.
    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x, y) ? cells[y * width + x] : .blank }
        set { if contains(x, y) { cells[y * width + x] = newValue } }
    }

    /// True when (x, y) is inside the buffer.
    public func contains(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    /// Writes `text` from (x, y) rightwards, clipped to `maxWidth` columns and the buffer;
    /// returns the number of columns written. Control characters are written as visible escapes
    /// (`\x1b`): every frame, snapshot and SVG is drawn from cells, so this is the one place
    /// where text from data is made safe for them.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        let limit = min(maxWidth ?? width, width - x)
        var column = 0
        for character in TerminalText.visible(text) where column < limit {
            self[x + column, y] = Cell(character, style: style)
            column += 1
        }
        return max(0, column)
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell) {
        for row in rect.y..<(rect.y + rect.height) {
            for column in rect.x..<(rect.x + rect.width) { self[column, row] = cell }
        }
    }

    /// The rows as plain text, trailing spaces trimmed.
    public var lines: [String] {
        (0..<height).map { row in
            var line = String(cells[(row * width)..<(row * width + width)].map(\.character))
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// One changed cell.
    public struct Change: Sendable, Equatable {
        public let x: Int
        public let y: Int
        public let cell: Cell

        public init(x: Int, y: Int, cell: Cell) { self.x = x; self.y = y; self.cell = cell }
    }

    /// The cells that differ from `previous`; every cell when the sizes differ (after a resize).
    public func changes(from previous: Buffer?) -> [Change] {
        var out: [Change] = []
        let sameSize = previous.map { $0.width == width && $0.height == height } ?? false
        for y in 0..<height {
            for x in 0..<width {
                let cell = cells[y * width + x]
                if !sameSize || previous!.cells[y * width + x] != cell { out.append(Change(x: x, y: y, cell: cell)) }
            }
        }
        return out
    }
}
