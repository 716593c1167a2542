/// A selection of runs, written the same way in the runs panel (`/`) and on the command line
/// (`--runs`): a regular expression on the run id (`sweep-1.*`), or comparisons of run fields joined
/// with `and`, `or`, `not` and parentheses (`lr >= 1e-3 and optimizer == adamw`, `test/acc > 0.9`,
/// `id ~ sweep-1.*`, `best(test/acc) >= 0.99`).
///
/// A field is `id`, `parent`, `task`, `model`, `status` or `step`; else a config key (nested
/// objects as dotted keys; `config.KEY` says so explicitly); else a metric's latest value, or its
/// best value with `best(METRIC)`. A comparison with a field the run lacks is false.
public struct RunQuery: Sendable, Equatable {
    /// The query as typed.
    public let text: String
    let expression: Expression

    /// Parses `text`; a malformed query says where (1-based column) and why.
    public init(_ text: String) throws(RunQueryError) {
        self.text = text
        var parser = RunQueryParser(text)
        expression = try parser.parse()
    }

    indirect enum Expression: Sendable, Equatable {
        /// The whole query is a regular expression searched in the run id.
        case idPattern(String)
        case comparison(Field, Comparison, Literal)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case not(Expression)
    }

    enum Field: Sendable, Equatable {
        /// A name resolved against the run: a built-in field, a config key or a metric.
        case name(String)
        case config(String)
        case best(String)
    }

    enum Comparison: String, Sendable, Equatable, CaseIterable {
        case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"
        case matches = "~", notMatches = "!~"

        var isOrdering: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
        var isPattern: Bool { self == .matches || self == .notMatches }
    }

    enum Literal: Sendable, Equatable {
        case number(Double)
        case text(String)
        case bool(Bool)
    }
}

/// Why a run query was refused: the 1-based column it happened at and a one-line reason.
public struct RunQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var query: String
    public var column: Int
    public var reason: String

    public init(query: String, column: Int, reason: String) { self.query = query; self.column = column; self.reason = reason }

    /// `column 12: expected a value after '>='`.
    public var description: String { "column \(column): \(reason)" }

    /// The query and a caret under the column, for a terminal (`lr >= `, `      ^`).
    public var caretLines: [String] { [query, String(repeating: " ", count: Swift.max(0, column - 1)) + "^"] }
}
