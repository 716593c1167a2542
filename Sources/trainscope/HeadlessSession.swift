import Foundation
import Telemetry
import Training

/// The headless run: an `EngineRunner` trains, and the calling thread records its events and
/// prints a compact progress line at most once a second, plus one line per phase.
final class HeadlessSession {
    private let driver: TrainingDriver
    private let total: Int
    private let startStep: Int
    private let recorder: EventRecorder?
    /// With more than one seed, the closing lines summarize each group of seeds as mean ± spread.
    private let seeds: Int

    /// `total` and `startStep` are for the progress line.
    init(driver: TrainingDriver, total: Int, startStep: Int, recorder: EventRecorder?, seeds: Int = 1) {
        self.driver = driver; self.total = total; self.startStep = startStep; self.recorder = recorder; self.seeds = seeds
    }

    /// Trains to the end (or until a `stop` on the control channel) on `runner`, started here;
    /// false when training diverged or a file could not be written.
    func run(_ runner: EngineRunner) -> Bool {
        runner.start()
        return consume(runner, total: total, startStep: startStep)
    }

    private func consume(_ runner: EngineRunner, total: Int, startStep: Int) -> Bool {
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
        var outcomes: [RunOutcome] = []
        var lastSpectrumSeconds: Double?
        while true {
            let batch = runner.events.waitAndDrain()
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
                        if let run { outcomes.append(RunOutcome(run: run, values: latest, phases: phases)) }
                        run = id
                        phases = [:]
                        runs += 1
                        start = Date()
                        // The first run starts where the session resumed; each later sweep member at 0.
                        startStep = runs == 1 ? self.startStep : 0
                        latest = [:]
                        if runs > 1 || driver.singleRun == nil { print("run \(id)") }
                    }
                    step = s.step
                    for (k, v) in s.values { latest[k] = v }
                case .run(let r) where r.rolledBackTo != nil:
                    // A rule or the control channel rolled a diverged run back: it goes on under a new id.
                    if let parent = r.parent, divergedRuns.remove(parent) != nil { print("run \(parent) rescued: it goes on as \(r.run)") }
                case .pareto(let p) where driver.singleRun == nil && p.run == driver.id:
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
            ok = printReports(runner.reports.drain()) && ok
            if !latest.isEmpty && Date().timeIntervalSince(lastPrint) >= 1 {
                lastPrint = Date()
                printedStep = step
                var line = progressLine(step: step, total: total, latest: latest, rate: Double(step - startStep) / max(Date().timeIntervalSince(start), 1e-9))
                // Training pauses while the trainer estimates the spectrum: say for how long.
                if let seconds = lastSpectrumSeconds { line += String(format: " (paused %.2f s for the last spectrum)", seconds) }
                print(line)
            }
        }
        runner.waitUntilFinished()
        ok = printReports(runner.reports.drain()) && ok
        let seconds = Date().timeIntervalSince(start)
        if printedStep != step { print(progressLine(step: step, total: total, latest: latest, rate: Double(step - startStep) / max(seconds, 1e-9))) }
        // A resumed run names the step it reached and what this session trained of it.
        var summary = startStep == 0 ? String(format: "done: %d steps in %.1f s", step, seconds)
            : String(format: "done: step %d, %d steps after resuming at step %d, in %.1f s", step, step - startStep, startStep, seconds)
        if runs > 1 { summary = "done: \(runs) runs; the last, " + summary.dropFirst(6) }
        if latest["train/acc"] != nil {  // memorization and generalization mean something for classifiers only
            let memorized = phases["memorization"].map { "memorized at step \($0)" } ?? "did not memorize"
            let generalized = phases["generalization"].map { "generalized at step \($0)" } ?? "did not generalize"
            summary += "; \(memorized), \(generalized)"
        }
        if let sharpness = latest["hessian/sharpness"] { summary += String(format: "; sharpness %.4g", sharpness) }
        print(summary)
        if seeds > 1, let run {
            outcomes.append(RunOutcome(run: run, values: latest, phases: phases))
            for line in RunOutcome.seedSummaries(outcomes) { print(line) }
        }
        return ok && divergedRuns.isEmpty
    }

    /// Prints the engine's reports; false when one is a failure.
    private func printReports(_ reports: [EngineReport]) -> Bool {
        var ok = true
        for report in reports {
            switch report {
            case .refused(let message): printError("trainscope: \(message)")
            case .failed(let message):
                printError("trainscope: error: \(message)")
                ok = false
            }
        }
        return ok
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
