/// Why a theme file was refused: where, and one line of reason.
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "\(source):\(line):\(column): \(reason)" }
}

/// The styles of every role the dashboard draws, read from a `Themes/*.theme` file.
///
/// Themes are data (as in btop): one `key = value` per line, `#` comments, every key required
/// once. A value is attribute words (`bold`, `dim`, `underline`, `reverse`) followed by a colour:
/// `default`, an xterm index 0–255, or `#RRGGBB`; `series` and `heatmap` take lists of such entries.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var text: Style
    public var dimText: Style
    public var border: Style
    public var focusBorder: Style
    public var title: Style
    public var axis: Style
    /// Styles of a chart's series, used in order and cycled.
    public var series: [Style]
    public var reference: Style
    public var markerKnob: Style
    public var markerPhase: Style
    public var good: Style
    public var warning: Style
    public var error: Style
    public var statusBar: Style
    /// Colours of heat maps (the spectrogram), from low to high intensity.
    public var heatmap: [Color]

    /// The keys of a theme file, in the order the files list them.
    public static let keys = ["text", "dim_text", "border", "focus_border", "title", "axis", "series", "reference",
                              "marker_knob", "marker_phase", "good", "warning", "error", "status_bar", "heatmap"]

    /// Parses a theme file's text; `source` names it in errors.
    public static func parse(_ text: String, name: String, source: String) throws(ThemeError) -> Theme {
        var styles: [String: [Style]] = [:]
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so CRLF files need it named as a separator.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let content = line[..<commentStart(line)]
            if content.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            func fail(_ column: Int, _ reason: String) -> ThemeError {
                ThemeError(source: source, line: lineNumber, column: column, reason: reason)
            }
            guard let equals = content.firstIndex(of: "=") else { throw fail(1, "expected `key = value`") }
            let key = content[..<equals].trimmingSpaces
            guard Theme.keys.contains(key) else {
                throw fail(column(of: content[..<equals], in: line), "unknown key '\(key)' (keys: \(Theme.keys.joined(separator: ", ")))")
            }
            guard styles[key] == nil else { throw fail(column(of: content[..<equals], in: line), "key '\(key)' given twice") }
            let valueStart = content.index(after: equals)
            var entries: [Style] = []
            var attributes = Style.plain
            var sawAttribute = false
            var offset = line.distance(from: line.startIndex, to: valueStart)
            for word in content[valueStart...].split(separator: " ", omittingEmptySubsequences: false) {
                defer { offset += word.count + 1 }
                if word.isEmpty { continue }
                let wordColumn = offset + 1
                switch word {
                case "bold": attributes.bold = true; sawAttribute = true
                case "dim": attributes.dim = true; sawAttribute = true
                case "underline": attributes.underline = true; sawAttribute = true
                case "reverse": attributes.reverse = true; sawAttribute = true
                default:
                    guard let color = parseColor(word) else {
                        throw fail(wordColumn, "'\(word)' is not a colour (default, 0-255 or #RRGGBB) or an attribute (bold, dim, underline, reverse)")
                    }
                    attributes.foreground = color
                    entries.append(attributes)
                    attributes = .plain
                    sawAttribute = false
                }
            }
            if sawAttribute { throw fail(line.count + 1, "attributes must be followed by a colour") }
            if entries.isEmpty { throw fail(offset, "key '\(key)' has no value") }
            if entries.count > 1 && key != "series" && key != "heatmap" { throw fail(offset, "key '\(key)' takes one colour, got \(entries.count)") }
            styles[key] = entries
        }
        if let missing = Theme.keys.first(where: { styles[$0] == nil }) {
            throw ThemeError(source: source, line: lineNumber, column: 1, reason: "missing key '\(missing)'")
        }
        func one(_ key: String) -> Style { styles[key]![0] }
        return Theme(name: name, text: one("text"), dimText: one("dim_text"), border: one("border"),
                     focusBorder: one("focus_border"), title: one("title"), axis: one("axis"), series: styles["series"]!,
                     reference: one("reference"), markerKnob: one("marker_knob"), markerPhase: one("marker_phase"),
                     good: one("good"), warning: one("warning"), error: one("error"), statusBar: one("status_bar"),
                     heatmap: styles["heatmap"]!.map(\.foreground))
    }

    static func parseColor(_ word: Substring) -> Color? {
        if word == "default" { return .default }
        if let index = UInt8(word) { return .indexed(index) }
        guard word.count == 7, word.first == "#", let rgb = UInt32(word.dropFirst(), radix: 16) else { return nil }
        return .rgb(UInt8(rgb >> 16), UInt8((rgb >> 8) & 0xFF), UInt8(rgb & 0xFF))
    }

    /// Where a comment starts: a `#` that begins the line or is followed by a space or the end
    /// (so `#RRGGBB` colours are not comments).
    private static func commentStart(_ line: Substring) -> Substring.Index {
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == "#" {
                let next = line.index(after: index)
                let beginsLine = line[..<index].allSatisfy { $0 == " " || $0 == "\t" }
                if beginsLine || next == line.endIndex || line[next] == " " || line[next] == "\t" { return index }
            }
            index = line.index(after: index)
        }
        return line.endIndex
    }

    /// 1-based column of `part`'s first non-space character within `line`.
    private static func column(of part: Substring, in line: Substring) -> Int {
        let start = part.firstIndex { $0 != " " && $0 != "\t" } ?? part.startIndex
        return line.distance(from: line.startIndex, to: start) + 1
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
