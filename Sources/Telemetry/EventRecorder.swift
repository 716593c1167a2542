import Foundation
import JSONCore

/// An I/O failure of the recorder or the file reader, with the path and the system's reason.
public struct RecordingIOError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }

    static func errno(_ path: String, _ doing: String) -> RecordingIOError {
        RecordingIOError(path: path, reason: "\(doing) failed: \(String(cString: strerror(Foundation.errno)))")
    }
}

/// Appends events to an NDJSON file, one `write(2)` per line and no user-space buffer, so a process
/// killed at any moment leaves every earlier line complete and at most one partial last line
/// (which `NDJSONDecoder.finish` reports and skips).
public final class EventRecorder {
    /// The file being written.
    public let path: String
    private var fd: Int32

    /// Opens `path` for appending, creating it (mode 0644) when absent.
    public init(path: String) throws(RecordingIOError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw .errno(path, "open") }
    }

    deinit { close() }

    /// Writes one event as a line.
    public func record(_ event: TelemetryEvent) throws(RecordingIOError) {
        var writer = JSONWriter()
        writer.write(.object(event.jsonObject))
        var bytes = writer.bytes
        bytes.append(0x0A)
        try writeAll(bytes)
    }

    /// Closes the file; later records fail.
    public func close() {
        if fd >= 0 { _ = Foundation.close(fd); fd = -1 }
    }

    private func writeAll(_ bytes: [UInt8]) throws(RecordingIOError) {
        guard fd >= 0 else { throw RecordingIOError(path: path, reason: "recorder is closed") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if Foundation.errno == EINTR { continue }
                throw .errno(path, "write")
            }
            offset += n
        }
    }
}

/// Reads an NDJSON file in chunks and decodes it; `path` "-" reads standard input.
public func readEvents(path: String, chunkSize: Int = 1 << 16, maxLineBytes: Int = 1 << 20,
                       _ emit: (NDJSONItem) -> Void) throws(RecordingIOError) {
    let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw .errno(path, "open") }
    defer { if fd != STDIN_FILENO { _ = close(fd) } }
    var decoder = NDJSONDecoder(maxLineBytes: maxLineBytes)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let n = read(fd, buffer.baseAddress, chunkSize)
        if n < 0 {
            if errno == EINTR { continue }
            throw .errno(path, "read")
        }
        if n == 0 { break }
        decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), emit)
    }
    decoder.finish(emit)
}

/// A whole recording in memory: its events in order and the lines that failed.
public struct Recording: Sendable {
    public var events: [TelemetryEvent]
    public var errors: [NDJSONError]

    /// Reads and decodes the file at `path` ("-" for standard input).
    public init(path: String) throws(RecordingIOError) {
        var events: [TelemetryEvent] = []
        var errors: [NDJSONError] = []
        try readEvents(path: path) { item in
            switch item {
            case .event(let e, _): events.append(e)
            case .error(let e): errors.append(e)
            }
        }
        self.events = events
        self.errors = errors
    }
}
