import ArgumentParser

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
}
