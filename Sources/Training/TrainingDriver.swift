import JSONCore
import Telemetry

/// What the runtime drives on its training thread: one trainer, or a study of several (`Study`).
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
    /// The run trained, when the driver trains a single run (forks and checkpoints need one); nil for a study.
    var singleRun: Trainer? { get }
    /// How many runs it trains one after another (for progress): 1 for a trainer.
    var memberCount: Int { get }
}

extension Trainer: TrainingDriver {
    public func openingEvents() -> [TelemetryEvent] { [runEvent()] }
    public var id: String { runID }
    public var singleRun: Trainer? { self }
    public var memberCount: Int { 1 }
}
