import Telemetry

/// Gives every event of one stream an explicit run id, so that streams can be interleaved.
///
/// A data line without `run` belongs to the stream's latest `run` event (PROTOCOL.md); a stream
/// that sends data before any `run` event gets one announced for it, named `fallbackRun`. Ids can be
/// renamed (`aliases`) when two live producers claim the same one.
public struct RunAttribution: Sendable {
    /// The run id used for data before any `run` event.
    public var fallbackRun: String
    /// Original id → the id shown, for runs renamed because another producer holds the name.
    public var aliases: [String: String] = [:]
    /// The stream's current run (after renaming).
    public private(set) var currentRun: String?
    /// Every run id this stream has announced (after renaming).
    public private(set) var announced: [String] = []

    public init(fallbackRun: String) { self.fallbackRun = fallbackRun }

    /// The event with its run made explicit, preceded by a `run` event when the stream never sent one.
    public mutating func attribute(_ event: TelemetryEvent) -> [TelemetryEvent] {
        var out: [TelemetryEvent] = []
        attribute(event) { out.append($0) }
        return out
    }

    /// The same, passing the events to `emit` (no array per event on the ingest path).
    public mutating func attribute(_ event: TelemetryEvent, _ emit: (TelemetryEvent) -> Void) {
        if case .run(let e) = event {
            let id = aliases[e.run] ?? e.run
            currentRun = id
            if !announced.contains(id) { announced.append(id) }
            emit(id == e.run ? event : event.withRunID(id))
            return
        }
        let id = resolve(event.runID, emit)
        emit(id == event.runID ? event : event.withRunID(id))
    }

    /// The block with its run made explicit, after passing to `emit` the `run` event announced for
    /// it when the stream never sent one.
    public mutating func attribute(_ block: ScalarsBlock, _ emit: (TelemetryEvent) -> Void) -> ScalarsBlock {
        var block = block
        block.run = resolve(block.run, emit)
        return block
    }

    /// The id shown for data naming `runID` (nil: the current run, announcing the fallback first).
    private mutating func resolve(_ runID: String?, _ emit: (TelemetryEvent) -> Void) -> String {
        if let runID { return aliases[runID] ?? runID }
        if currentRun == nil {
            currentRun = fallbackRun
            announced.append(fallbackRun)
            emit(.run(RunEvent(run: fallbackRun)))
        }
        return currentRun!
    }
}
