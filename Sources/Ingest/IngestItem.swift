import Telemetry

/// What a source yields: an event for the dashboard, or a problem for its events panel.
public enum IngestItem: Sendable, Equatable {
    case event(TelemetryEvent)
    /// `scalars` events by column, their run explicit: how NDJSON sources pass on their lines.
    case scalars(ScalarsBlock)
    case problem(SourceProblem)
    /// Something worth a line in the events panel that is not a problem (a producer connected).
    case notice(String)
    /// `count` more records of `kind` (see `SkippedKind`) that the source read for `run` and cannot show.
    case skipped(run: String, kind: String, count: Int)
    /// A text summary (TensorBoard `add_text`) of `run` at `step`.
    case text(run: String, step: Int, tag: String, text: String)
    /// What a folder source recognized (`logs/: 3 TensorBoard runs, 1 Lightning run`), said once:
    /// headless commands print it on stderr, the dashboard shows it in the events panel.
    case found(String)

    /// Calls `body` with the events the item carries: the event itself, or one `scalars` event per
    /// row of a block (nothing for problems and notices).
    public func forEachEvent(_ body: (TelemetryEvent) -> Void) {
        switch self {
        case .event(let event): body(event)
        case .scalars(let block): block.forEachEvent { body(.scalars($0)) }
        case .problem, .notice, .skipped, .text, .found: return
        }
    }
}
