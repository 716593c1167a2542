import JSONCore
import Telemetry
import TerminalUI

/// What the dashboard knows about one run.
public struct RunState: Sendable, Equatable {
    public var id: String
    public var parent: String?
    public var task: String?
    public var model: String?
    public var config: JSONObject {
        didSet { (flatConfig, flatConfigValues) = Self.flatten(config) }
    }
    /// The config as dotted keys (nested objects flattened: `optimizer.lr`), in the config's order,
    /// kept with the config (the runs table and queries read it every frame).
    public private(set) var flatConfig: [ConfigEntry] = []
    private(set) var flatConfigValues: [String: JSONValue] = [:]
    public var knobs: [KnobSpec]
    /// Fields of the run event beyond the contract's (parameters, chance_accuracy, …).
    public var extra: JSONObject
    /// Metric name → its points.
    public var series: [String: MetricSeries]
    public var phases: [PhaseEvent]
    /// Finds phases in the run's values for sources that do not report them (marked `derived`).
    public var phaseDetector = PhaseDetector(marksDerived: true)
    public var knobChanges: [KnobEvent]
    /// λ₁, λ₂, … of the Hessian over steps, one store per rank, from `spectrum` events.
    public var eigenvalues: [SeriesStore]
    /// 2/η over steps: the stability threshold of gradient descent, from the learning rate.
    public var stabilityThreshold: SeriesStore
    /// The newest spectrum event (its density, estimator and cost), and the densities over time.
    public var latestSpectrum: SpectrumEvent?
    public var densities: DensityHistory
    /// Pareto rounds over time, newest last, with the reference point all their hypervolumes share.
    public var paretoRounds: [ParetoRound]
    public var paretoReference: [Double]?
    /// True when a producer gave the reference (the event's `reference`): it is then never moved.
    public var paretoReferenceIsGiven = false
    /// Histograms over steps per tag (`weights/fc1`), each bounded.
    public var histograms: [String: HistogramHistory]
    /// The key frequencies of the newest `fourier/embedding` spectrum, as its source chose them.
    public var fourierKeys: [Int] = []
    /// What the sources could not show for this run: kind (`image`, `graph`, `type:foo`) → count.
    public var skipped: [String: Int]
    /// Step → wall time, for an x axis in seconds.
    public var clock: StepClock
    public var latestStep: Int
    /// Unix time of the run's first and latest event, when they carried one.
    public var startTime: Double?
    public var latestTime: Double?
    /// Frame-clock time of the run's latest event (its live status).
    public var lastSeen: Double?
    /// Its colour and line style for its whole life (`RunLooks.slotLook`), given on arrival.
    public var slot = 0
    /// Counts the changes `update` made to the run, so a view can keep what it drew of a run
    /// until the run changes.
    public var revision = RunRevision()
    /// Scalar points received over all its metrics: how much data it holds (the main run of a log
    /// folder has the most).
    public var pointCount = 0

    public init(id: String) {
        self.id = id; config = JSONObject(); knobs = []; extra = JSONObject(); series = [:]; phases = []; knobChanges = []
        eigenvalues = []; stabilityThreshold = SeriesStore(); densities = DensityHistory(); paretoRounds = []
        histograms = [:]; skipped = [:]; clock = StepClock(); latestStep = 0
    }

    /// Steps the run is configured for, when its config says.
    public var plannedSteps: Int? { config["steps"]?.number.map { Int($0) } }

    /// Histogram tags in the order the distributions panel steps through them.
    public var histogramNames: [String] { histograms.keys.sorted() }
    /// The tags the distributions panel steps through: every histogram but the Fourier spectrum,
    /// which is a spectrum over frequencies (the Fourier panel draws it), not a distribution of values.
    public var distributionNames: [String] { histogramNames.filter { $0 != DashboardState.fourierSpectrumName } }

    /// Accuracy of guessing, for the reference line of accuracy charts.
    public var chanceAccuracy: Double? { extra["chance_accuracy"]?.number }

    /// The optimizer's name from the config or its knob.
    public var optimizer: String? {
        if case .choice(let name)? = knobs.first(where: { $0.name == "optimizer" })?.value { return name }
        return config["optimizer"]?.string
    }
}
