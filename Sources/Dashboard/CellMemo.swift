import Synchronization
import TerminalUI

/// The cells of panels and charts from the last frames, so one whose inputs are all as they were
/// is copied, not drawn: with many finished runs on screen, a frame then costs what changed. An
/// entry is found by its place and kept only while its inputs compare equal; what two frames in a
/// row did not ask for is dropped.
final class CellMemo<Inputs: Equatable & Sendable>: Sendable {
    private struct Entry {
        var inputs: Inputs
        var cells: [Cell]
    }

    private let entries = Mutex(FrameRetained<Rect, Entry>())

    /// Starts a frame: what the frame before last used and the last did not is let go.
    func startFrame() { entries.withLock { $0.startFrame() } }

    /// Copies what was drawn in `area` from the same inputs into `buffer`, else draws it with
    /// `draw` and keeps the result.
    func draw(_ area: Rect, _ inputs: Inputs, into buffer: inout Buffer, _ draw: (inout Buffer) -> Void) {
        let kept = entries.withLock { e -> [Cell]? in
            guard let entry = e.value(area), entry.inputs == inputs else { return nil }
            return entry.cells
        }
        if let kept {
            for row in 0..<area.height {
                for column in 0..<area.width { buffer[area.x + column, area.y + row] = kept[row * area.width + column] }
            }
            return
        }
        draw(&buffer)
        var cells: [Cell] = []
        cells.reserveCapacity(area.width * area.height)
        for row in 0..<area.height {
            for column in 0..<area.width { cells.append(buffer[area.x + column, area.y + row]) }
        }
        entries.withLock { $0.keep(Entry(inputs: inputs, cells: cells), area) }
    }
}

/// Everything a time chart of the curves panel is drawn from.
struct TimeChartInputs: Equatable, Sendable {
    var group: CurveGroup
    var selected: Bool
    var curves: CurveSettings
    var xRange: ClosedRange<Double>?
    /// The drawn runs, bottom to top, and their revisions.
    var drawn: [String]
    var revisions: [Int]
    /// The shown runs (their short names and the count of those not drawn).
    var shown: [String]
    var selectedRun: String?
    var current: String
    /// The main run's revision (its markers and chance level).
    var currentRevision: Int
    var abandoned: Set<String>
}

/// Everything a panel over all runs (runs table, sweep) is drawn from: the state but its runs and
/// clock, each run's revision and whether it is live, in run order, and the panel's focus.
struct RunsPanelInputs: Equatable, Sendable {
    var settings: DashboardState
    var runs: [Int]
    var focused: Bool

    init(_ state: DashboardState, focused: Bool) {
        var settings = state
        settings.runs = [:]
        settings.log = []
        settings.now = 0
        settings.lastEventAt = nil
        settings.queryCheckedAt = nil
        self.settings = settings
        runs = state.runOrder.map { id in
            let run = state.runs[id]!
            let live = run.lastSeen.map { state.now - $0 <= 2 } ?? false
            return 2 * run.revision.count + (live ? 1 : 0)
        }
        self.focused = focused
    }
}
