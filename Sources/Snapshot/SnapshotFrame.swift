import Dashboard
import Telemetry
import TerminalUI

/// What a headless snapshot shows: the terminal size, layout, focused panel, a cut-off step and
/// the smoothing of the curves.
public struct SnapshotOptions: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var layout: LayoutPreset
    /// The focused panel (alone on screen with the `single` layout).
    public var panel: PanelKind?
    /// Only events up to this step (`run` events always).
    public var atStep: Int?
    public var smoothing: Smoothing
    /// Named in the status bar.
    public var sourceName: String
    /// Only the runs this query selects (`--runs`).
    public var runQuery: RunQuery?

    public init(width: Int = 120, height: Int = 40, layout: LayoutPreset = .grid, panel: PanelKind? = nil, atStep: Int? = nil,
                smoothing: Smoothing = .none, sourceName: String = "") {
        self.width = width; self.height = height; self.layout = layout; self.panel = panel; self.atStep = atStep
        self.smoothing = smoothing; self.sourceName = sourceName
    }
}

/// Builds the dashboard state of a snapshot by folding events through the same `update` as the
/// live view, so a snapshot shows exactly what the dashboard would.
public enum SnapshotFrame {
    /// The state after `events` (those after `options.atStep` left out).
    public static func state(_ events: [TelemetryEvent], _ options: SnapshotOptions) -> DashboardState {
        var state = start(options)
        for event in events { fold(event, into: &state, options) }
        finish(&state, options)
        return state
    }

    /// An empty state for `options`, to `fold` events into as they arrive (a reader still running).
    public static func start(_ options: SnapshotOptions) -> DashboardState {
        var state = DashboardState(width: options.width, height: options.height, sourceName: options.sourceName)
        state.isLive = false
        state.curves.smoothing = options.smoothing
        return state
    }

    /// Adds one event (left out when it comes after `options.atStep`).
    public static func fold(_ event: TelemetryEvent, into state: inout DashboardState, _ options: SnapshotOptions) {
        if let last = options.atStep, let step = event.step, step > last { return }
        _ = update(&state, .telemetry(event))
    }

    /// Adds a block of scalars rows by column (the rows after `options.atStep` left out).
    public static func fold(_ block: ScalarsBlock, into state: inout DashboardState, _ options: SnapshotOptions) {
        if let last = options.atStep, block.steps.contains(where: { $0 > last }) {
            block.forEachEvent { fold(.scalars($0), into: &state, options) }
            return
        }
        _ = update(&state, .scalars(block))
    }

    /// Applies the layout and panel of `options` once every event is in.
    public static func finish(_ state: inout DashboardState, _ options: SnapshotOptions) {
        state.setRunQuery(options.runQuery)
        state.layout = options.layout
        if let panel = options.panel {
            state.focus = panel
            if panel != .curves { state.companion = panel }
        }
        if !state.focusablePanels.contains(state.focus) && options.panel == nil { state.focus = .curves }
    }
}
