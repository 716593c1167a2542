import JSONCore

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

extension NDJSONErrorKind {
    /// The error kind of a JSON syntax failure or of a field that could not be read (same names).
    public init<Kind: RawRepresentable>(_ kind: Kind) where Kind.RawValue == String {
        guard let same = NDJSONErrorKind(rawValue: kind.rawValue) else { preconditionFailure("no NDJSON error kind \(kind.rawValue)") }
        self = same
    }
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
/// Framing is `JSONLineFramer`'s: empty lines are skipped; a UTF-8 byte-order mark on the first
/// line and `\r` before `\n` are tolerated. A bad line yields an `NDJSONError` and decoding
/// continues with the next line.
public struct NDJSONDecoder {
    private var framer: JSONLineFramer

    /// A decoder for a new stream; lines over `maxLineBytes` (default 1 MiB) are reported and skipped.
    public init(maxLineBytes: Int = 1 << 20) { framer = JSONLineFramer(maxLineBytes: maxLineBytes) }

    /// Lines longer than this many bytes are reported and skipped.
    public var maxLineBytes: Int { framer.maxLineBytes }
    /// Number of lines completed so far.
    public var linesRead: Int { framer.linesRead }

    /// Feeds the next chunk; calls `emit` for each complete line in it.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (NDJSONItem) -> Void) {
        let limit = framer.maxLineBytes
        framer.feed(chunk) { Self.decode($0, maxLineBytes: limit, emit) }
    }

    /// Feeds bytes held in an array or other contiguous collection.
    public mutating func feed(_ bytes: [UInt8], _ emit: (NDJSONItem) -> Void) {
        bytes.withUnsafeBytes { feed($0, emit) }
    }

    /// Ends the stream: a last line without a newline is decoded if it is complete JSON, and
    /// reported as `truncatedLine` if not (a writer killed mid-line).
    public mutating func finish(_ emit: (NDJSONItem) -> Void) {
        let limit = framer.maxLineBytes
        framer.finish { Self.decode($0, maxLineBytes: limit) { emit(Self.asLastLine($0)) } }
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

    /// The item for one framed piece: its event, or the error with its line and column.
    public static func decode(_ piece: JSONLineFramer.Piece, maxLineBytes: Int, _ emit: (NDJSONItem) -> Void) {
        switch piece {
        case .tooLong(let line, let bytes):
            emit(.error(NDJSONError(kind: .lineTooLong, line: line,
                                    reason: "line longer than the \(maxLineBytes)-byte limit (\(bytes) bytes); skipped")))
        case .line(let body, let line, let offset):
            emit(decodeLine(body, line: line, columnOffset: offset))
        }
    }

    /// The item for one line's bytes (`columnOffset`: bytes stripped before them, for columns).
    public static func decodeLine(_ body: UnsafeBufferPointer<UInt8>, line: Int, columnOffset: Int = 0) -> NDJSONItem {
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONParser.parse(body)
        } catch {
            return .error(NDJSONError(kind: NDJSONErrorKind(error.kind), line: line, column: error.column + columnOffset, reason: error.reason))
        }
        do throws(EventDecodingError) {
            return .event(try TelemetryEvent(json: value), line: line)
        } catch {
            return .error(NDJSONError(kind: error.kind, line: line, reason: error.reason))
        }
    }

    /// A last line cut off before its newline: an error there means the writer stopped mid-line.
    public static func asLastLine(_ item: NDJSONItem) -> NDJSONItem {
        guard case .error(let e) = item, e.kind != .lineTooLong else { return item }
        return .error(NDJSONError(kind: .truncatedLine, line: e.line, column: e.column,
                                  reason: "incomplete last line (no newline): \(e.reason)"))
    }
}
