/// File names built from data (a run id a producer chose), safe to put in a directory.
public enum FileName {
    /// `text` as one path component: letters, digits, `.`, `_`, `-` and `+` kept, everything else
    /// (separators, control characters, spaces) as `_`, no leading dot (so never `.` or `..` or
    /// hidden), at most `limit` characters; `fallback` when nothing is left.
    public static func component(_ text: String, limit: Int = 64, fallback: String = "run") -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            let safe = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-" || scalar == "+"
            return safe ? Character(scalar) : "_"
        }
        let name = String(kept.drop { $0 == "." }.prefix(limit))
        return name.isEmpty ? fallback : name
    }
}
