import ArgumentParser
import Telemetry

/// `trainscope validate`: checks NDJSON files against the event contract.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check NDJSON event files against PROTOCOL.md and report each bad line with its position."
    )

    @Argument(help: "Files to check ('-' for stdin).")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            var counts: [String: Int] = [:]
            var errors = 0
            do {
                try readEvents(path: file) { item in
                    switch item {
                    case .event(let e, _): counts[e.typeName, default: 0] += 1
                    case .error(let e):
                        errors += 1
                        printError("\(file): \(e)")
                    }
                }
            } catch {
                printError("trainscope: \(error)")
                failed = true
                continue
            }
            let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            printReport("\(file): \(counts.values.reduce(0, +)) events (\(summary.isEmpty ? "none" : summary)), \(errors) bad lines\n")
            if errors > 0 { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}
