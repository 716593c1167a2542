import Foundation
import Telemetry

/// What the runner does after each step besides posting its events: the closed-loop rules of
/// `run --rules`. Called on the trainer thread, with the session it may change.
public protocol StepHook: AnyObject {
    /// The events of one step in; what the hook adds, whether it paused the run, and its problems out.
    func afterStep(_ events: [TelemetryEvent], session: EngineSession) -> StepHookOutcome
}

/// What a `StepHook` did after a step.
public struct StepHookOutcome: Sendable {
    public var events: [TelemetryEvent] = []
    public var pause = false
    public var problems: [String] = []
    public init(events: [TelemetryEvent] = [], pause: Bool = false, problems: [String] = []) {
        self.events = events; self.pause = pause; self.problems = problems
    }
}

/// Something the engine reports besides its events.
public enum EngineReport: Sendable, Equatable {
    /// A control command sent without waiting was refused, or a rule could not act: a warning.
    case refused(String)
    /// A file could not be written (a checkpoint): the session has failed.
    case failed(String)
}

/// The built-in engine on its own thread, and the only owner of that thread: a command mailbox
/// with replies (set, pause, resume, step, fork, adopt, discard, rollback, checkpoint, stop), the
/// pause and single-step state, the step hook (rules), the checkpoint cadence, and the outgoing
/// event mailbox. The live dashboard, the headless run, `snapshot --preset` and the control
/// server are adapters on it.
///
/// `turn()` is one round of the loop, so tests drive the runner without a thread.
public final class EngineRunner: @unchecked Sendable {
    /// The engine's events, in order. Bounded: the trainer waits while it is full.
    public let events = Mailbox<TelemetryEvent>(capacity: 4096, policy: .block)
    /// Refusals of commands sent without waiting, rule problems and write failures.
    public let reports = Mailbox<EngineReport>(capacity: 256, policy: .dropOldest)

    private let session: EngineSession
    private let hook: StepHook?
    private let checkpointEvery: Int?
    private let checkpointDirectory: String?

    private struct Pending {
        var command: ControlCommand
        var by: String
        var reply: (@Sendable (Result<Void, ControlRefusal>) -> Void)?
    }
    private let inbox = NSCondition()
    private var pending: [Pending] = []
    private var inboxClosed = false
    private var opened = false
    // Owned by the trainer thread (or the caller of `turn`).
    private var paused: Bool
    private var singleSteps = 0
    private var stopped = false
    private let threadDone = DispatchSemaphore(value: 0)

    /// A runner for `driver`; checkpoints go to `checkpointDirectory` every `checkpointEvery` steps
    /// and at the end (single runs only).
    public init(driver: TrainingDriver, fork: ForkPlan? = nil, hook: StepHook? = nil,
                checkpointEvery: Int? = nil, checkpointDirectory: String? = nil, startPaused: Bool = false) {
        session = EngineSession(main: driver)
        if let fork { session.forkDefaults = fork }
        self.hook = hook
        self.checkpointEvery = checkpointEvery
        self.checkpointDirectory = checkpointDirectory
        paused = startPaused
    }

    /// Whether the main run is paused (as the trainer thread last saw it).
    public var isPaused: Bool { inbox.withLock { paused } }

