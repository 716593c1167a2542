import JSONCore
import Telemetry
import TerminalUI

/// One Pareto event with what the panel draws: which points are on the front, and the hypervolume.
public struct ParetoRound: Sendable, Equatable {
    public var step: Int
    public var objectives: [ParetoObjective]
    public var points: [ParetoPoint]
    /// Parallel to `points`.
    public var onFront: [Bool]
    public var hypervolume: Double?
    /// A scaling law fitted through the points, when the producer sent one (the event's `fit`).
    public var fit: ScalingFit? = nil
}

/// Spectral densities over steps for the spectrogram, bounded: when full, every other one is dropped.
public struct DensityHistory: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var step: Int
        public var grid: [Double]
        public var values: [Double]
        /// `[tr(H)/n, tr(H²)/n]` and their standard errors over the probes, when the producer sent them.
        public var moments: [Double]?
        public var momentStderr: [Double]?
    }

    public private(set) var entries: [Entry] = []
    public let capacity: Int

    public init(capacity: Int = 512) { self.capacity = capacity }

    public mutating func append(_ entry: Entry) {
        if entries.count >= capacity { entries = entries.enumerated().filter { $0.offset % 2 == 1 }.map(\.element) }
        entries.append(entry)
    }
}

/// Samples of (step, wall time), bounded by thinning, to turn a time axis into step ranges.
public struct StepClock: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var step: Double
        public var time: Double
    }

    public private(set) var samples: [Sample] = []
    public let capacity: Int

    public init(capacity: Int = 4096) { self.capacity = capacity }

    public mutating func note(step: Double, time: Double) {
        if let last = samples.last, step <= last.step { return }
        if samples.count >= capacity { samples = samples.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) }
        samples.append(Sample(step: step, time: time))
    }

    /// The step at `t` seconds after the first sample (linear between samples). Outside the samples
    /// it continues past the first or last step, so increasing times stay increasing steps and times
    /// beyond the data fall beyond it.
    public func step(atSeconds t: Double) -> Double? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let time = first.time + t
        if time <= first.time { return first.step - 1 - (first.time - time) }
        if time >= last.time { return last.step + (time > last.time ? 1 + (time - last.time) : 0) }
        var lo = 0, hi = samples.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if samples[mid].time <= time { lo = mid } else { hi = mid }
        }
        let a = samples[lo], b = samples[hi]
        return b.time > a.time ? a.step + (b.step - a.step) * (time - a.time) / (b.time - a.time) : a.step
    }

    /// The wall time at step `s`, seconds since the first sample.
    public func secondsSinceStart(atStep s: Double) -> Double? {
        guard let first = samples.first else { return nil }
        var lo = 0, hi = samples.count - 1
        guard s > first.step else { return 0 }
        guard s < samples[hi].step else { return samples[hi].time - first.time }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if samples[mid].step <= s { lo = mid } else { hi = mid }
        }
        let a = samples[lo], b = samples[hi]
        return a.time - first.time + (b.time - a.time) * (s - a.step) / (b.step - a.step)
    }
}

/// A line of the events panel.
public struct LogEntry: Sendable, Equatable {
    public enum Level: Sendable, Equatable { case info, warning, error }
    public var level: Level
    public var text: String
    /// Entries with a key are updated in place (a running count) instead of appended again.
    public var key: String?

    public init(level: Level, text: String, key: String? = nil) { self.level = level; self.text = text; self.key = key }
}

/// The panels of the dashboard.
public enum PanelKind: String, Sendable, Equatable, CaseIterable {
    case curves, runs, sweep, grokking, hessian, distributions, pareto, knobs, fourier, events

    public var title: String {
        switch self {
        case .curves: "Curves"
        case .runs: "Runs"
        case .sweep: "Sweep"
        case .grokking: "Grokking"
        case .hessian: "Hessian"
        case .distributions: "Distributions"
        case .pareto: "Pareto"
        case .knobs: "Knobs"
        case .fourier: "Fourier"
        case .events: "Events"
        }
    }
}

