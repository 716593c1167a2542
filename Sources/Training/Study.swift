import JSONCore
import Telemetry

/// What a study trains and what its front holds: the one part that differs between a width sweep,
/// a quantization study and lottery-ticket rounds.
public protocol StudyPlan: AnyObject {
    /// The study's `run` event's task line and extra fields.
    var summary: String { get }
    var extra: JSONObject { get }
    /// How many members it trains (for progress).
    var memberCount: Int { get }
    /// The next member to train under `id`, with its parent run; nil when the study is done.
    func nextMember(studyID: String, clock: @escaping @Sendable () -> Double) -> (trainer: Trainer, parent: String)?
    /// Called after each step of `member` with that step's events; returns events to add (a
    /// scalars event of the plan's own measurements, for instance).
    func observe(_ member: Trainer, events: [TelemetryEvent]) -> [TelemetryEvent]
    /// The points `member` adds to the front once it finished, with `seconds` its wall time.
    func finished(_ member: Trainer, seconds: Double) -> [ParetoPoint]
    /// The front's objectives (cost first, minimized; none: the study has no front) and
    /// hypervolume reference (nil: left to consumers).
    var objectives: [ParetoObjective] { get }
    var reference: [Double]? { get }
    /// More fields of the front's `pareto` event (a fitted curve, a prediction).
    var frontExtra: JSONObject { get }
}

extension StudyPlan {
    public func observe(_ member: Trainer, events: [TelemetryEvent]) -> [TelemetryEvent] { [] }
    public var frontExtra: JSONObject { JSONObject() }
}

/// Trains a plan's members one after another, each an ordinary run announced with its `parent`,
/// and after each member emits a `pareto` event of every point so far under the study's own run
/// id: the front fills in as the study goes (its step is the number of finished members). A plan
/// without objectives (seeds of one config) has no front.
public final class Study: TrainingDriver {
    public let id: String
    public let plan: any StudyPlan
    private let base: TrainingConfig
    private let clock: @Sendable () -> Double
    private var current: Trainer?
    private var exhausted = false
    private var finishedMembers = 0
    private var points: [ParetoPoint] = []
    private var memberStarted = 0.0

    public init(id: String, base: TrainingConfig, plan: any StudyPlan, clock: @escaping @Sendable () -> Double) {
        self.id = id; self.base = base; self.plan = plan; self.clock = clock
    }

    public var isFinished: Bool { exhausted && current == nil }

    public var singleRun: Trainer? { nil }
    public var memberCount: Int { plan.memberCount }

    public func openingEvents() -> [TelemetryEvent] {
        [.run(RunEvent(run: id, task: plan.summary, config: base.jsonObject, time: clock(), extra: plan.extra))]
    }

    public func step() -> [TelemetryEvent] {
        var events: [TelemetryEvent] = []
        if current == nil {
            guard !exhausted, let (trainer, parent) = plan.nextMember(studyID: id, clock: clock) else {
                exhausted = true
                return []
            }
            current = trainer
            memberStarted = clock()
            guard case .run(var run) = trainer.runEvent() else { preconditionFailure("runEvent is a run event") }
            run.parent = parent
            events.append(.run(run))
        }
        let trainer = current!
        let stepEvents = trainer.step()
        events += stepEvents
        events += plan.observe(trainer, events: stepEvents)
        if trainer.isFinished {
            points += plan.finished(trainer, seconds: clock() - memberStarted)
            finishedMembers += 1
            var extra = plan.frontExtra
            if let reference = plan.reference { extra["reference"] = .array(reference.map { .number($0) }) }
            if !plan.objectives.isEmpty {
                events.append(.pareto(ParetoEvent(run: id, step: finishedMembers, time: clock(), objectives: plan.objectives,
                                                  points: points.filter { $0.values.allSatisfy(\.isFinite) }, extra: extra)))
            }
            current = nil
        }
        return events
    }

    public func setKnob(_ name: String, to value: KnobValue, by: String) throws(ConfigError) -> TelemetryEvent {
        guard let current else { throw ConfigError("no member of the study is training") }
        return try current.setKnob(name, to: value, by: by)
    }

    public func rollback() -> TelemetryEvent? { current?.rollback() }
}

extension ParetoObjective {
    /// The quality axis of the engine's fronts: test accuracy for a classifier, test loss for regression.
    static func testQuality(classification: Bool) -> ParetoObjective {
        classification ? ParetoObjective(name: "test/acc", direction: .maximize) : ParetoObjective(name: "test/loss", direction: .minimize)
    }
}
