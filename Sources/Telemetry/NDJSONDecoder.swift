import Foundation

/// The kinds of failure a line can have; each maps to one row of PROTOCOL.md's error table.
public enum NDJSONErrorKind: String, Sendable, Equatable, CaseIterable {
    /// Not JSON (syntax error).
    case invalidJSON = "invalid-json"
    /// A string holds bytes that are not UTF-8.
    case invalidUTF8 = "invalid-utf8"
    /// An object repeats a key.
    case duplicateKey = "duplicate-key"
    /// Nesting deeper than `JSONParser.maxDepth`.
    case tooDeep = "too-deep"
    /// Valid JSON, but not an object.
    case notAnObject = "not-an-object"
    /// A required field is absent.
    case missingField = "missing-field"
    /// A field has the wrong JSON type.
    case wrongType = "wrong-type"
    /// A field has the right type but an impossible value.
    case invalidValue = "invalid-value"
    /// The line's `v` is newer than this build reads.
    case unsupportedVersion = "unsupported-version"
    /// The line exceeds the decoder's byte limit; it is skipped without being buffered.
    case lineTooLong = "line-too-long"
    /// The stream ended inside a line that does not parse (a writer killed mid-line).
    case truncatedLine = "truncated-line"
}

/// A line that could not be decoded: where it is and why. The stream goes on after it.
public struct NDJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: NDJSONErrorKind
    /// 1-based line number in the stream.
    public var line: Int
    /// 1-based byte column, when the failure has a position inside the line.
    public var column: Int?
    /// One-line reason.
    public var reason: String

    public init(kind: NDJSONErrorKind, line: Int, column: Int? = nil, reason: String) {
        self.kind = kind; self.line = line; self.column = column; self.reason = reason
    }

    /// `line 12, column 5: reason` — the one line shown to users.
    public var description: String {
        if let column { return "line \(line), column \(column): \(reason)" }
        return "line \(line): \(reason)"
    }
}

/// One decoded line: an event with its line number, or an error.
public enum NDJSONItem: Sendable, Equatable {
    case event(TelemetryEvent, line: Int)
    case error(NDJSONError)
}

/// Splits a byte stream into lines and decodes each into an event, in chunks of any size.
///
/// Empty lines are skipped; a UTF-8 byte-order mark on the first line and `\r` before `\n` are
/// tolerated. A bad line yields an `NDJSONError` and decoding continues with the next line.
public struct NDJSONDecoder {
    /// Lines longer than this many bytes are reported and skipped (default 1 MiB).
    public var maxLineBytes: Int
    /// Number of lines completed so far.
    public private(set) var linesRead = 0

    private var pending: [UInt8] = []
    private var scalarsFastPath = ScalarsLineDecoder()
    /// Rows gathered by `feed(_:scalars:_:)` and not yet handed on.
    private var openBlock: ScalarsBlock?
    private var skippingLongLine = false
    private var skippedBytes = 0

