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
