import Telemetry

/// An NDJSON byte stream from one source, as ingest items: every event with its run made
/// explicit (`scalars` lines gathered into column blocks), every bad line a problem naming the
/// source and the line.
public struct NDJSONStream {
    public let source: String
    public var attribution: RunAttribution
    private var decoder = NDJSONBlockDecoder()

    public init(source: String, fallbackRun: String) {
        self.source = source
        attribution = RunAttribution(fallbackRun: fallbackRun)
    }

    /// Feeds the next chunk.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (IngestItem) -> Void) {
        var decoder = self.decoder
        self.decoder = NDJSONBlockDecoder()
        defer { self.decoder = decoder }
        let source = self.source
        decoder.feed(chunk, scalars: { emit(.scalars(attribution.attribute($0) { emit(.event(Self.sourced($0, source))) })) }) { handle($0, emit) }
    }

    /// Ends the stream (a last line cut off mid-way is a problem).
    public mutating func finish(_ emit: (IngestItem) -> Void) {
        var decoder = self.decoder
        self.decoder = NDJSONBlockDecoder()
        defer { self.decoder = decoder }
        decoder.finish { handle($0, emit) }
    }

    /// The problem for a decoder error.
    public func problem(_ error: NDJSONError) -> SourceProblem {
        SourceProblem(source: source, position: error.column.map { "line \(error.line), column \($0)" } ?? "line \(error.line)",
                      reason: error.reason)
    }

    /// A `run` event that does not say where it comes from names this stream's source, as the
    /// other readers' runs do (the runs panel's `source` column, the run's details).
    private static func sourced(_ event: TelemetryEvent, _ source: String) -> TelemetryEvent {
        guard case .run(var run) = event, run.extra["source"] == nil else { return event }
        run.extra["source"] = .string(source)
        return .run(run)
    }

    private mutating func handle(_ item: NDJSONItem, _ emit: (IngestItem) -> Void) {
        switch item {
        case .event(let event, _):
            let source = self.source
            attribution.attribute(event) { emit(.event(Self.sourced($0, source))) }
        case .error(let error): emit(.problem(problem(error)))
        }
    }
}
