import Foundation
import Telemetry

/// Turns one TensorBoard event file into events of one run, in chunks of any size: scalars
/// written at the same step are merged into one `scalars` event, histograms become `histogram`
/// events, and framing or decoding problems carry the file offset of their record.
public struct TensorBoardFileReader {
    /// Where problems say they happened (the file's path).
    public let source: String
    /// The run every event belongs to.
    public let run: String
    private var records = TFRecordReader()
    private var decoder = TensorBoardEventDecoder()
    private var pending: ScalarsEvent?
    /// Scalars in the last merged event: the next one reserves that much room.
    private var tagsPerStep = 4
    /// Records decoded so far.
    public private(set) var recordCount = 0
    /// Records of kinds not drawn, since they were last reported.
    private var skipped: [String: Int] = [:]

    public init(source: String, run: String) { self.source = source; self.run = run }

    /// Feeds the next chunk of the file.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (IngestItem) -> Void) {
        // Records are views into the reader's buffer: take the reader out of `self` (no copy of
        // its buffer) so that decoding may update `self` while they are borrowed.
        var reader = TFRecordReader()
        swap(&reader, &records)
        reader.feed(chunk) { item in
            switch item {
            case .record(let offset, let payload): decodeRecord(payload, offset: offset, emit)
            case .error(let offset, let reason): emit(.problem(SourceProblem(source: source, position: "offset \(offset)", reason: reason)))
            }
        }
        swap(&reader, &records)
    }

    /// Emits the scalars gathered for the latest step and the count of records skipped since the
    /// last flush (call when the file has no more data for now).
    public mutating func flush(_ emit: (IngestItem) -> Void) {
        if let pending { emit(.event(.scalars(pending))) }
        pending = nil
        for kind in skipped.keys.sorted() { emit(.skipped(run: run, kind: kind, count: skipped[kind]!)) }
        skipped = [:]
    }

    /// Whether the file at `path` starts an hparams session (`add_hparams` writes its experiment,
    /// session start and metrics in a folder of their own): judged from its first 64 KiB.
    public static func startsHParamsSession(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 16) else { return false }
        var reader = TensorBoardFileReader(source: path, run: "")
        var found = false
        head.withUnsafeBytes { bytes in
            reader.feed(bytes) { item in
                if case .event(.run(let r)) = item, !r.config.isEmpty { found = true }
            }
        }
        return found
    }

    /// Ends the file: a truncated last record is reported.
    public mutating func finish(_ emit: (IngestItem) -> Void) {
        flush(emit)
        records.finish { item in
            if case .error(let offset, let reason) = item {
                emit(.problem(SourceProblem(source: source, position: "offset \(offset)", reason: reason)))
            }
        }
    }

    private mutating func decodeRecord(_ payload: UnsafeRawBufferPointer, offset: Int, _ emit: (IngestItem) -> Void) {
        recordCount += 1
        let event: TensorBoardEvent
        do throws(TensorBoardEventDecoder.DecodingError) { event = try decoder.decode(payload) } catch {
            emit(.problem(SourceProblem(source: source, position: "offset \(offset)", reason: error.reason)))
            return
        }
        let time = event.wallTime.isFinite ? event.wallTime : nil
        for value in event.values {
            switch value {
            case .scalar(let tag, let number, _):
                if let current = pending, current.step != event.step || current.values[tag] != nil { flush(emit) }
                if pending == nil {
                    pending = ScalarsEvent(run: run, step: event.step, time: time, values: [:])
                    pending!.values.reserveCapacity(tagsPerStep)
                }
                pending!.values[tag] = number
                pending!.time = time ?? pending!.time
            case .histogram(let tag, let edges, let counts):
                emit(.event(.histogram(HistogramEvent(run: run, step: event.step, time: time, name: tag, edges: edges, counts: counts))))
            case .text(let tag, let text):
                emit(.text(run: run, step: event.step, tag: tag, text: text))
            case .hparams(let config):
                // The run is announced again with its config (the dashboard keeps what it knew).
                flush(emit)
                emit(.event(.run(RunEvent(run: run, config: config))))
            case .skipped(let kind):
                skipped[kind, default: 0] += 1
            }
        }
    }
}

/// Names the runs of a TensorBoard log directory the way TensorBoard does: by the directory that
/// holds each event file, relative to the log directory.
public enum TensorBoardRunName {
    /// The run of `file` under `root` (the root's own name for files directly inside it), with `prefix/` in front when given.
    public static func of(file: String, root: String, prefix: String? = nil) -> String {
        let rootParts = root.split(separator: "/").filter { $0 != "." }
        var parts = file.split(separator: "/").filter { $0 != "." }.dropLast()
        if parts.starts(with: rootParts) { parts = parts.dropFirst(rootParts.count) }
        let relative = parts.joined(separator: "/")
        let base = relative.isEmpty ? (rootParts.last.map(String.init) ?? "run") : relative
        return prefix.map { "\($0)/\(base)" } ?? base
    }
}
