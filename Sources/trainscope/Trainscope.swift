import ArgumentParser
import Foundation

/// The `trainscope` command: the composition root of the app.
@main
struct Trainscope: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "trainscope",
        abstract: "A terminal dashboard for neural-network training dynamics.",
        discussion: """
        Event contract: PROTOCOL.md. Module map: ARCHITECTURE.md. \
        Exit status: 0 success, 1 the input or the run failed, 2 usage error or a part not built yet.
        """,
        version: version,
        subcommands: [
            RunCommand.self, PresetsCommand.self, ReplayCommand.self, WatchCommand.self, SnapshotCommand.self,
            HessianCommand.self, CheckCommand.self, ValidateCommand.self,
        ]
    )

    /// Parses and runs a command. A command line ArgumentParser itself rejects (an unknown
    /// option, a missing or malformed value) is one error line and exit status 2, like every other
    /// bad input, instead of ArgumentParser's usage text and 64.
    static func main() {
        raiseDescriptorLimit()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError("trainscope: error: \(oneLine(message(for: error))) (see `trainscope help`)")
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    /// Every producer, file and socket needs a descriptor: the soft limit (often 1024) is raised to
    /// the hard one, as far as the system allows.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// ArgumentParser's message on one line: a list it puts one item per line (`- curves`) joined
    /// with commas after the sentence that introduces it.
    static func oneLine(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = lines.first else { return "bad arguments" }
        let rest = lines.dropFirst().map { $0.hasPrefix("- ") ? String($0.dropFirst(2)) : $0 }
        return rest.isEmpty ? first : first + " " + rest.joined(separator: ", ")
    }
}
