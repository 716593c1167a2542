/// Text from data (run ids, metric names, tags, CSV headers, messages quoting a bad line) made safe
/// to show: every control character (C0, DEL, C1) becomes a visible escape such as `\x1b`, so no
/// input can move the cursor, ring the bell, retitle the window or write the clipboard (OSC 52),
/// and no SVG gets a character XML forbids.
public enum TerminalText {
    /// `text` with each control character written as `\xHH`; newlines kept when `keepingNewlines`
    /// (for messages that are several lines on purpose).
    public static func visible(_ text: String, keepingNewlines: Bool = false) -> String {
        let unsafe = { (scalar: Unicode.Scalar) in isControl(scalar) && !(keepingNewlines && scalar == "\n") }
        guard text.unicodeScalars.contains(where: unsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard unsafe(scalar) else { out.append(scalar); continue }
            let hex = String(scalar.value, radix: 16)
            out.append(contentsOf: ("\\x" + (hex.count < 2 ? "0" : "") + hex).unicodeScalars)
        }
        return String(out)
    }

    /// Whether `scalar` is a C0 control, DEL or a C1 control.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
