import Telemetry

/// What the dashboard knows about one run.
public struct RunState: Sendable, Equatable {
    public var id: String
    public var parent: String?
    public var task: String?
    public var model: String?
    public var config: JSONObject
    public var knobs: [KnobSpec]
    /// Metric name → its points at every resolution.
    public var series: [String: SeriesStore]
    public var phases: [PhaseEvent]
    public var knobChanges: [KnobEvent]
    public var spectra: [SpectrumEvent]
    /// Latest histogram per name.
    public var histograms: [String: HistogramEvent]
    public var latestStep: Int
    /// Unix time of the run's first and latest event, when they carried one.
    public var startTime: Double?
    public var latestTime: Double?

    public init(id: String) {
        self.id = id; config = JSONObject(); knobs = []; series = [:]; phases = []; knobChanges = []; spectra = []
        histograms = [:]; latestStep = 0
    }
}

/// A line of the events panel.
public struct LogEntry: Sendable, Equatable {
    public enum Level: Sendable, Equatable { case info, warning, error }
    public var level: Level
    public var text: String
}

/// The whole dashboard state: a pure value that `update` transforms and the view draws.
public struct DashboardState: Sendable, Equatable {
    /// Runs by id, and their order of appearance.
    public var runs: [String: RunState] = [:]
    public var runOrder: [String] = []
    /// The events panel, newest last, bounded to `logCapacity`.
    public var log: [LogEntry] = []
    public var logCapacity = 500
    /// Terminal size.
    public var width: Int
    public var height: Int
    /// Latest frame-clock time (Unix seconds) seen.
    public var now: Double = 0
    public var isPaused = false
    public var isQuitting = false
    /// The help overlay (`?`) is open.
    public var isShowingHelp = false

    public init(width: Int, height: Int) { self.width = width; self.height = height }

    /// The run that data lines without a `run` id belong to: the latest announced run.
    public var currentRunID: String { runOrder.last ?? "default" }
}