/// How panels share the screen (`v` steps through them; Enter zooms the focused panel).
public enum LayoutPreset: String, Sendable, Equatable, CaseIterable {
    /// Every panel with something to show, in a grid.
    case grid
    /// The curves beside the focused (or last focused) other panel.
    case pair
    /// The focused panel alone, full screen.
    case single

    public var next: LayoutPreset { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}

/// What the curves' x axis measures.
public enum XAxis: Sendable, Equatable {
    case step
    /// Seconds since the run's first event.
    case wallTime
    /// Another metric at the same step (a parametric plot, e.g. test accuracy against weight norm).
    case metric(String)

    public var label: String {
        switch self {
        case .step: "step"
        case .wallTime: "seconds"
        case .metric(let name): name
        }
    }
}

/// How the curves panel puts metrics on charts. Metrics whose magnitudes differ by more than 100×
/// never share one.
public enum ChartSplit: String, Sendable, Equatable, CaseIterable {
    /// One chart per metric while several runs are drawn, one per group for a single run.
    case auto
    /// Every metric its own chart.
    case perMetric = "per metric"
    /// Metrics of a group (all losses, all accuracies, a section) together.
    case perGroup = "per group"

    public var next: ChartSplit { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}

/// The curves panel's view settings.
public struct CurveSettings: Sendable, Equatable {
    public var smoothing = Smoothing.none
    public var xAxis = XAxis.step
    public var xScale = AxisScale.linear
    /// Per chart group: a y scale chosen with `l` (otherwise log for losses, linear for the rest).
    public var yScales: [String: AxisScale] = [:]
    /// Percentile-clipped y ranges (`o`), so one spike does not flatten the rest.
    public var clipOutliers = false
    /// The x range shown (zoom and pan); nil follows the whole run.
    public var xWindow: ClosedRange<Double>?
    /// The value cursor's cell column in the plot; nil when off.
    public var cursor: Int?
    /// The highlighted chart group (its y scale is what `l` changes).
    public var selectedGroup = 0
    /// A regular expression over series names; only matching series are drawn.
    public var filter: String?
    /// How metrics share charts (`M`).
    public var split = ChartSplit.auto

    public init() {}
}

/// A line of text being typed: a series filter or an exact knob value.
public struct TextInput: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        case filter
        /// A run query (`RunQuery`) typed in the runs panel.
        case runQuery
        case knobValue(String)
    }

    public var purpose: Purpose
    public var text: String
    /// Why the text was refused on Enter, shown until the next key.
    public var error: String?

    public init(purpose: Purpose, text: String = "") { self.purpose = purpose; self.text = text }
}

/// A knob value chosen but not applied yet.
public struct PendingKnob: Sendable, Equatable {
    public var name: String
    public var value: KnobValue

    public init(name: String, value: KnobValue) { self.name = name; self.value = value }
}

