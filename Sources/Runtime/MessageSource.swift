import Dashboard
import Telemetry

/// Where the live dashboard's messages come from, and where its control messages go: the
/// built-in engine, a replay, or the ingest hub of `watch`.
public protocol MessageSource: AnyObject {
    /// Everything that arrived since the last call, in arrival order: events, blocks of scalars,
    /// problems and notices (`elapsed`: seconds since the dashboard started).
    func poll(elapsed: Double) throws -> [Message]
    /// Performs a control message (pause, resume, set…) where the source supports it; a refusal
    /// comes back through `poll` as `.controlRefused`.
    func perform(_ control: ControlMessage)
    /// The dashboard is closing: stop what the source runs for it (the built-in trainer). An
    /// external producer is left running: quitting the dashboard never stops someone's training.
    func close()
    /// After `close`: returns once the source's threads are done (the process may then exit safely).
    func waitUntilStopped()
}

extension MessageSource {
    public func close() {}
    public func waitUntilStopped() {}
}
