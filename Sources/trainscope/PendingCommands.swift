import ArgumentParser

// Commands whose machinery other issues build. Each parses its documented arguments, then says
// plainly that it is not built yet and exits 2, so scripts never mistake it for success.

/// `trainscope watch`: dashboard over external sources.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the dashboard on external sources: '-', unix:PATH, tcp://HOST:PORT, .jsonl, TensorBoard logs, CSV."
    )

    @Argument(help: "One or more sources.")
    var sources: [String]

    func run() throws { throw notBuiltYet("`watch`", issue: 9) }
}

/// `trainscope snapshot`: headless export of the dashboard.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Render the dashboard headless to txt, ansi, svg, json or csv."
    )

    @Argument(help: "A recording (.jsonl), '-' for stdin, or another source.")
    var source: String

    func run() throws { throw notBuiltYet("`snapshot`", issue: 8) }
}

/// `trainscope check`: rule assertions over a run, for CI.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Evaluate rules over a run (e.g. \"phase generalization before 3000\"); exit 0 only if all hold."
    )

    @Argument(help: "A recording (.jsonl) or another source.")
    var source: String

    @Option(name: .customLong("rule"), help: "A rule to check; repeatable.")
    var rules: [String] = []

    func run() throws { throw notBuiltYet("`check`", issue: 8) }
}

