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
        decoder.feed(chunk, scalars: { emit(.scalars(attribution.attribute($0) { emit(.event($0)) })) }) { handle($0, emit) }
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

    private mutating func handle(_ item: NDJSONItem, _ emit: (IngestItem) -> Void) {
        switch item {
        case .event(let event, _): attribution.attribute(event) { emit(.event($0)) }
        case .error(let error): emit(.problem(problem(error)))
        }
    }
}
