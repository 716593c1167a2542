import CursesBackend
import Dashboard
import Foundation
import Runtime
import Telemetry
import TerminalUI
import Training

/// Runs the live dashboard on the terminal until the user quits; the recording failure, if any.
func runLiveDashboard(_ source: MessageSource, theme: Theme, recorder: EventRecorder?, sourceName: String, runQuery: RunQuery?,
                      grouping: RunGrouping? = nil) throws -> String? {
    let runtime = DashboardRuntime(backend: CursesTerminal(), source: source, theme: theme, sourceName: sourceName, recorder: recorder,
                                   runQuery: runQuery, grouping: grouping)
    return try runtime.run()
}

/// The built-in engine as a live source: an `EngineRunner` trains on its own thread; its events
/// and reports become messages, and the dashboard's control messages are sent to it.
final class TrainerSource: MessageSource {
    private let runner: EngineRunner
    private let name: String

    /// Starts `runner`; `name` is the source's name in the events panel.
    init(_ runner: EngineRunner, name: String) {
        self.runner = runner
        self.name = name
        runner.start()
    }

    func poll(elapsed: Double) -> [Message] {
        var messages = runner.events.drain().map { Message.telemetry($0) }
        for report in runner.reports.drain() {
            switch report {
            case .refused(let text), .failed(let text): messages.append(.sourceError(source: name, description: text))
            }
        }
        return messages
    }

    func perform(_ control: ControlMessage) { runner.send(control.command, by: "user") }

    func close() { runner.stop() }

    func waitUntilStopped() { runner.waitUntilFinished() }
}
