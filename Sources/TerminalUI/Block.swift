/// A bordered box with a title: the frame every panel draws itself inside.
public struct Block: Sendable {
    public var title: String
    public var borderStyle: Style
    public var titleStyle: Style

    public init(title: String, borderStyle: Style = .plain, titleStyle: Style = Style(bold: true)) {
        self.title = title; self.borderStyle = borderStyle; self.titleStyle = titleStyle
    }

    /// Draws the border and title into `area` of `buffer`; returns the inner area left for content.
    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect) -> Rect {
        guard area.width >= 2 && area.height >= 2 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        let right = area.x + area.width - 1, bottom = area.y + area.height - 1
        for x in (area.x + 1)..<right {
            buffer[x, area.y] = Cell("─", style: borderStyle)
            buffer[x, bottom] = Cell("─", style: borderStyle)
        }
        for y in (area.y + 1)..<bottom {
            buffer[area.x, y] = Cell("│", style: borderStyle)
            buffer[right, y] = Cell("│", style: borderStyle)
        }
        buffer[area.x, area.y] = Cell("╭", style: borderStyle)
        buffer[right, area.y] = Cell("╮", style: borderStyle)
        buffer[area.x, bottom] = Cell("╰", style: borderStyle)
        buffer[right, bottom] = Cell("╯", style: borderStyle)
        if !title.isEmpty && area.width > 4 {
            buffer.write(" \(title) ", x: area.x + 1, y: area.y, style: titleStyle, maxWidth: area.width - 2)
        }
        return area.inset(by: 1)
    }
}
