import TerminalUI

/// A frame as an SVG picture: the cell grid with the theme's colours, drawn so that it looks the
/// same whatever fonts the viewer has. Braille dots, block elements, shades and the box-drawing
/// lines the dashboard uses are drawn as shapes on the cell grid; everything else is text in a
/// monospace font stack, one `<text>` element per run of same-styled cells in a row, stretched to
/// its cells' width.
///
/// Coordinates are integers in tenths of a pixel (a cell is 84 × 170 units, 8.4 × 17 px), so the
/// output is the same bytes for the same frame on every machine.
public enum SVGExport {
    static let cellWidth = 84
    static let cellHeight = 170
    static let fontSize = 140
    static let baseline = 128

    /// The picture's background and default text colour: dark unless the theme's own text colour is
    /// dark (a theme for light terminals).
    public static func canvasColors(_ theme: Theme) -> (background: String, foreground: String) {
        if let text = XtermPalette.rgb(theme.text.foreground), XtermPalette.luminance(text) < 0.5 {
            return ("#ffffff", XtermPalette.hex(text))
        }
        return ("#1c1c1c", "#d0d0d0")
    }

    /// The SVG document for `buffer` in `theme`'s canvas colours.
    public static func render(_ buffer: Buffer, theme: Theme) -> String {
        let canvas = canvasColors(theme)
        let w = buffer.width * cellWidth, h = buffer.height * cellHeight
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="\(decimal(w))" height="\(decimal(h))" viewBox="0 0 \(w) \(h)">
        <style>text{font-family:'DejaVu Sans Mono','Menlo','Consolas','Liberation Mono',monospace;font-size:\(fontSize)px;white-space:pre}</style>
        <rect width="\(w)" height="\(h)" fill="\(canvas.background)"/>

        """
        var backgrounds = ""
        var shapes: [String: String] = [:]  // fill colour → path data
        var shapeOrder: [String] = []
        var lines: [String: String] = [:]  // "stroke|width" → path data
        var lineOrder: [String] = []
        var texts = ""
        func addShape(_ colour: String, _ d: String) {
            if shapes[colour] == nil { shapeOrder.append(colour) }
            shapes[colour, default: ""] += d
        }
        func addLine(_ colour: String, _ width: Int, _ d: String) {
            let key = "\(colour)|\(width)"
            if lines[key] == nil { lineOrder.append(key) }
            lines[key, default: ""] += d
        }
        for row in 0..<buffer.height {
            let y0 = row * cellHeight
            var column = 0
            // Backgrounds: one rect per run of the same non-canvas colour.
            while column < buffer.width {
                let colours = resolved(buffer[column, row].style, canvas)
                var end = column + 1
                while end < buffer.width, resolved(buffer[end, row].style, canvas).background == colours.background { end += 1 }
                if colours.background != canvas.background {
                    backgrounds += "<rect x=\"\(column * cellWidth)\" y=\"\(y0)\" width=\"\((end - column) * cellWidth)\" height=\"\(cellHeight)\" fill=\"\(colours.background)\"/>\n"
                }
                column = end
            }
            column = 0
            while column < buffer.width {
                let cell = buffer[column, row]
                let colours = resolved(cell.style, canvas)
                let x0 = column * cellWidth
                let scalar = cell.character.unicodeScalars.first!.value
                let fg = colours.foreground
                // Dim cells (raw data under a smoothed line) are drawn at reduced opacity.
                let faded = cell.style.dim ? "\(fg)|0.4" : fg
                if cell.character == " " {
                    column += 1
                    continue
                }
                if let d = shape(scalar, x0: x0, y0: y0) {
                    addShape(faded, d)
                    column += 1
                    continue
                }
                if let (d, width) = boxLine(scalar, x0: x0, y0: y0) {
                    addLine(faded, width, d)
                    column += 1
                    continue
                }
                // A text run: cells in the same style that are neither shapes nor lines.
                var end = column
                var text = ""
                while end < buffer.width {
                    let c = buffer[end, row]
                    let v = c.character.unicodeScalars.first!.value
                    guard c.style == cell.style, shape(v, x0: 0, y0: 0) == nil, boxLine(v, x0: 0, y0: 0) == nil else { break }
                    text.append(c.character)
                    end += 1
                }
                while text.last == " " { text.removeLast(); end -= 1 }
                var attributes = "x=\"\(x0)\" y=\"\(y0 + baseline)\" textLength=\"\((end - column) * cellWidth)\" lengthAdjust=\"spacingAndGlyphs\" fill=\"\(fg)\""
                if cell.style.bold { attributes += " font-weight=\"bold\"" }
                if cell.style.dim { attributes += " fill-opacity=\"0.6\"" }
                if cell.style.underline { attributes += " text-decoration=\"underline\"" }
                texts += "<text \(attributes)>\(escaped(text))</text>\n"
                column = end
            }
        }
        out += backgrounds
        // Keys are `#rrggbb` or `#rrggbb|opacity` (shapes), with `|width` appended for lines.
        for key in shapeOrder {
            let parts = key.split(separator: "|")
            let opacity = parts.count > 1 ? " fill-opacity=\"\(parts[1])\"" : ""
            out += "<path fill=\"\(parts[0])\"\(opacity) d=\"\(shapes[key]!)\"/>\n"
        }
        for key in lineOrder {
            let parts = key.split(separator: "|")
            let opacity = parts.count > 2 ? " stroke-opacity=\"\(parts[1])\"" : ""
            out += "<path fill=\"none\" stroke=\"\(parts[0])\"\(opacity) stroke-width=\"\(parts[parts.count - 1])\" d=\"\(lines[key]!)\"/>\n"
        }
        out += texts
        out += "</svg>\n"
        return out
    }

    /// Foreground and background hex colours of a style on the canvas (reverse swaps them).
    static func resolved(_ style: Style, _ canvas: (background: String, foreground: String)) -> (foreground: String, background: String) {
        let fg = XtermPalette.rgb(style.foreground).map(XtermPalette.hex) ?? canvas.foreground
        let bg = XtermPalette.rgb(style.background).map(XtermPalette.hex) ?? canvas.background
        return style.reverse ? (bg, fg) : (fg, bg)
    }

    /// Path data for the glyphs drawn as filled shapes: braille dots, block elements, shades.
    static func shape(_ scalar: UInt32, x0: Int, y0: Int) -> String? {
        func rect(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> String { "M\(x0 + x) \(y0 + y)h\(w)v\(h)h-\(w)z" }
        switch scalar {
        case 0x2801...0x28FF:
            // Dots 1–3 and 7 in the left column (bits 0–2, 6), 4–6 and 8 in the right (bits 3–5, 7).
            let bits = scalar - 0x2800
            var d = ""
            let rows = [0: 0, 1: 1, 2: 2, 6: 3, 3: 0, 4: 1, 5: 2, 7: 3]
            for bit in 0..<8 where bits & (1 << bit) != 0 {
                let right = bit >= 3 && bit != 6
                let x = right ? 50 : 12, y = 10 + rows[bit]! * 42
                d += rect(x, y, 22, 22)
            }
            return d
        case 0x2580: return rect(0, 0, cellWidth, cellHeight / 2)
        case 0x2581...0x2588:
            let h = cellHeight * Int(scalar - 0x2580) / 8
            return rect(0, cellHeight - h, cellWidth, h)
        case 0x2589...0x258F:
            let w = cellWidth * Int(0x2590 - scalar) / 8
            return rect(0, 0, w, cellHeight)
        default: return nil
        }
    }

    /// Path data and stroke width for the box-drawing characters the dashboard draws.
    static func boxLine(_ scalar: UInt32, x0: Int, y0: Int) -> (String, Int)? {
        let mx = x0 + cellWidth / 2, my = y0 + cellHeight / 2, x1 = x0 + cellWidth, y1 = y0 + cellHeight
        let r = cellWidth / 2
        switch scalar {
        case 0x2500: return ("M\(x0) \(my)H\(x1)", 12)  // ─
        case 0x2501: return ("M\(x0) \(my)H\(x1)", 28)  // ━
        case 0x2502: return ("M\(mx) \(y0)V\(y1)", 12)  // │
        case 0x2524: return ("M\(mx) \(y0)V\(y1)M\(x0) \(my)H\(mx)", 12)  // ┤
        case 0x250A: return ("M\(mx) \(y0 + 10)v25m0 18v25m0 18v25m0 18v25", 12)  // ┊
        case 0x254C: return ("M\(x0 + 6) \(my)h30m12 0h30", 12)  // ╌
        case 0x256D: return ("M\(x1) \(my)H\(mx + r)Q\(mx) \(my) \(mx) \(my + r)V\(y1)", 12)  // ╭
        case 0x256E: return ("M\(x0) \(my)H\(mx - r)Q\(mx) \(my) \(mx) \(my + r)V\(y1)", 12)  // ╮
        case 0x2570: return ("M\(x1) \(my)H\(mx + r)Q\(mx) \(my) \(mx) \(my - r)V\(y0)", 12)  // ╰
        case 0x256F: return ("M\(x0) \(my)H\(mx - r)Q\(mx) \(my) \(mx) \(my - r)V\(y0)", 12)  // ╯
        default: return nil
        }
    }

    /// `n` tenths as a decimal (`845` → `84.5`).
    static func decimal(_ tenths: Int) -> String { tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)" }

    static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The xterm 256-colour palette as RGB, for pictures of the terminal.
public enum XtermPalette {
    /// The 16 basic colours as xterm shows them.
    static let basic: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// RGB of a colour; nil for the terminal's default.
    public static func rgb(_ color: Color) -> (UInt8, UInt8, UInt8)? {
        switch color {
        case .default: return nil
        case .rgb(let r, let g, let b): return (r, g, b)
        case .indexed(let i):
            if i < 16 { return basic[Int(i)] }
            if i >= 232 {
                let v = UInt8(8 + 10 * (Int(i) - 232))
                return (v, v, v)
            }
            let c = Int(i) - 16
            let steps: [UInt8] = [0, 95, 135, 175, 215, 255]
            return (steps[c / 36], steps[(c / 6) % 6], steps[c % 6])
        }
    }

    /// `#rrggbb`.
    public static func hex(_ rgb: (UInt8, UInt8, UInt8)) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [rgb.0, rgb.1, rgb.2].map { "\(digits[Int($0 >> 4)])\(digits[Int($0 & 15)])" }.joined()
    }

    /// Relative luminance 0…1 (sRGB weights, no gamma: enough to tell dark from light).
    static func luminance(_ rgb: (UInt8, UInt8, UInt8)) -> Double {
        (0.2126 * Double(rgb.0) + 0.7152 * Double(rgb.1) + 0.0722 * Double(rgb.2)) / 255
    }
}