    /// Starts the trainer thread; it runs `turn()` until the session is finished or stopped.
    public func start() {
        let thread = Thread { [self] in
            while turn() {}
            threadDone.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Queues `command` (performed between steps, in order); `reply` gets the outcome on the
    /// trainer thread. Without `reply`, a refusal becomes a report.
    public func send(_ command: ControlCommand, by: String, reply: (@Sendable (Result<Void, ControlRefusal>) -> Void)? = nil) {
        let accepted = inbox.withLock { () -> Bool in
            guard !inboxClosed else { return false }
            pending.append(Pending(command: command, by: by, reply: reply))
            inbox.signal()
            return true
        }
        guard !accepted else { return }
        let refusal = ControlRefusal("the run has ended")
        if let reply { reply(.failure(refusal)) } else { _ = reports.post(.refused("\(command.typeName): \(refusal.message)")) }
    }

    /// Performs `command` on the trainer thread and waits for its outcome.
    public func perform(_ command: ControlCommand, by: String) -> Result<Void, ControlRefusal> {
        let done = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        send(command, by: by) { outcome in
            box.outcome = outcome
            done.signal()
        }
        done.wait()
        return box.outcome
    }

    /// Ends the loop after the current step, even while the event mailbox is full and nobody
    /// reads it (a dashboard that quit).
    public func stop() {
        send(.stop, by: "runtime")
        events.close()
    }

    /// After `start`: returns once the trainer thread has left its loop. Exiting while it is
    /// inside a step tears down memory it still uses (OpenBLAS buffers), so callers wait.
    public func waitUntilFinished() {
        threadDone.wait()
        threadDone.signal()  // so that every later wait returns at once
    }

    // MARK: - The loop

    /// One round: the opening events the first time, then every queued command, then a step
    /// (of the branches, and of the main run unless paused), the hook, and the checkpoint
    /// cadence. False once the session is finished or stopped (the mailboxes are then closed and
    /// later commands refused).
    @discardableResult
    public func turn() -> Bool {
        if !opened {
            opened = true
            post(session.openingEvents())
        }
        let commands = inbox.withLock { () -> [Pending] in
            defer { pending = [] }
            return pending
        }
        for command in commands {
            let outcome = execute(command.command, by: command.by)
            if let reply = command.reply {
                reply(outcome)
            } else if case .failure(let refusal) = outcome {
                _ = reports.post(.refused("\(command.command.typeName): \(refusal.message)"))
            }
        }
        guard !stopped && !session.isFinished else { return finish() }
        let stepMain = !paused || singleSteps > 0
        if paused && singleSteps > 0 { singleSteps -= 1 }
        var stepped = session.step(stepMain: stepMain)
        if stepped.isEmpty && (!stepMain || session.main.isFinished) {
            // Nothing to compute until a command arrives (paused, or only the main run left and done).
            inbox.withLock { if pending.isEmpty { _ = inbox.wait(until: Date(timeIntervalSinceNow: 0.05)) } }
            return true
        }
        if let hook {
            let outcome = hook.afterStep(stepped, session: session)
            stepped += outcome.events
            if outcome.pause { inbox.withLock { paused = true } }
            for problem in outcome.problems { _ = reports.post(.refused(problem)) }
        }
        post(stepped)
        if stepMain, let every = checkpointEvery, let trainer = session.main.singleRun, trainer.state.step % every == 0 {
            saveCheckpoint(to: checkpointDirectory ?? ".")
        }
        return true
    }

    private func execute(_ command: ControlCommand, by: String) -> Result<Void, ControlRefusal> {
        switch command {
        case .pause: inbox.withLock { paused = true }
        case .resume: inbox.withLock { paused = false }
        case .step(let count): singleSteps += max(0, count)
        case .stop: stopped = true
        case .checkpoint(let path):
            guard session.main.singleRun != nil else { return .failure(ControlRefusal("checkpoints are written for single runs, not sweeps")) }
            if let failure = checkpointFailure(to: path ?? checkpointDirectory ?? ".") { return .failure(ControlRefusal(failure)) }
        case .set, .rollback, .fork, .adopt, .discard:
            do throws(ControlRefusal) { post(try session.perform(command, by: by)) } catch { return .failure(error) }
        }
        return .success(())
    }

    /// The loop is over: the final checkpoint, then later commands are refused and consumers see the end.
    private func finish() -> Bool {
        if let directory = checkpointDirectory, let trainer = session.main.singleRun,
           checkpointEvery.map({ trainer.state.step % $0 != 0 }) ?? true {
            saveCheckpoint(to: directory)
        }
        let left = inbox.withLock { () -> [Pending] in
            inboxClosed = true
            defer { pending = [] }
            return pending
        }
        for command in left { command.reply?(.failure(ControlRefusal("the run has ended"))) }
        events.close()
        reports.close()
        return false
    }

    private func post(_ batch: [TelemetryEvent]) {
        for event in batch { _ = events.post(event) }
    }

    private func saveCheckpoint(to path: String) {
        if let failure = checkpointFailure(to: path) { _ = reports.post(.failed(failure)) }
    }

    /// Writes a checkpoint to `path`: a `.safetensors` file, or a directory (as
    /// `step-NNNNNNN.safetensors`); the reason when it could not.
    private func checkpointFailure(to target: String) -> String? {
        guard let trainer = session.main.singleRun else { return nil }
        let path = target.hasSuffix(".safetensors") ? target
            : (target as NSString).appendingPathComponent(String(format: "step-%07d.safetensors", trainer.state.step))
        do { try Checkpoint.file(for: trainer).write(to: path) } catch { return error.message }
        return nil
    }
}

/// The outcome of a command, handed from the trainer thread to the waiting caller.
private final class OutcomeBox: @unchecked Sendable {
    var outcome: Result<Void, ControlRefusal> = .success(())
}
