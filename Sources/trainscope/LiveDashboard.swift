import CursesBackend
import Dashboard
import Foundation
import Snapshot
import Telemetry
import TerminalUI
import Training

/// Where the live dashboard's events come from, and where its control messages go.
protocol LiveSource: AnyObject {
    /// Events ready now (`elapsed`: seconds since the dashboard started).
    func poll(elapsed: Double) -> [TelemetryEvent]
    /// Problems since the last call (a refused knob value), for the events panel.
    func problems() -> [String]
    /// Performs a control message (pause, resume, stop…) where the source supports it.
    func perform(_ control: ControlMessage)
    /// Source problems and notices already shaped for the events panel (sources with several inputs).
    func messages() -> [Message]
    /// The dashboard is closing: stop what the source runs for it (the built-in trainer). An
    /// external producer is left running: quitting the dashboard never stops someone's training.
    func close()
    /// After `close`: returns once the source's threads are done (the process may then exit safely).
    func waitUntilStopped()
}

extension LiveSource {
    func messages() -> [Message] { [] }
}

/// The runtime of the live dashboard: the only place with I/O. Each frame it drains the source,
/// feeds keys, resizes and the clock through the pure `update`, performs the effects and draws.
final class LiveDashboard {
    private let theme: Theme
    private let recorder: EventRecorder?
    static let frameInterval = 1.0 / 30

    private let sourceName: String

    init(theme: Theme, recorder: EventRecorder?, sourceName: String) {
        self.theme = theme; self.recorder = recorder; self.sourceName = sourceName
    }

    /// Runs until the user quits; returns an error message when recording failed.
    func run(_ source: LiveSource) -> String? {
        let terminal = CursesTerminal()
        terminal.start()
        defer { terminal.stop() }
        let view = DashboardView(theme: theme)
        var size = terminal.size
        var state = DashboardState(width: size.width, height: size.height, sourceName: sourceName)
        let start = Date()
        var failure: String?
        loop: while true {
            let elapsed = Date().timeIntervalSince(start)
            for event in source.poll(elapsed: elapsed) {
                if let recorder {
                    do { try recorder.record(event) } catch { failure = failure ?? "\(error)" }
                }
                _ = update(&state, .telemetry(event))
            }
            for problem in source.problems() { _ = update(&state, .sourceError(source: sourceName, description: problem)) }
            for message in source.messages() { _ = update(&state, message) }
            while let key = terminal.readKey() {
                for effect in update(&state, .key(key)) {
                    switch effect {
                    case .quit: break loop
                    case .control(let message): source.perform(message)
                    case .snapshot: _ = update(&state, .notice(writeSnapshot(state, view: view)))
                    }
                }
            }
            let current = terminal.size
            if current != size {
                size = current
                _ = update(&state, .resize(width: size.width, height: size.height))
                terminal.invalidate()
            }
            _ = update(&state, .frameTick(time: Date().timeIntervalSince1970))
            terminal.draw(view.render(state))
            Thread.sleep(forTimeInterval: Self.frameInterval)
        }
        source.close()
        terminal.stop()
        source.waitUntilStopped()
        return failure
    }
}

extension LiveDashboard {
    /// Writes the screen as `trainscope-RUN-stepN.svg` and its data as `.json` in the current
    /// directory; returns the line for the events panel.
    func writeSnapshot(_ state: DashboardState, view: DashboardView) -> String {
        let run = state.currentRun
        let base = "trainscope-\(run?.id ?? "empty")-step\(run?.latestStep ?? 0)"
        let options = SnapshotOptions(width: state.width, height: state.height, layout: state.layout, panel: state.focus,
                                      smoothing: state.curves.smoothing, sourceName: state.sourceName)
        var frame = state
        frame.isShowingHelp = false
        let svg = SVGExport.render(view.render(frame), theme: theme)
        let json = JSONExport.document(frame, options)
        let ok = FileManager.default.createFile(atPath: base + ".svg", contents: Data(svg.utf8))
            && FileManager.default.createFile(atPath: base + ".json", contents: Data(json.utf8))
        let directory = FileManager.default.currentDirectoryPath
        return ok ? "snapshot: \(directory)/\(base).svg and .json" : "snapshot: cannot write \(base).svg/.json in \(directory)"
    }
}

