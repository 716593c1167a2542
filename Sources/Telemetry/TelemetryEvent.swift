import JSONCore

/// One line of the event contract (PROTOCOL.md): engine → UI data, or UI → engine control.
///
/// Every kind keeps the fields it does not know in `extra`, and a kind this version does not know
/// becomes `.unknown` with all its fields, so a newer producer never breaks an older reader.
public enum TelemetryEvent: Sendable, Equatable {
    case run(RunEvent)
    case scalars(ScalarsEvent)
    case spectrum(SpectrumEvent)
    case pareto(ParetoEvent)
    case histogram(HistogramEvent)
    case knob(KnobEvent)
    case phase(PhaseEvent)
    case control(ControlMessage)
    case unknown(UnknownEvent)

    /// The schema version this build writes and the newest it reads.
    public static let schemaVersion = 1

    /// The `type` field of this event's line.
    public var typeName: String {
        switch self {
        case .run: "run"
        case .scalars: "scalars"
        case .spectrum: "spectrum"
        case .pareto: "pareto"
        case .histogram: "histogram"
        case .knob: "knob"
        case .phase: "phase"
        case .control(let c): c.command.typeName
        case .unknown(let u): u.type
        }
    }

    /// Unix time in seconds carried by the event, when it has one.
    public var time: Double? {
        switch self {
        case .run(let e): e.time
        case .scalars(let e): e.time
        case .spectrum(let e): e.time
        case .pareto(let e): e.time
        case .histogram(let e): e.time
        case .knob(let e): e.time
        case .phase(let e): e.time
        case .control: nil
        case .unknown(let e): e.fields["time"]?.number
        }
    }

    /// The training step the event belongs to (nil for `run`, control and unknown lines).
    public var step: Int? {
        switch self {
        case .scalars(let e): e.step
        case .spectrum(let e): e.step
        case .pareto(let e): e.step
        case .histogram(let e): e.step
        case .knob(let e): e.step
        case .phase(let e): e.step
        case .run, .control, .unknown: nil
        }
    }
}

// MARK: - Data events (engine → UI)

/// A run starts (or a fork branches off `parent`).
public struct RunEvent: Sendable, Equatable {
    public var run: String
    public var parent: String?
    public var task: String?
    public var model: String?
    /// The full configuration, as the engine resolved it.
    public var config: JSONObject
    /// The knobs the engine accepts for this run.
    public var knobs: [KnobSpec]
    public var time: Double?
    /// A fork preview branch of `parent`, its knob scaled by `factor`.
    public var preview: Bool
    public var factor: Double?
    /// A fork branch adopted as the main run (its `run` event sent again).
    public var adopted: Bool
    /// An undo: this run is `parent` rolled back to step `rolledBackTo`, abandoned at `abandonedAt`.
    public var rolledBackTo: Int?
    public var abandonedAt: Int?
    /// The control messages an external producer accepts (nil: the default set, PROTOCOL.md).
    public var controls: [String]?
    public var extra: JSONObject

    public init(run: String, parent: String? = nil, task: String? = nil, model: String? = nil,
                config: JSONObject = JSONObject(), knobs: [KnobSpec] = [], time: Double? = nil,
                preview: Bool = false, factor: Double? = nil, adopted: Bool = false,
                rolledBackTo: Int? = nil, abandonedAt: Int? = nil, controls: [String]? = nil,
                extra: JSONObject = JSONObject()) {
        self.run = run; self.parent = parent; self.task = task; self.model = model; self.config = config
        self.knobs = knobs; self.time = time; self.preview = preview; self.factor = factor; self.adopted = adopted
        self.rolledBackTo = rolledBackTo; self.abandonedAt = abandonedAt; self.controls = controls; self.extra = extra
    }
}

/// Metric values at one step.
public struct ScalarsEvent: Sendable, Equatable {
    /// Run id; nil means the run of the stream's latest `run` event.
    public var run: String?
    public var step: Int
    public var time: Double?
    /// Metric name → value (`train/loss`, `test/acc`, …). NaN and ±Infinity are legal values.
    public var values: [String: Double]
    public var extra: JSONObject

    public init(run: String? = nil, step: Int, time: Double? = nil, values: [String: Double],
                extra: JSONObject = JSONObject()) {
        self.run = run; self.step = step; self.time = time; self.values = values; self.extra = extra
    }