/// The whole dashboard state: a pure value that `update` transforms and the view draws.
public struct DashboardState: Sendable, Equatable {
    /// Runs by id, and their order of appearance.
    public var runs: [String: RunState] = [:]
    public var runOrder: [String] = []
    /// Every metric name any run has logged (kept as series appear, read every frame).
    public internal(set) var metricNames: Set<String> = []
    /// The events panel, newest last, bounded to `logCapacity`.
    public var log: [LogEntry] = []
    public var logCapacity = 500
    /// Terminal size.
    public var width: Int
    public var height: Int
    /// Latest frame-clock time (Unix seconds) seen, and the frame time of the latest event.
    public var now: Double = 0
    public var lastEventAt: Double?
    /// Where events come from, for the status bar (`preset grokking`, a file name, `stdin`).
    public var sourceName: String
    public var isPaused = false
    /// False for a headless snapshot: the status bar then shows no liveness.
    public var isLive = true
    public var isQuitting = false
    /// The help overlay (`?`) is open.
    public var isShowingHelp = false
    /// Lines the help overlay is scrolled down.
    public var helpScroll = 0
    public var layout = LayoutPreset.grid
    /// Enter's full-screen zoom of the focused panel, over any layout.
    public var isZoomed = false
    public var focus = PanelKind.curves
    /// The panel shown beside the curves in the pair layout.
    public var companion = PanelKind.events
    public var curves = CurveSettings()
    /// Text being typed (`/` filter, knob value); while set, keys edit it.
    public var input: TextInput?
    public var selectedKnob = 0
    /// A knob value chosen with ←/→ or typed, not applied yet (Enter applies, Esc drops it).
    public var pendingKnob: PendingKnob?
    /// Lines the events panel is scrolled back.
    public var eventsScroll = 0
    /// Runs left by an undo (a later run names them as `parent` with `rolled_back_to`) or by adopting
    /// a fork branch: drawn faintly.
    public var abandonedRuns: Set<String> = []
    /// Fork preview branches in progress (`preview: true` runs), in the order they were announced;
    /// keys 1–9 adopt them.
    public var previewRuns: [String] = []
    /// Branches that were discarded or not adopted: no longer drawn.
    public var endedRuns: Set<String> = []
    /// The run whose fronts the Pareto panel shows: the one that sent the latest `pareto` event (a
    /// sweep's front, or the compression probes of the run in training).
    public var paretoRun: String?
    /// The Pareto round shown (index into that run's rounds); nil follows the newest.
    public var paretoRound: Int?
    /// The selected point of the shown Pareto round, whose label is displayed.
    public var paretoPoint: Int?
    /// The histogram tag the distributions panel shows (index into the current run's `distributionNames`).
    public var selectedHistogram = 0
    /// A run the stop key asked about: the next key confirms (`y`) or cancels.
    public var confirmingStop: String?
    /// Runs asked to stop (the job ends; the dashboard keeps their data).
    public var stoppedRuns: Set<String> = []
    /// Colour slots given so far: the next run gets this one.
    public var nextRunSlot = 0
    /// The selected run: highlighted on every chart (drawn on top, the others faint) and the runs
    /// panel's cursor.
    public var selectedRun: String?
    /// Runs the user hid (space in the runs panel).
    public var hiddenRuns: Set<String> = []
    /// The one run shown while isolated (`i`; again to undo).
    public var isolatedRun: String?
    /// The run query in force (`/` in the runs panel, `--runs`), and the runs it selected when last
    /// evaluated (on each frame tick and when runs or the query change).
    public var runQuery: RunQuery?
    public var queryMatches: Set<String> = []
    /// The frame-clock time the matches were last evaluated at.
    public var queryCheckedAt: Double?
    /// The runs panel's columns, order and metric.
    public var runTable = RunTableSettings()
    /// The config key on the sweep panel's x axis, chosen with `x` in the runs panel.
    public var sweepX: String?
    /// Runs drawn as groups with bands (`g`); nil draws every run.
    public var grouping: RunGrouping?
    /// The run whose details are open over the screen (Enter in the runs panel), and their scroll.
    public var detailsRun: String?
    public var detailsScroll = 0

    public init(width: Int, height: Int, sourceName: String = "") {
        self.width = width; self.height = height; self.sourceName = sourceName
    }

    /// The main run (lines without a `run` id belong to it): the latest announced run with knobs
    /// that is not a fork preview branch or left by an undo (the one the keys steer); among runs
    /// without knobs (logs), the one with the most points, never an empty one while another has data.
    public var currentRunID: String {
        // One pass from the newest: the first steerable run wins; else the most points (the newest of equals).
        var most: (id: String, points: Int)?
        for id in runOrder.reversed() where !previewRuns.contains(id) && !endedRuns.contains(id) && !abandonedRuns.contains(id) {
            guard let run = runs[id] else { continue }
            if !run.knobs.isEmpty { return id }
            if most == nil || run.pointCount > most!.points { most = (id, run.pointCount) }
        }
        return most?.id ?? runOrder.last ?? "default"
    }

    /// The run the panels describe: the main run.
    public var currentRun: RunState? { runOrder.isEmpty ? nil : runs[currentRunID] }

    /// The histogram tag the distributions panel shows, and its index (the selection kept in range).
    public var shownHistogram: (name: String, index: Int)? {
        guard let names = currentRun?.distributionNames, !names.isEmpty else { return nil }
        let index = Swift.min(Swift.max(0, selectedHistogram), names.count - 1)
        return (names[index], index)
    }
}
