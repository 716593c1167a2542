/// Rows of text in aligned columns under a header, with one selectable row kept in view.
public struct Table: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var width: Int
        public var alignRight: Bool

        public init(_ title: String, width: Int, alignRight: Bool = false) { self.title = title; self.width = width; self.alignRight = alignRight }
    }

    public var columns: [Column]
    public var rows: [[String]]
    /// Per-row style (the row's text), defaulting to `textStyle`.
    public var rowStyles: [Style?]
    public var selected: Int?
    public var headerStyle: Style
    public var textStyle: Style
    public var selectedStyle: Style

    public init(columns: [Column], rows: [[String]], rowStyles: [Style?] = [], selected: Int? = nil,
                headerStyle: Style = Style(bold: true), textStyle: Style = .plain, selectedStyle: Style = Style(reverse: true)) {
        self.columns = columns; self.rows = rows; self.rowStyles = rowStyles; self.selected = selected
        self.headerStyle = headerStyle; self.textStyle = textStyle; self.selectedStyle = selectedStyle
    }

    /// The first row shown when `visible` rows fit: scrolled just enough to keep `selected` in view.
    public static func firstVisibleRow(selected: Int?, rows: Int, visible: Int) -> Int {
        guard let selected, visible > 0, rows > visible else { return 0 }
        return Swift.min(Swift.max(0, selected - visible + 1), rows - visible)
    }

    /// Draws the header and as many rows as fit into `area`; the last column takes what width is left.
    public func render(into buffer: inout Buffer, area: Rect) {
        guard area.height >= 1, area.width >= 1 else { return }
        func line(_ cells: [String], y: Int, style: Style) {
            var x = area.x
            for (i, column) in columns.enumerated() {
                let width = i == columns.count - 1 ? area.x + area.width - x : Swift.min(column.width, area.x + area.width - x)
                guard width > 0 else { break }
                var text = i < cells.count ? cells[i] : ""
                if text.count > width { text = String(text.prefix(Swift.max(0, width - 1))) + "…" }
                let pad = String(repeating: " ", count: Swift.max(0, width - text.count))
                buffer.write(column.alignRight ? pad + text : text + pad, x: x, y: y, style: style, maxWidth: width)
                x += width + 1
            }
        }
        line(columns.map(\.title), y: area.y, style: headerStyle)
        let visible = area.height - 1
        let first = Self.firstVisibleRow(selected: selected, rows: rows.count, visible: visible)
        for (offset, row) in rows.dropFirst(first).prefix(visible).enumerated() {
            let index = first + offset
            let base = (index < rowStyles.count ? rowStyles[index] : nil) ?? textStyle
            let y = area.y + 1 + offset
            if index == selected { buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), with: Cell(" ", style: selectedStyle)) }
            line(row, y: y, style: index == selected ? selectedStyle : base)
        }
    }
}
