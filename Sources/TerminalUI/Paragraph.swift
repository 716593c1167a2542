/// A run of text in one style: a piece of a `Paragraph` line.
public struct Span: Sendable, Equatable {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .plain) { self.text = text; self.style = style }
}

/// Lines of styled text, clipped to the area (no wrapping), optionally showing the end of the text
/// (a log whose newest line is last) scrolled back by some lines.
public struct Paragraph: Sendable {
    public var lines: [[Span]]
    /// Show the last lines rather than the first.
    public var anchoredAtBottom: Bool
    /// Lines scrolled back from the end (with `anchoredAtBottom`) or skipped from the top.
    public var scroll: Int

    public init(lines: [[Span]], anchoredAtBottom: Bool = false, scroll: Int = 0) {
        self.lines = lines; self.anchoredAtBottom = anchoredAtBottom; self.scroll = scroll
    }

    /// The lines that fit in `height` rows.
    public func visibleLines(height: Int) -> ArraySlice<[Span]> {
        guard height > 0 else { return [] }
        let offset = Swift.max(0, Swift.min(scroll, Swift.max(0, lines.count - height)))
        if anchoredAtBottom {
            let end = lines.count - offset
            return lines[Swift.max(0, end - height)..<end]
        }
        return lines.dropFirst(offset).prefix(height)
    }

    /// Draws the visible lines into `area`, one per row.
    public func render(into buffer: inout Buffer, area: Rect) {
        for (row, line) in visibleLines(height: area.height).enumerated() {
            var x = area.x
            for span in line where x < area.x + area.width {
                x += buffer.write(span.text, x: x, y: area.y + row, style: span.style, maxWidth: area.x + area.width - x)
            }
        }
    }
}