    public static func == (lhs: ScalarsEvent, rhs: ScalarsEvent) -> Bool {
        lhs.run == rhs.run && lhs.step == rhs.step && sameNumber(lhs.time, rhs.time) && lhs.extra == rhs.extra
            && lhs.values.count == rhs.values.count
            && lhs.values.allSatisfy { key, value in rhs.values[key].map { sameNumber($0, value) } ?? false }
    }
}

/// A smoothed spectral density on a grid: `values[i]` is the density at `grid[i]`.
public struct SpectralDensity: Sendable, Equatable {
    public var grid: [Double]
    public var values: [Double]
    /// Gaussian broadening width (σ) used to smooth the Ritz nodes.
    public var width: Double?
    /// Spectral moments the estimate implies, `[tr(H)/n, tr(H²)/n]`, and their standard errors over the probes.
    public var moments: [Double]?
    public var momentStderr: [Double]?

    public init(grid: [Double], values: [Double], width: Double? = nil, moments: [Double]? = nil, momentStderr: [Double]? = nil) {
        self.grid = grid; self.values = values; self.width = width; self.moments = moments; self.momentStderr = momentStderr
    }
}

/// Raw stochastic-Lanczos-quadrature output: Ritz values and their weights over all probes.
public struct RitzNodes: Sendable, Equatable {
    public var nodes: [Double]
    public var weights: [Double]

    public init(nodes: [Double], weights: [Double]) { self.nodes = nodes; self.weights = weights }
}

/// What a spectrum estimate cost.
public struct SpectrumCost: Sendable, Equatable {
    /// Hessian-vector products used.
    public var hvps: Int
    /// Wall-clock seconds spent.
    public var seconds: Double

    public init(hvps: Int, seconds: Double) { self.hvps = hvps; self.seconds = seconds }
}

/// A Hessian spectrum estimate at one step.
public struct SpectrumEvent: Sendable, Equatable {
    public var run: String?
    public var step: Int
    public var time: Double?
    /// Top eigenvalues, descending.
    public var top: [Double]
    public var trace: Double?
    /// Standard error of `trace` (stochastic estimators).
    public var traceStderr: Double?
    public var density: SpectralDensity?
    public var ritz: RitzNodes?
    /// Estimator settings: `method`, `iterations`, `probes`, `batch`, `warm_start`, … (free-form).
    public var estimator: JSONObject
    public var cost: SpectrumCost?
    /// Parameter block the Hessian is taken over; nil means all parameters.
    public var block: String?
    public var extra: JSONObject

    public init(run: String? = nil, step: Int, time: Double? = nil, top: [Double], trace: Double? = nil,
                traceStderr: Double? = nil, density: SpectralDensity? = nil, ritz: RitzNodes? = nil,
                estimator: JSONObject = JSONObject(), cost: SpectrumCost? = nil, block: String? = nil,
                extra: JSONObject = JSONObject()) {
        self.run = run; self.step = step; self.time = time; self.top = top; self.trace = trace
        self.traceStderr = traceStderr; self.density = density; self.ritz = ritz; self.estimator = estimator
        self.cost = cost; self.block = block; self.extra = extra
    }
}

/// Whether an objective is better small or large.
public enum ObjectiveDirection: String, Sendable, Equatable {
    case minimize = "min"
    case maximize = "max"
}

/// One objective of a Pareto front.
public struct ParetoObjective: Sendable, Equatable {
    public var name: String
    public var direction: ObjectiveDirection

    public init(name: String, direction: ObjectiveDirection) { self.name = name; self.direction = direction }
}

/// One candidate: its objective values, in the order of the event's objectives.
public struct ParetoPoint: Sendable, Equatable {
    public var values: [Double]
    public var label: String?

    public init(values: [Double], label: String? = nil) { self.values = values; self.label = label }
}

/// A set of candidates over two or three objectives at one step.
public struct ParetoEvent: Sendable, Equatable {
    public var run: String?
    public var step: Int
    public var time: Double?
    public var objectives: [ParetoObjective]
    public var points: [ParetoPoint]
    public var extra: JSONObject

    public init(run: String? = nil, step: Int, time: Double? = nil, objectives: [ParetoObjective],
                points: [ParetoPoint], extra: JSONObject = JSONObject()) {
        self.run = run; self.step = step; self.time = time; self.objectives = objectives; self.points = points
        self.extra = extra
    }
}

