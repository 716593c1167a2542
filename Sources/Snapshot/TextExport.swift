import TerminalUI

/// Headless text exports of a rendered frame.
public enum TextExport {
    /// The frame as plain text: one line per row, trailing spaces trimmed, box and braille
    /// characters kept, ending with a newline.
    public static func plain(_ buffer: Buffer) -> String {
        buffer.lines.joined(separator: "\n") + "\n"
    }

    /// The frame with ANSI SGR colour codes, to `cat` in a terminal or a CI log; every line ends
    /// with a reset so nothing bleeds into the next one.
    public static func ansi(_ buffer: Buffer) -> String {
        var out = ""
        for y in 0..<buffer.height {
            var current = Style.plain
            var line = ""
            var pendingSpaces = 0  // plain spaces are written only when something follows them
            for x in 0..<buffer.width {
                let cell = buffer[x, y]
                if cell.character == " " && cell.style == .plain {
                    pendingSpaces += 1
                    continue
                }
                if pendingSpaces > 0 {
                    if current != .plain {
                        line += "\u{1B}[0m"
                        current = .plain
                    }
                    line += String(repeating: " ", count: pendingSpaces)
                    pendingSpaces = 0
                }
                if cell.style != current {
                    line += cell.style == .plain ? "\u{1B}[0m" : sgr(cell.style)
                    current = cell.style
                }
                line.append(cell.character)
            }
            if current != .plain { line += "\u{1B}[0m" }
            out += line + "\n"
        }
        return out
    }

    /// The SGR sequence selecting `style` from a reset state.
    static func sgr(_ style: Style) -> String {
        var codes = ["0"]
        if style.bold { codes.append("1") }
        if style.dim { codes.append("2") }
        if style.underline { codes.append("4") }
        if style.reverse { codes.append("7") }
        codes += colorCodes(style.foreground, foreground: true)
        codes += colorCodes(style.background, foreground: false)
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    static func colorCodes(_ color: Color, foreground: Bool) -> [String] {
        switch color {
        case .default: return []
        case .indexed(let i): return [foreground ? "38" : "48", "5", String(i)]
        case .rgb(let r, let g, let b): return [foreground ? "38" : "48", "2", String(r), String(g), String(b)]
        }
    }
}
