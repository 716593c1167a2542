import Foundation
import Telemetry
import Training

/// Runs a trainer (or a sweep) on its own thread and, on the calling thread, records its events and prints a
/// compact progress line at most once a second, plus one line per phase.
final class HeadlessSession {
    private let driver: TrainingDriver
    private let total: Int
    private let startStep: Int
    private let recorder: EventRecorder?
    private let checkpointEvery: Int?
    private let checkpointDirectory: String?

    /// `total` and `startStep` are for the progress line; checkpoints need a single `Trainer`.
    init(driver: TrainingDriver, total: Int, startStep: Int, recorder: EventRecorder?, checkpointEvery: Int?, checkpointDirectory: String?) {
        self.driver = driver; self.total = total; self.startStep = startStep; self.recorder = recorder
        self.checkpointEvery = checkpointEvery; self.checkpointDirectory = checkpointDirectory
    }

    /// Control messages from the control channel, performed on the trainer thread between steps;
    /// each sender waits for its answer.
    final class ControlQueue: @unchecked Sendable {
        private let lock = NSLock()
        private var pending: [(ControlCommand, UncheckedBox<Answer>)] = []
        private var closed = false

        final class Answer: @unchecked Sendable {
            let done = DispatchSemaphore(value: 0)
            var result: Result<Void, ControlServer.ControlError> = .success(())
        }

        /// Queues a command and waits until the trainer thread has performed it.
        func submit(_ command: ControlCommand) -> Result<Void, ControlServer.ControlError> {
            let answer = Answer()
            let accepted = lock.withLock { () -> Bool in
                guard !closed else { return false }
                pending.append((command, UncheckedBox(answer)))
                return true
            }
            guard accepted else { return .failure(ControlServer.ControlError(message: "the run has ended")) }
            answer.done.wait()
            return answer.result
        }

        func take() -> [(ControlCommand, UncheckedBox<Answer>)] {
            lock.withLock {
                defer { pending = [] }
                return pending
            }
        }

        /// Refuses what is still queued and everything later.
        func close() {
            let left = lock.withLock { () -> [(ControlCommand, UncheckedBox<Answer>)] in
                closed = true
                defer { pending = [] }
                return pending
            }
            for (_, answer) in left {
                answer.value.result = .failure(ControlServer.ControlError(message: "the run has ended"))
                answer.value.done.signal()
            }
        }
    }

