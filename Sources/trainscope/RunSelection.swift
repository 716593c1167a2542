import ArgumentParser
import Dashboard

/// `--runs QUERY` on `watch`, `replay`, `run`, `snapshot` and `check`: only the runs a run query
/// selects (the same language as `/` in the runs panel).
struct RunSelection: ParsableArguments {
    @Option(name: .customLong("runs"), help: ArgumentHelp(
        "Only the runs this query selects: a regular expression on the run id, or comparisons of config keys and metrics such as 'lr >= 1e-3 and test/acc > 0.9' (README: Comparing runs).",
        valueName: "QUERY"))
    var text: String?

    func validate() throws { _ = try query() }

    /// The parsed query; a malformed one is a usage error: its column and reason, then the query
    /// with a caret under that column.
    func query() throws -> RunQuery? {
        guard let text else { return nil }
        do throws(RunQueryError) { return try RunQuery(text) } catch {
            throw usageError("--runs: \(error.description)\n" + error.caretLines.map { "  " + $0 }.joined(separator: "\n"))
        }
    }
}
