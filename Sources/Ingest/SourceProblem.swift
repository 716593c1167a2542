/// Something wrong in one source, at one place in it; the source goes on after it.
public struct SourceProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source as the user named it (a path, `unix:/x.sock#3` for a socket's third producer).
    public var source: String
    /// Where: `line 12, column 5`, `offset 4096`, `row 7`; nil when the problem has no position.
    public var position: String?
    public var reason: String

    public init(source: String, position: String? = nil, reason: String) {
        self.source = source; self.position = position; self.reason = reason
    }

    /// `source: position: reason` — the one line shown to users.
    public var description: String {
        position.map { "\(source): \($0): \(reason)" } ?? "\(source): \(reason)"
    }
}