/// A histogram (of weights, gradients, …) at one step: `counts[i]` falls in `[edges[i], edges[i+1])`.
public struct HistogramEvent: Sendable, Equatable {
    public var run: String?
    public var step: Int
    public var time: Double?
    public var name: String
    /// Bin edges, non-decreasing, `counts.count + 1` of them.
    public var edges: [Double]
    public var counts: [Double]
    public var extra: JSONObject

    public init(run: String? = nil, step: Int, time: Double? = nil, name: String, edges: [Double], counts: [Double],
                extra: JSONObject = JSONObject()) {
        self.run = run; self.step = step; self.time = time; self.name = name; self.edges = edges
        self.counts = counts; self.extra = extra
    }
}

/// A knob changed at `step` (drawn as a marker on time-based panels).
public struct KnobEvent: Sendable, Equatable {
    public var run: String?
    public var step: Int
    public var time: Double?
    public var name: String
    public var old: KnobValue?
    public var new: KnobValue
    /// Who changed it: `user`, `schedule`, or `rule:NAME`.
    public var by: String
    public var note: String?
    public var extra: JSONObject

    public init(run: String? = nil, step: Int, time: Double? = nil, name: String, old: KnobValue? = nil,
                new: KnobValue, by: String = "user", note: String? = nil, extra: JSONObject = JSONObject()) {
        self.run = run; self.step = step; self.time = time; self.name = name; self.old = old; self.new = new
        self.by = by; self.note = note; self.extra = extra
    }
}

/// A detected phase of training (memorization, generalization, diverged, eos_entered, …).
public struct PhaseEvent: Sendable, Equatable {
    public var run: String?
    public var step: Int
    public var time: Double?
    public var name: String
    /// The values that decided the detection (`train/acc`, `delay_steps`, …).
    public var evidence: JSONObject
    public var message: String?
    public var extra: JSONObject

    public init(run: String? = nil, step: Int, time: Double? = nil, name: String, evidence: JSONObject = JSONObject(),
                message: String? = nil, extra: JSONObject = JSONObject()) {
        self.run = run; self.step = step; self.time = time; self.name = name; self.evidence = evidence
        self.message = message; self.extra = extra
    }
}

// MARK: - Control (UI or script → engine)

/// What a control line asks the engine to do.
public enum ControlCommand: Sendable, Equatable {
    /// Set a knob; takes effect at the next step.
    case set(knob: String, value: KnobValue)
    case pause
    case resume
    /// Advance `count` steps while paused.
    case step(count: Int)
    /// Fork branches varying `knob` by `factors`, each running `steps` steps (nil = engine defaults).
    case fork(knob: String?, factors: [Double]?, steps: Int?)
    /// Roll back to the checkpoint before the last change, or to step `to`.
    case rollback(to: Int?)
    /// Save a checkpoint, to `path` or the engine's checkpoint directory.
    case checkpoint(path: String?)
    /// Make fork branch `run` the main run (the other branches end).
    case adopt(run: String)
    /// End every fork branch; the main run goes on.
    case discard
    case stop

    /// The `type` field for this command.
    public var typeName: String {
        switch self {
        case .set: "set"
        case .pause: "pause"
        case .resume: "resume"
        case .step: "step"
        case .fork: "fork"
        case .rollback: "rollback"
        case .checkpoint: "checkpoint"
        case .adopt: "adopt"
        case .discard: "discard"
        case .stop: "stop"
        }
    }

    /// Every control `type`.
    public static let typeNames: Set<String> = ["set", "pause", "resume", "step", "fork", "rollback", "checkpoint", "adopt", "discard", "stop"]
}

/// A control line: a command, optionally addressed to one run and carrying the session token.
public struct ControlMessage: Sendable, Equatable {
    public var command: ControlCommand
    public var run: String?
    public var token: String?
    public var extra: JSONObject

    public init(_ command: ControlCommand, run: String? = nil, token: String? = nil, extra: JSONObject = JSONObject()) {
        self.command = command; self.run = run; self.token = token; self.extra = extra
    }
}

/// A line of a kind this version does not know, kept whole (except `v` and `type`).
public struct UnknownEvent: Sendable, Equatable {
    public var type: String
    public var fields: JSONObject

    public init(type: String, fields: JSONObject) { self.type = type; self.fields = fields }
}

/// Equality for optional numbers in which NaN equals NaN.
@inlinable func sameNumber(_ a: Double?, _ b: Double?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case (let x?, let y?): x == y || (x.isNaN && y.isNaN)
    default: false
    }
}
