import Telemetry
import TerminalUI

/// Everything that can happen to the dashboard: the only input of `update`.
public enum Message: Sendable, Equatable {
    /// An event from the engine or an external source.
    case telemetry(TelemetryEvent)
    /// Consecutive `scalars` rows of one run, by column (the ingest path's blocks).
    case scalars(ScalarsBlock)
    /// A source reported a problem (a bad line, a lost connection), with where it happened.
    case sourceError(source: String, description: String)
    /// Something the runtime did, for the events panel (where a snapshot was written).
    case notice(String)
    /// A source read `count` more records of `kind` for `run` that it cannot show (see `SkippedKind`).
    case skipped(run: String, kind: String, count: Int)
    /// A text summary of a run (TensorBoard `add_text`), for the events panel.
    case text(run: String, step: Int, tag: String, text: String)
    /// The source would not perform a control message the dashboard sent (no producer to steer,
    /// read-only): the dashboard takes back what it assumed, e.g. the paused state.
    case controlRefused(ControlMessage, reason: String)
    /// A key press.
    case key(Key)
    /// The terminal changed size.
    case resize(width: Int, height: Int)
    /// The frame clock ticked; time enters the dashboard only here.
    case frameTick(time: Double)
}

/// What `update` asks the runtime to do; the runtime performs it and may answer with messages.
public enum Effect: Sendable, Equatable {
    case quit
    /// Write a snapshot of the current screen (SVG) and its data (JSON) to files.
    case snapshot
    /// Send a control message to the engine or source.
    case control(ControlMessage)
}