    /// A decoder for a new stream.
    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// Feeds the next chunk; calls `emit` for each complete line in it.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (NDJSONItem) -> Void) {
        feed(chunk, columnar: false, scalars: { _ in }, emit)
    }

    /// Feeds the next chunk, gathering `scalars` lines into column blocks: `scalars` gets each
    /// block (consecutive lines of one run with the same metric names, at most one chunk's worth)
    /// and `emit` every other item, all in stream order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, scalars: (ScalarsBlock) -> Void, _ emit: (NDJSONItem) -> Void) {
        feed(chunk, columnar: true, scalars: scalars, emit)
    }

    private mutating func feed(_ chunk: UnsafeRawBufferPointer, columnar: Bool, scalars: (ScalarsBlock) -> Void,
                               _ emit: (NDJSONItem) -> Void) {
        defer { flushBlock(scalars) }
        guard let base = chunk.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var start = 0
        let count = chunk.count
        while start < count {
            if columnar, pending.isEmpty, !skippingLongLine, linesRead > 0 {
                // Lines that repeat the previous line's shape, many at a time.
                let taken = scalarsFastPath.appendRepeatedLines(UnsafeBufferPointer(start: base + start, count: count - start),
                                                                to: &openBlock, maxLineBytes: maxLineBytes)
                start += taken.bytes
                linesRead += taken.lines
                if start == count { break }
            }
            let remaining = count - start
            guard let found = memchr(base + start, 0x0A, remaining) else {
                // No newline in the rest of the chunk: keep it for the next call.
                appendPending(UnsafeBufferPointer(start: base + start, count: remaining))
                return
            }
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let piece = UnsafeBufferPointer(start: base + start, count: end - start)
            linesRead += 1
            if skippingLongLine {
                skippedBytes += piece.count
                flushBlock(scalars)
                emit(.error(longLineError(line: linesRead)))
                skippingLongLine = false
                pending.removeAll(keepingCapacity: true)
            } else if pending.isEmpty {
                if piece.count > maxLineBytes {
                    skippedBytes = piece.count
                    flushBlock(scalars)
                    emit(.error(longLineError(line: linesRead)))
                } else {
                    decodeLine(piece, line: linesRead, columnar: columnar, scalars: scalars, emit)
                }
            } else {
                appendPending(piece)
                if skippingLongLine {
                    flushBlock(scalars)
                    emit(.error(longLineError(line: linesRead)))
                    skippingLongLine = false
                } else {
                    let held = pending
                    held.withUnsafeBufferPointer { decodeLine($0, line: linesRead, columnar: columnar, scalars: scalars, emit) }
                }
                pending.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    /// Feeds bytes held in an array or other contiguous collection.
    public mutating func feed(_ bytes: [UInt8], _ emit: (NDJSONItem) -> Void) {
        bytes.withUnsafeBytes { feed($0, emit) }
    }

    /// Ends the stream: a last line without a newline is decoded if it is complete JSON, and
    /// reported as `truncatedLine` if not (a writer killed mid-line).
    public mutating func finish(_ emit: (NDJSONItem) -> Void) {
        defer { pending.removeAll(); skippingLongLine = false }
        if skippingLongLine {
            linesRead += 1
            emit(.error(longLineError(line: linesRead)))
            return
        }
        guard !pending.isEmpty else { return }
        linesRead += 1
        let line = linesRead
        let held = pending
        held.withUnsafeBufferPointer { buffer in
            decodeLine(buffer, line: line, columnar: false, scalars: { _ in }) { item in
                if case .error(let e) = item {
                    emit(.error(NDJSONError(kind: .truncatedLine, line: line, column: e.column,
                                            reason: "incomplete last line (no newline): \(e.reason)")))
                } else {
                    emit(item)
                }
            }
        }
    }

    /// Decodes a whole in-memory stream.
    public static func decodeAll(_ bytes: [UInt8], maxLineBytes: Int = 1 << 20) -> [NDJSONItem] {
        var decoder = NDJSONDecoder(maxLineBytes: maxLineBytes)
        var items: [NDJSONItem] = []
        decoder.feed(bytes) { items.append($0) }
        decoder.finish { items.append($0) }
        return items
    }

    /// Decodes a whole in-memory stream given as text.
    public static func decodeAll(_ text: String) -> [NDJSONItem] { decodeAll(Array(text.utf8)) }

    // MARK: - Lines

    private mutating func appendPending(_ bytes: UnsafeBufferPointer<UInt8>) {
        if skippingLongLine { skippedBytes += bytes.count; return }
        if pending.count + bytes.count > maxLineBytes {
            skippingLongLine = true
            skippedBytes = pending.count + bytes.count
            pending.removeAll(keepingCapacity: false)
            return
        }
        pending.append(contentsOf: bytes)
    }

    private func longLineError(line: Int) -> NDJSONError {
        NDJSONError(kind: .lineTooLong, line: line,
                    reason: "line longer than the \(maxLineBytes)-byte limit (\(skippedBytes) bytes); skipped")
    }

    private mutating func flushBlock(_ scalars: (ScalarsBlock) -> Void) {
        if let block = openBlock, !block.isEmpty { scalars(block) }
        openBlock = nil
    }

    private mutating func decodeLine(_ raw: UnsafeBufferPointer<UInt8>, line: Int, columnar: Bool,
                                     scalars: (ScalarsBlock) -> Void, _ emit: (NDJSONItem) -> Void) {
        var lower = 0
        var upper = raw.count
        // A UTF-8 byte-order mark is tolerated at the start of the stream only.
        if line == 1, upper >= 3, raw[0] == 0xEF, raw[1] == 0xBB, raw[2] == 0xBF { lower = 3 }
        if upper > lower, raw[upper - 1] == 0x0D { upper -= 1 }
        var blank = true
        for i in lower..<upper where raw[i] != 0x20 && raw[i] != 0x09 { blank = false; break }
        if blank { return }
        let body = UnsafeBufferPointer(rebasing: raw[lower..<upper])
        if columnar {
            if scalarsFastPath.append(body, to: &openBlock, flush: scalars) { return }
            flushBlock(scalars)
        } else if let event = scalarsFastPath.decode(body) {
            emit(.event(.scalars(event), line: line))
            return
        }
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONParser.parse(body)
        } catch {
            emit(.error(NDJSONError(kind: error.kind, line: line, column: error.column + lower, reason: error.reason)))
            return
        }
        do throws(EventDecodingError) {
            emit(.event(try TelemetryEvent(json: value), line: line))
        } catch {
            emit(.error(NDJSONError(kind: error.kind, line: line, reason: error.reason)))
        }
    }
}
