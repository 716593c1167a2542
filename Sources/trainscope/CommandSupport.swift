import ArgumentParser
import Foundation

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A bad command line: one error line on standard error, exit status 2 (as for every other bad input).
func usageError(_ message: String) -> ExitCode {
    // ArgumentParser runs `validate()` before it shows `--help`, then drops the error: say nothing then.
    let askedForHelp = CommandLine.arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" || $0 == "help" }
    if !askedForHelp { printError("trainscope: error: \(message)") }
    return ExitCode(2)
}
