import JSONCore
import Telemetry

/// What the runtime drives on its training thread: one trainer, or a sweep of them.
public protocol TrainingDriver: AnyObject {
    /// The events that announce the run(s) before the first step.
    func openingEvents() -> [TelemetryEvent]
    /// One step; its events.
    func step() -> [TelemetryEvent]
    var isFinished: Bool { get }
    /// Sets a knob of the run being trained; see `Trainer.setKnob`.
    func setKnob(_ name: String, to value: KnobValue, by: String) throws(ConfigError) -> TelemetryEvent
    /// Undoes the last knob change of the run being trained; see `Trainer.rollback`.
    func rollback() -> TelemetryEvent?
    /// The driver's run id: the run's, or the sweep's own (the id its fronts carry).
    var id: String { get }
    /// The run trained, when the driver trains a single run (forks and checkpoints need one); nil for a sweep.
    var singleRun: Trainer? { get }
}

extension Trainer: TrainingDriver {
    public func openingEvents() -> [TelemetryEvent] { [runEvent()] }
    public var id: String { runID }
    public var singleRun: Trainer? { self }
}

/// Trains a family of configurations one after another (one config key swept over values) and,
/// after each member, emits a `pareto` event of every finished member's cost against its quality:
/// the front fills in as the sweep goes. Members are ordinary runs with their own `run` events
/// (`parent` is the sweep); the sweep's fronts belong to the sweep's own run id.
///
/// Cost is the config's `sweep_cost`: the member's parameter count, its training FLOPs per step
/// (≈ 6 · examples per step · parameters, the usual dense estimate), or its measured seconds per
/// step. Quality is its final test accuracy (test loss for regression). The front's step is the
/// number of finished members.
public final class Sweep: TrainingDriver {
    public let id: String
    public let key: String
    public let values: [ConfigValue]
    public let base: TrainingConfig
    private let clock: @Sendable () -> Double
    private var current: Trainer?
    private var next = 0
    private var points: [ParetoPoint] = []
    private var classification = true
    /// Every member's cost when it is known before training (parameters, FLOPs), for the hypervolume reference.
    private let plannedCosts: [Double]?
    private var memberStarted = 0.0

    /// A sweep of `key` over `values` on top of `base` (each value is range-checked now).
    public init(id: String, base: TrainingConfig, key: String, values: [ConfigValue], clock: @escaping @Sendable () -> Double) throws(ConfigError) {
        self.id = id; self.base = base; self.key = key; self.values = values; self.clock = clock
        var costs: [Double] = []
        for v in values {
            var config = base
            try config.set(key, v)
            try config.validate()
            // Each member is checked before its task is built (building it allocates the data).
            try config.checkFits(physicalMemory: TrainingConfig.physicalMemory)
            let task = TaskFactory.make(config)
            costs.append(Self.plannedCost(config, parameters: task.model.layout.count, examples: task.train.count) ?? .nan)
        }
        plannedCosts = costs.allSatisfy(\.isFinite) ? costs : nil
    }

    public var isFinished: Bool { next >= values.count && current == nil }

    public var singleRun: Trainer? { nil }

    public func openingEvents() -> [TelemetryEvent] {
        var extra = JSONObject()
        extra["sweep_key"] = .string(key)
        extra["sweep_values"] = .array(values.map(\.jsonValue))
        return [.run(RunEvent(run: id, task: "sweep of \(key) over \(values.map(\.description).joined(separator: ", "))",
                              config: base.jsonObject, time: clock(), extra: extra))]
    }

    public func step() -> [TelemetryEvent] {
        var events: [TelemetryEvent] = []
        if current == nil {
            guard next < values.count else { return [] }
            var config = base
            // Checked in init.
            try! config.set(key, values[next])
            let trainer = Trainer(config: config, runID: "\(id)-\(key)\(values[next])", clock: clock)
            current = trainer
            memberStarted = clock()
            guard case .run(var run) = trainer.runEvent() else { preconditionFailure("runEvent is a run event") }
            run.parent = id
            events.append(.run(run))
        }
        let trainer = current!
        events += trainer.step()
        if trainer.isFinished {
            let test = trainer.evaluate(trainer.task.test)
            classification = test.accuracy != nil
            let quality = test.accuracy ?? test.loss
            let cost = Self.plannedCost(trainer.state.config, parameters: trainer.task.model.layout.count, examples: trainer.task.train.count)
                ?? (clock() - memberStarted) / Double(max(trainer.state.step, 1))
            points.append(ParetoPoint(values: [cost, quality],
                                      label: "\(key) \(values[next])\(trainer.hasDiverged ? " (diverged)" : "")"))
            let objectives = [ParetoObjective(name: base[.sweepCost].objectiveName, direction: .minimize),
                              classification ? ParetoObjective(name: "test/acc", direction: .maximize)
                                             : ParetoObjective(name: "test/loss", direction: .minimize)]
            // Reference: 10% beyond the costliest member, and zero accuracy (measured seconds and
            // regression losses have no bound known in advance: left to consumers).
            var extra = JSONObject()
            if classification, let planned = plannedCosts { extra["reference"] = .array([.number(planned.max()! * 1.1), .number(0)]) }
            events.append(.pareto(ParetoEvent(run: id, step: points.count, time: clock(), objectives: objectives,
                                              points: points.filter { $0.values.allSatisfy(\.isFinite) }, extra: extra)))
            current = nil
            next += 1
        }
        return events
    }

    public func setKnob(_ name: String, to value: KnobValue, by: String) throws(ConfigError) -> TelemetryEvent {
        guard let current else { throw ConfigError("no member of the sweep is training") }
        return try current.setKnob(name, to: value, by: by)
    }

    public func rollback() -> TelemetryEvent? { current?.rollback() }

    /// The cost of a member known before training: parameters, or FLOPs per step; nil for seconds.
    static func plannedCost(_ config: TrainingConfig, parameters: Int, examples: Int) -> Double? {
        switch config[.sweepCost] {
        case .parameters: return Double(parameters)
        case .flops:
            let batch = config[.batchSize]
            return 6 * Double(batch == 0 ? examples : min(batch, examples)) * Double(parameters)
        case .seconds: return nil
        }
    }
}
