import JSONCore
import Telemetry

/// Decodes an NDJSON byte stream, in chunks of any size, with `scalars` lines gathered into
/// column blocks: the ingest path for files, standard input and socket producers.
///
/// Lines that repeat the previous line's shape become rows of a `ScalarsBlock` without being
/// parsed (`ScalarsLineDecoder`); every other line goes through `NDJSONDecoder.decodeLine`, so
/// errors, line numbers and unknown fields are exactly those of the line-by-line decoder.
public struct NDJSONBlockDecoder {
    private var framer: JSONLineFramer
    private var scalarsLines = ScalarsLineDecoder()
    /// Rows gathered and not yet handed on.
    private var openBlock: ScalarsBlock?

    /// A decoder for a new stream; lines over `maxLineBytes` (default 1 MiB) are reported and skipped.
    public init(maxLineBytes: Int = 1 << 20) { framer = JSONLineFramer(maxLineBytes: maxLineBytes) }

    /// Number of lines completed so far.
    public var linesRead: Int { framer.linesRead }

    /// Feeds the next chunk: `scalars` gets each block (consecutive lines of one run with the same
    /// metric names, at most one chunk's worth) and `emit` every other item, all in stream order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, scalars: (ScalarsBlock) -> Void, _ emit: (NDJSONItem) -> Void) {
        let limit = framer.maxLineBytes
        // Taken out of self for the call, so that the closures below own them uniquely.
        var lines = scalarsLines, block = openBlock
        scalarsLines = ScalarsLineDecoder()
        defer {
            if let full = block, !full.isEmpty { scalars(full) }
            scalarsLines = lines
            openBlock = nil
        }
        framer.feed(chunk, bulk: { lines.appendRepeatedLines($0, to: &block, maxLineBytes: limit) }) { piece in
            if case .line(let body, _, _) = piece, lines.append(body, to: &block, flush: scalars) { return }
            if let full = block, !full.isEmpty { scalars(full) }
            block = nil
            NDJSONDecoder.decode(piece, maxLineBytes: limit, emit)
        }
    }

    /// Ends the stream: a last line without a newline is decoded if it is complete JSON, and
    /// reported as `truncatedLine` if not (a writer killed mid-line).
    public mutating func finish(_ emit: (NDJSONItem) -> Void) {
        let limit = framer.maxLineBytes
        var lines = scalarsLines
        scalarsLines = ScalarsLineDecoder()
        defer { scalarsLines = lines }
        framer.finish { piece in
            if case .line(let body, let line, _) = piece, let event = lines.decode(body) {
                emit(.event(.scalars(event), line: line))
            } else {
                NDJSONDecoder.decode(piece, maxLineBytes: limit) { emit(NDJSONDecoder.asLastLine($0)) }
            }
        }
    }
}