/// The built-in engine as a live source: the trainer (or sweep) runs on its own thread and posts events into
/// a bounded mailbox; pause, resume, single steps, knob changes and stop reach it through lock-protected
/// fields it reads between steps.
final class TrainerSource: LiveSource, @unchecked Sendable {
    private let mailbox = Mailbox<TelemetryEvent>(capacity: 4096, policy: .block)
    private let lock = NSLock()
    private var paused = false
    private var stopped = false
    /// Steps still to take while paused (`n`).
    private var singleSteps = 0
    /// Knob changes, undo, fork, adopt and discard waiting for the trainer thread, in order.
    private var pendingCommands: [ControlCommand] = []
    private var refusals: [String] = []
    /// Signalled when the trainer thread has left its loop.
    private let threadDone = DispatchSemaphore(value: 0)

    init(driver: TrainingDriver, rules: RuleRunner? = nil, forkDefaults: (knob: String, factors: [Double], steps: Int)? = nil) {
        let engine = EngineSession(main: driver)
        if let forkDefaults { engine.forkDefaults = forkDefaults }
        let box = UncheckedBox(engine)
        let rulesBox = UncheckedBox(rules)
        let thread = Thread { [self] in
            let session = box.value
            for event in session.openingEvents() { mailbox.post(event) }
            while !session.isFinished {
                let (isPaused, isStopped, commands, mayStep) = lock.withLock { () -> (Bool, Bool, [ControlCommand], Bool) in
                    defer { pendingCommands = [] }
                    let step = !paused || singleSteps > 0
                    if paused && singleSteps > 0 { singleSteps -= 1 }
                    return (paused, stopped, pendingCommands, step)
                }
                if isStopped { break }
                for command in commands {
                    do throws(ControlError) {
                        for event in try session.perform(command, by: "user") { mailbox.post(event) }
                    } catch {
                        lock.withLock { refusals.append("\(command.typeName): \(error.message)") }
                    }
                }
                // Fork branches keep computing while the main run is paused.
                var events = session.step(stepMain: !isPaused || mayStep)
                if events.isEmpty && (isPaused || session.main.isFinished) {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                if let rules = rulesBox.value {
                    var pause = false, problems: [String] = []
                    events += rules.apply(events, session: session, pause: &pause, problems: &problems)
                    lock.withLock {
                        if pause { paused = true }
                        refusals += problems
                    }
                }
                for event in events { mailbox.post(event) }
            }
            threadDone.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    func poll(elapsed: Double) -> [TelemetryEvent] { mailbox.drain() }

    func close() { perform(ControlMessage(.stop)) }

    /// Exiting while the trainer thread is inside a step tears down memory it still uses (OpenBLAS
    /// buffers, the allocator) and crashes at exit, so the runtime waits for the current step to end.
    func waitUntilStopped() { threadDone.wait() }

    func problems() -> [String] {
        lock.withLock {
            defer { refusals = [] }
            return refusals
        }
    }

    func perform(_ control: ControlMessage) {
        lock.withLock {
            switch control.command {
            case .pause: paused = true
            case .resume: paused = false
            case .stop: stopped = true
            case .step(let count): singleSteps += max(0, count)
            case .set, .rollback, .fork, .adopt, .discard: pendingCommands.append(control.command)
            case .checkpoint: refusals.append("checkpoint: the live dashboard does not write checkpoints (use run --headless --checkpoint-every)")
            }
        }
        if case .stop = control.command { mailbox.close() }
    }
}

/// A recording played back live with its original timing.
final class ReplaySource: LiveSource {
    private var schedule: ReplaySchedule
    private var pausedAt: Double?
    private var pausedTotal = 0.0

    init(events: [TelemetryEvent], speed: Double) { schedule = ReplaySchedule(events: events, speed: speed) }

    func poll(elapsed: Double) -> [TelemetryEvent] {
        guard pausedAt == nil else { return [] }
        return Array(schedule.take(upTo: elapsed - pausedTotal))
    }

    func problems() -> [String] { [] }

    func close() {}

    func waitUntilStopped() {}

    func perform(_ control: ControlMessage) {
        switch control.command {
        case .pause: pausedAt = pausedAt ?? Date().timeIntervalSinceReferenceDate
        case .resume:
            if let at = pausedAt { pausedTotal += Date().timeIntervalSinceReferenceDate - at }
            pausedAt = nil
        default: break
        }
    }
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
