import ArgumentParser
import Dashboard
import Foundation
import Ingest
import Runtime
import Telemetry
import TerminalUI

/// `trainscope watch`: the dashboard over external sources, steering the socket producers that allow it.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the dashboard on external sources: '-', unix:PATH, tcp://HOST:PORT, .jsonl, TensorBoard logs, CSV, trainer_state.json.",
        discussion: """
        Several sources are overlaid as several runs. Socket sources accept any number of producers \
        (the Python package in python/: pip install ./python); knob changes, pause, resume and stop go back to them, \
        carrying the session token printed at start (TRAINSCOPE_TOKEN; set it beforehand to choose it).
        """
    )

    @Argument(help: ArgumentHelp("One or more sources: '-' (NDJSON on stdin), unix:PATH (unix: alone makes a private directory), tcp://127.0.0.1:PORT, a .jsonl file (followed), a TensorBoard event file or log directory, a CSV file, a trainer_state.json.", valueName: "source"),
              transform: SourceAddress.parseArgument)
    var sources: [SourceAddress] = []

    @Flag(help: "Never send control messages: knobs, pause and stop are refused, and scripts cannot steer through the sockets.")
    var readOnly = false

    @Option(help: ArgumentHelp("Listen for TCP producers on this address instead of loopback (e.g. 0.0.0.0); anyone who can reach it can stream data, and steer with the token.", valueName: "ADDR"))
    var listen: String?

    @Option(help: "Also append every event received to this NDJSON file.")
    var record: String?

    @OptionGroup var selection: RunSelection

    @Option(help: "Colour theme: default, mono, light, okabe-ito, paper or your own NAME (from ~/.config/trainscope/themes/NAME.theme), or a path to a .theme file.")
    var theme: String?

    func validate() throws {
        if sources.isEmpty { throw usageError("give at least one source, e.g. `trainscope watch unix:` or `trainscope watch runs/`") }
        try checkStandardInputOnce(sources)
    }

    func run() throws {
        let addresses = sources
        let dashboardTheme = try dashboardTheme(theme)
        let recorder: EventRecorder?
        do { recorder = try record.map { path throws(RecordingIOError) in try EventRecorder(path: path) } } catch {
            throw usageError("\(error)")
        }
        let hub = IngestHub(mode: .follow, token: readOnly ? nil : SessionToken.resolve())
        do { try hub.open(addresses, bindHost: listen) } catch { throw usageError("\(error)") }
        defer { hub.stop() }
        for address in hub.listenAddresses { printError(SessionToken.banner(address: address, token: hub.token)) }
        let source = WatchSource(hub: hub)
        let name = displayName(of: addresses, listening: hub.listenAddresses)
        if let failure = try runLiveDashboard(source, theme: dashboardTheme, recorder: recorder, sourceName: name, runQuery: try selection.query()) {
            printError("trainscope: error: recording failed: \(failure)")
            throw ExitCode(1)
        }
    }
}

/// Standard input can be read by one source only.
func checkStandardInputOnce(_ sources: [SourceAddress]) throws {
    if sources.filter({ $0 == .standardInput }).count > 1 { throw usageError("'-' (standard input) can be given once") }
}

/// The status bar's name for the sources: `stdin`, the socket listened on, a file's name, or `N sources`.
func displayName(of addresses: [SourceAddress], listening: [String]) -> String {
    guard addresses.count == 1 else { return "\(addresses.count) sources" }
    switch addresses[0] {
    case .standardInput: return "stdin"
    case .unixSocket, .tcp: return listening.first ?? addresses[0].description
    case .ndjsonFile(let path), .csvFile(let path), .trainerState(let path), .tensorBoard(let path), .logFolder(let path):
        return (path as NSString).lastPathComponent
    }
}

/// The theme for a live dashboard, after checking that there is a terminal to draw it on.
func dashboardTheme(_ name: String?) throws -> Theme {
    guard isatty(STDOUT_FILENO) != 0 else {
        throw usageError("the live dashboard needs a terminal (use `trainscope snapshot` for files, or --headless/--stdout where offered)")
    }
    do { return try loadTheme(name) } catch { throw usageError("\(error)") }
}

/// External sources as the live dashboard's source: events from the hub, problems and notices for
/// the events panel, and control messages routed back to the producers.
final class WatchSource: MessageSource {
    private let hub: IngestHub
    private var pending: [Message]

    init(hub: IngestHub) {
        self.hub = hub
        pending = hub.listenAddresses.map { .notice("listening on \($0)") }
        if !hub.listenAddresses.isEmpty { pending.append(.notice(Self.controlNotice(token: hub.token))) }
    }

    /// How producers get the session token, without the token: it must never be drawn into a frame
    /// (a frame can become a snapshot file), so it is printed on stderr before the dashboard opens.
    static func controlNotice(token: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard token != nil else { return "read-only: control is disabled" }
        if let given = environment["TRAINSCOPE_TOKEN"], !given.isEmpty { return "control token: your TRAINSCOPE_TOKEN" }
        return "control token: printed on stderr at start (export TRAINSCOPE_TOKEN=… for your job)"
    }

    func poll(elapsed: Double) -> [Message] {
        var messages = pending
        pending = []
        for item in hub.drain() {
            switch item {
            case .event(let event): messages.append(.telemetry(event))
            case .scalars(let block): messages.append(.scalars(block))
            case .problem(let problem): messages.append(.sourceError(source: problem.source, description: problem.position.map { "\($0): \(problem.reason)" } ?? problem.reason))
            case .notice(let text): messages.append(.notice(text))
            case .skipped(let run, let kind, let count): messages.append(.skipped(run: run, kind: kind, count: count))
            case .text(let run, let step, let tag, let text): messages.append(.text(run: run, step: step, tag: tag, text: text))
            case .found(let text): messages.append(.notice(text))
            }
        }
        return messages
    }

    func perform(_ control: ControlMessage) {
        switch hub.send(control) {
        case .success: break
        case .failure(let refusal): pending.append(.controlRefused(control, reason: refusal.message))
        }
    }

    func close() { hub.stop() }
}