    /// Trains to the end (or until a `stop` on the control channel); false when training diverged
    /// or a file could not be written.
    func run(control: ControlQueue? = nil, rules: RuleRunner? = nil, forkDefaults: (knob: String, factors: [Double], steps: Int)? = nil) -> Bool {
        let mailbox = Mailbox<TelemetryEvent>(capacity: 4096, policy: .block)
        let failures = Mailbox<String>(capacity: 64, policy: .dropOldest)
        let engine = EngineSession(main: driver)
        if let forkDefaults { engine.forkDefaults = forkDefaults }
        let box = UncheckedBox(engine)
        let rulesBox = UncheckedBox(rules)
        let every = checkpointEvery, directory = checkpointDirectory
        let thread = Thread {
            let session = box.value
            let rules = rulesBox.value
            for event in session.openingEvents() { mailbox.post(event) }
            var paused = false, stopped = false, singleSteps = 0
            while !session.isFinished && !stopped {
                for (command, answer) in control?.take() ?? [] {
                    var result: Result<Void, ControlServer.ControlError> = .success(())
                    switch command {
                    case .pause: paused = true
                    case .resume: paused = false
                    case .step(let count): singleSteps += count
                    case .stop: stopped = true
                    case .checkpoint(let path):
                        if let trainer = session.main as? Trainer, let message = Self.save(trainer, path: path ?? directory ?? ".") {
                            result = .failure(ControlServer.ControlError(message: message))
                        } else if !(session.main is Trainer) {
                            result = .failure(ControlServer.ControlError(message: "checkpoints are written for single runs, not sweeps"))
                        }
                    default:
                        do throws(ControlError) {
                            for event in try session.perform(command, by: "control") { mailbox.post(event) }
                        } catch {
                            result = .failure(ControlServer.ControlError(message: error.message))
                        }
                    }
                    answer.value.result = result
                    answer.value.done.signal()
                }
                if stopped { break }
                let stepMain = !paused || singleSteps > 0
                if paused && singleSteps > 0 { singleSteps -= 1 }
                var events = session.step(stepMain: stepMain)
                if events.isEmpty && !stepMain {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                if let rules {
                    var pause = false, problems: [String] = []
                    events += rules.apply(events, session: session, pause: &pause, problems: &problems)
                    if pause { paused = true }
                    for problem in problems { printError("trainscope: \(problem)") }
                }
                for event in events { mailbox.post(event) }
                if let trainer = session.main as? Trainer, stepMain, let every, let directory, trainer.state.step % every == 0 {
                    if let message = Self.save(trainer, path: directory) { failures.post(message) }
                }
            }
            control?.close()
            if let trainer = session.main as? Trainer, let directory, every == nil || trainer.state.step % every! != 0 {
                if let message = Self.save(trainer, path: directory) { failures.post(message) }
            }
            mailbox.close()
        }
        thread.stackSize = 16 << 20
        thread.start()
        return consume(mailbox, failures: failures, total: total, startStep: startStep)
    }

    /// Writes a checkpoint to `path`: a `.safetensors` file, or a directory (as `step-NNNNNNN.safetensors`).
    private static func save(_ trainer: Trainer, path target: String) -> String? {
        let path = target.hasSuffix(".safetensors") ? target
            : (target as NSString).appendingPathComponent(String(format: "step-%07d.safetensors", trainer.state.step))
        do { try Checkpoint.file(for: trainer).write(to: path) } catch { return error.message }
        return nil
    }

    private func consume(_ mailbox: Mailbox<TelemetryEvent>, failures: Mailbox<String>, total: Int, startStep: Int) -> Bool {
        var start = Date()
        var startStep = startStep
        // A sweep trains several runs in turn: the progress line names the run and restarts its rate.
        var run: String?
        var runs = 0
        var lastPrint = Date.distantPast
        // The step of the last progress line, so the closing line of a run is not printed twice.
        var printedStep: Int?
        // Runs that diverged and were not rolled back: the session fails.
        var divergedRuns = Set<String>()
        var latest: [String: Double] = [:]
        var step = startStep
        var ok = true
        var phases: [String: Int] = [:]
        var lastSpectrumSeconds: Double?
        while true {
            let batch = mailbox.waitAndDrain()
            if batch.isEmpty { break }
            for event in batch {
                if let recorder {
                    do { try recorder.record(event) } catch {
                        printError("trainscope: error: \(error)")
                        ok = false
                    }
                }
                switch event {
                case .scalars(let s):
                    if let id = s.run, id != run {
                        if run != nil && printedStep != step {
                            print(progressLine(step: step, total: total, latest: latest, rate: Double(step - startStep) / max(Date().timeIntervalSince(start), 1e-9)))
                        }
                        printedStep = nil
                        run = id
                        runs += 1
                        start = Date()
                        startStep = s.step - 1
                        latest = [:]
                        if runs > 1 || driver is Sweep { print("run \(id)") }
                    }
                    step = s.step
                    for (k, v) in s.values { latest[k] = v }
                case .run(let r) where r.rolledBackTo != nil:
                    // A rule or the control channel rolled a diverged run back: it goes on under a new id.
                    if let parent = r.parent, divergedRuns.remove(parent) != nil { print("run \(parent) rescued: it goes on as \(r.run)") }
                case .pareto(let p) where driver is Sweep && p.run == (driver as! Sweep).id:
                    let points = p.points.map { "\($0.label ?? "?") \(String(format: "%.4g", $0.values[1]))" }
                    print("front after \(p.step) run\(p.step == 1 ? "" : "s"): " + points.joined(separator: ", "))
                case .spectrum(let e):
                    lastSpectrumSeconds = e.cost?.seconds
                case .phase(let p):
                    phases[p.name] = p.step
                    print("phase \(p.name) at step \(p.step): \(p.message ?? "")")
                    if p.name == "diverged" { divergedRuns.insert(p.run ?? "") }
                default: break
                }
            }
            for message in failures.drain() {
                printError("trainscope: error: \(message)")
                ok = false
            }
            if !latest.isEmpty && Date().timeIntervalSince(lastPrint) >= 1 {
                lastPrint = Date()
                printedStep = step
                var line = progressLine(step: step, total: total, latest: latest, rate: Double(step - startStep) / max(Date().timeIntervalSince(start), 1e-9))
                // Training pauses while the trainer estimates the spectrum: say for how long.
                if let seconds = lastSpectrumSeconds { line += String(format: " (paused %.2f s for the last spectrum)", seconds) }
                print(line)
            }
        }
        for message in failures.drain() {
            printError("trainscope: error: \(message)")
            ok = false
        }
        let seconds = Date().timeIntervalSince(start)
        if printedStep != step { print(progressLine(step: step, total: total, latest: latest, rate: Double(step - startStep) / max(seconds, 1e-9))) }
        var summary = String(format: "done: %d steps in %.1f s", step - startStep, seconds)
        if runs > 1 { summary = "done: \(runs) runs; the last, " + summary.dropFirst(6) }
        if latest["train/acc"] != nil {  // memorization and generalization mean something for classifiers only
            let memorized = phases["memorization"].map { "memorized at step \($0)" } ?? "did not memorize"
            let generalized = phases["generalization"].map { "generalized at step \($0)" } ?? "did not generalize"
            summary += "; \(memorized), \(generalized)"
        }
        if let sharpness = latest["hessian/sharpness"] { summary += String(format: "; sharpness %.4g", sharpness) }
        print(summary)
        return ok && divergedRuns.isEmpty
    }

    private func progressLine(step: Int, total: Int, latest: [String: Double], rate: Double) -> String {
        func pct(_ key: String) -> String { latest[key].map { String(format: "%5.1f%%", $0 * 100) } ?? "    -" }
        func num(_ key: String) -> String { latest[key].map { String(format: "%.4g", $0) } ?? "-" }
        var line = "step \(step)/\(total)  train loss \(num("train/loss"))"
        if latest["train/acc"] != nil { line += " acc \(pct("train/acc"))" }
        line += "  test loss \(num("test/loss"))"
        if latest["test/acc"] != nil { line += " acc \(pct("test/acc"))" }
        if latest["hessian/sharpness"] != nil { line += "  sharpness \(num("hessian/sharpness"))" }
        return line + String(format: "  %.0f steps/s", rate)
    }
}

/// Hands a non-Sendable object to exactly one other thread (the trainer thread owns it from then on).
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
