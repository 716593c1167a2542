import ArgumentParser
import Foundation
import TerminalUI
import Training

/// Writes a message to standard error, a newline after it. Messages quote data (run ids, names,
/// bad lines), so control characters in them are written as visible escapes.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((TerminalText.visible(message, keepingNewlines: true) + "\n").utf8))
}

/// Writes a report that quotes data to standard output, control characters escaped as for `printError`.
func printReport(_ text: String) {
    FileHandle.standardOutput.write(Data(TerminalText.visible(text, keepingNewlines: true).utf8))
}

/// A bad command line: one error line on standard error, exit status 2 (as for every other bad input).
func usageError(_ message: String) -> ExitCode {
    // ArgumentParser runs `validate()` before it shows `--help`, then drops the error: say nothing then.
    let askedForHelp = CommandLine.arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" || $0 == "help" }
    if !askedForHelp { printError("trainscope: error: \(message)") }
    return ExitCode(2)
}

/// The theme named on the command line: a built-in one, or Themes/NAME.theme; NO_COLOR picks mono.
func loadTheme(_ name: String?) throws -> Theme {
    let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    let wanted = name ?? (noColor ? "mono" : "default")
    let path = "Themes/\(wanted).theme"
    if let data = FileManager.default.contents(atPath: path) {
        do { return try Theme.parse(String(decoding: data, as: UTF8.self), name: wanted, source: path) } catch {
            throw ConfigError("\(error)")
        }
    }
    if let builtIn = Theme.builtIn[wanted] { return builtIn }
    throw ConfigError("unknown theme '\(wanted)' (built in: default, mono; others are read from Themes/NAME.theme)")
}
