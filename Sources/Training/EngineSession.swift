import JSONCore
import Telemetry

/// The built-in engine as the runtime drives it: the main run (a trainer or a sweep) and any fork
/// preview branches, with the control messages that change them. Single-threaded; the runtime
/// owns the thread and decides when to step (pausing is the runtime's).
///
/// Branches share the CPU fairly with the main run: each `step` round takes one step of every
/// branch that has steps left, then one of the main run.
public final class EngineSession {
    public private(set) var main: TrainingDriver
    /// Fork preview branches and their steps left, in the order they were forked.
    public private(set) var branches: [(trainer: Trainer, remaining: Int)] = []

    /// What a fork without arguments varies (`run --fork`): by default the learning rate ×0.5, ×1
    /// and ×2 for 200 steps.
    public var forkDefaults = ForkPlan.standard

    public init(main: TrainingDriver) { self.main = main }

    public func openingEvents() -> [TelemetryEvent] { main.openingEvents() }

    /// True when the main run is done and no branch has steps left.
    public var isFinished: Bool { main.isFinished && branches.allSatisfy { $0.remaining == 0 } }

    /// One round: a step of each branch with steps left, then a step of the main run when `stepMain`.
    public func step(stepMain: Bool) -> [TelemetryEvent] {
        var events: [TelemetryEvent] = []
        for i in branches.indices where branches[i].remaining > 0 && !branches[i].trainer.isFinished {
            events += branches[i].trainer.step()
            branches[i].remaining -= 1
        }
        if stepMain && !main.isFinished { events += main.step() }
        return events
    }

    /// Performs a control message that changes the run: `set`, `rollback`, `fork`, `adopt`,
    /// `discard` (pause, resume, step and stop are the runtime's). Returns the events that
    /// describe the change; a refused message changes nothing.
    public func perform(_ command: ControlCommand, by: String) throws(ControlRefusal) -> [TelemetryEvent] {
        switch command {
        case .set(let knob, let value):
            do { return [try main.setKnob(knob, to: value, by: by)] } catch { throw ControlRefusal(error.message) }
        case .rollback(let to):
            guard to == nil else { throw ControlRefusal("rollback returns to the state before the last knob change; a step cannot be named") }
            let abandoned = main.singleRun?.runID
            guard let event = main.rollback() else { throw ControlRefusal("nothing to undo: no knob change since the start or the last undo") }
            // Branches forked from the abandoned state end with it (announced under its id).
            return endBranches(of: abandoned) + [event]
        case .fork(let knob, let factors, let steps):
            return try fork(knob: knob ?? forkDefaults.knob, factors: factors ?? forkDefaults.factors,
                            steps: steps ?? forkDefaults.steps)
        case .adopt(let id):
            guard let index = branches.firstIndex(where: { $0.trainer.runID == id }) else {
                throw ControlRefusal("no fork branch '\(id)' (branches: \(branches.map(\.trainer.runID).joined(separator: ", ")))")
            }
            let parent = main.singleRun?.runID
            let adopted = branches[index].trainer
            main = adopted
            branches = []
            guard case .run(var run) = adopted.runEvent() else { preconditionFailure("runEvent is a run event") }
            run.parent = parent
            run.adopted = true
            return [.run(run)]
        case .discard:
            guard !branches.isEmpty else { throw ControlRefusal("no fork branches to discard") }
            return endBranches(of: main.singleRun?.runID)
        case .pause, .resume, .step, .checkpoint, .stop:
            throw ControlRefusal("\(command.typeName) is handled by the runtime, not the engine session")
        }
    }

    /// Ends every branch of run `id`; the `discard` line tells consumers (none when there were no branches).
    private func endBranches(of id: String?) -> [TelemetryEvent] {
        guard !branches.isEmpty else { return [] }
        branches = []
        return [.control(ControlMessage(.discard, run: id))]
    }

    private func fork(knob: String, factors: [Double], steps: Int) throws(ControlRefusal) -> [TelemetryEvent] {
        guard let trainer = main.singleRun else { throw ControlRefusal("fork previews need a single run (not a sweep)") }
        guard branches.isEmpty else { throw ControlRefusal("a fork preview is running: adopt a branch or discard them first") }
        guard steps >= 1, !factors.isEmpty, factors.count <= 9, factors.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ControlRefusal("fork needs 1–9 non-negative factors and at least one step")
        }
        guard let spec = trainer.knobSpecs.first(where: { $0.name == knob }), case .number(let value) = spec.value else {
            throw ControlRefusal("'\(knob)' is not a numeric knob of this run")
        }
        var events: [TelemetryEvent] = []
        var made: [(trainer: Trainer, remaining: Int)] = []
        for factor in factors {
            let branch = trainer.fork(runID: "\(trainer.runID)/\(knob)×\(JSONValue.number(factor).jsonText)")
            var knobEvent: TelemetryEvent?
            if factor != 1 {
                do { knobEvent = try branch.setKnob(knob, to: .number(value * factor), by: "fork") } catch {
                    throw ControlRefusal("fork: \(knob) × \(JSONValue.number(factor).jsonText): \(error.message)")
                }
            }
            guard case .run(var run) = branch.runEvent() else { preconditionFailure("runEvent is a run event") }
            run.parent = trainer.runID
            run.preview = true
            run.factor = factor
            events.append(.run(run))
            if let knobEvent { events.append(knobEvent) }
            made.append((branch, steps))
        }
        branches = made
        return events
    }
}

extension Trainer {
    /// The knob specs of the run event (names, current values, ranges).
    public var knobSpecs: [KnobSpec] {
        guard case .run(let run) = runEvent() else { return [] }
        return run.knobs
    }
}

/// What a fork without arguments varies (`run --fork KNOB:F1,F2,…:STEPS`): a numeric knob, 1–9
/// non-negative factors it is scaled by (0 turns a knob like `lag_threshold` off, where its range
/// allows 0), and the steps each branch previews.
public struct ForkPlan: Sendable, Equatable {
    public var knob: String
    public var factors: [Double]
    public var steps: Int

    /// The learning rate ×0.5, ×1 and ×2 for 200 steps.
    public static let standard = ForkPlan(knob: "lr", factors: [0.5, 1, 2], steps: 200)

    public init(knob: String, factors: [Double], steps: Int) { self.knob = knob; self.factors = factors; self.steps = steps }

    /// Parses `KNOB:F1,F2,…:STEPS`; nil unless the knob is a knob of the config table,
    /// there are 1–9 non-negative finite factors (0 only where the knob accepts 0) and steps ≥ 1.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let factorTexts = parts[1].split(separator: ",")
        let factors = factorTexts.compactMap { Double($0) }
        guard let key = TrainingConfig.key(String(parts[0])), key.isKnob, !factors.isEmpty, factors.count == factorTexts.count, factors.count <= 9,
              factors.allSatisfy({ $0 >= 0 && $0.isFinite }), !factors.contains(0) || (try? key.parse("0")) != nil,
              let steps = Int(parts[2]), steps >= 1 else { return nil }
        self.init(knob: String(parts[0]), factors: factors, steps: steps)
    }
}
