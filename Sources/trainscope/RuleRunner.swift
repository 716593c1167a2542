import Dashboard
import Foundation
import JSONCore
import Rules
import Snapshot
import Telemetry
import TerminalUI
import Training

/// Applies a rules file to a running engine session, on the trainer thread right after each
/// step: firing rules change knobs (logged `by: rule:NAME`, like a manual change), roll back,
/// pause, write a checkpoint or a snapshot.
final class RuleRunner: StepHook {
    private var evaluator: RuleEvaluator
    private let checkpointDirectory: String
    /// Every event so far, folded like the dashboard does, for the `snapshot` action.
    private var state: DashboardState?

    init(_ file: RuleFile, checkpointDirectory: String?) {
        evaluator = RuleEvaluator(file)
        self.checkpointDirectory = checkpointDirectory ?? "."
        if file.rules.contains(where: { $0.actions.contains(.snapshot) }) { state = DashboardState(width: 160, height: 48, sourceName: "rules") }
    }

    /// True when some rule can pause the run.
    var canPause: Bool { evaluator.file.rules.contains { $0.actions.contains(.pause) } }

    /// The events of one step in; the events the firing rules add, whether one paused, and their problems out.
    func afterStep(_ events: [TelemetryEvent], session: EngineSession) -> StepHookOutcome {
        if state != nil { for e in events { _ = update(&state!, .telemetry(e)) } }
        guard let main = session.main.singleRun else { return StepHookOutcome() }
        var added: [TelemetryEvent] = []
        var pause = false
        var problems: [String] = []
        for rule in evaluator.observe(events, run: main.runID) {
            let by = "rule:\(rule.name)"
            for action in rule.actions {
                do throws(ControlRefusal) {
                    switch action {
                    case .set(let knob, let value):
                        added += try session.perform(.set(knob: knob, value: value), by: by)
                    case .scale(let knob, let factor):
                        guard let current = main.knobSpecs.first(where: { $0.name == knob }),
                              case .number(let x) = current.value else { throw ControlRefusal("'\(knob)' is not a numeric knob") }
                        added += try session.perform(.set(knob: knob, value: .number(x * factor)), by: by)
                    case .rollback:
                        added += try session.perform(.rollback(to: nil), by: by)
                        evaluator.rolledBack(by: rule.name)
                    case .pause:
                        pause = true
                        added.append(.control(ControlMessage(.pause, run: main.runID, extra: JSONObject([("by", .string(by))]))))
                    case .checkpoint:
                        let path = (checkpointDirectory as NSString).appendingPathComponent(String(format: "rule-%@-step-%07d.safetensors", rule.name, main.state.step))
                        do { try Checkpoint.file(for: main).write(to: path) } catch { throw ControlRefusal(error.message) }
                    case .snapshot:
                        guard var frame = state else { break }
                        for e in added { _ = update(&frame, .telemetry(e)) }
                        frame.isLive = false
                        let base = (checkpointDirectory as NSString).appendingPathComponent("rule-\(rule.name)-step\(main.state.step)")
                        let svg = SVGExport.render(DashboardView(theme: Theme.builtIn["default"]!).render(frame), theme: Theme.builtIn["default"]!)
                        let json = JSONExport.document(frame, SnapshotOptions(width: frame.width, height: frame.height, sourceName: "rules"))
                        guard FileManager.default.createFile(atPath: base + ".svg", contents: Data(svg.utf8)),
                              FileManager.default.createFile(atPath: base + ".json", contents: Data(json.utf8)) else {
                            throw ControlRefusal("cannot write \(base).svg/.json")
                        }
                    }
                } catch {
                    problems.append("rule \(rule.name): \(error.message)")
                }
            }
        }
        if state != nil { for e in added { _ = update(&state!, .telemetry(e)) } }
        return StepHookOutcome(events: added, pause: pause, problems: problems)
    }
}
