/// Names for records a source read but cannot show (TensorBoard images, graphs, an NDJSON `type`
/// this version does not know): counted per run and kind, and reported in these words.
public enum SkippedKind {
    /// The kind for NDJSON lines of an unknown `type`.
    public static func unknownType(_ type: String) -> String { "type:\(type)" }

    /// `12 image summaries`, `1 graph`, `3 lines of unknown type "foo"`.
    public static func describe(_ kind: String, count: Int) -> String {
        if kind.hasPrefix("type:") {
            return "\(count) line\(count == 1 ? "" : "s") of unknown type \"\(kind.dropFirst(5))\""
        }
        switch kind {
        case "graph": return "\(count) graph\(count == 1 ? "" : "s")"
        case "run_metadata": return "\(count) run metadata record\(count == 1 ? "" : "s")"
        default: return "\(count) \(kind) summar\(count == 1 ? "y" : "ies")"
        }
    }
}
