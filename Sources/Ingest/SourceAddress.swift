import Foundation

/// Where events come from, as written on the command line (`trainscope watch SOURCE…`).
public enum SourceAddress: Sendable, Equatable, CustomStringConvertible {
    /// NDJSON on standard input (`-`).
    case standardInput
    /// A Unix socket trainscope listens on (`unix:PATH`; an empty path asks for a private directory).
    case unixSocket(path: String)
    /// A TCP port trainscope listens on (`tcp://HOST:PORT`); loopback unless given otherwise.
    case tcp(host: String, port: UInt16)
    /// An NDJSON file (`.jsonl`, `.ndjson`), followed while it grows.
    case ndjsonFile(path: String)
    /// A TensorBoard event file.
    case tensorBoard(path: String)
    /// A folder of logs of any kinds (TensorBoard, Hugging Face, Lightning, MLflow, NDJSON), or a
    /// path without a file extension that does not exist yet (`watch` waits for it).
    case logFolder(path: String)
    /// A CSV file with a header row of metric names.
    case csvFile(path: String)
    /// A Hugging Face `trainer_state.json`.
    case trainerState(path: String)

    /// Parses a command-line source; errors are one line naming the source.
    public static func parse(_ text: String, fileExists: (String) -> (exists: Bool, isDirectory: Bool) = SourceAddress.probe) throws(SourceAddressError) -> SourceAddress {
        if text == "-" { return .standardInput }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            // `unix:` alone asks for a socket in a fresh private directory.
            return .unixSocket(path: path)
        }
        if text.hasPrefix("tcp://") {
            let rest = text.dropFirst(6)
            guard let colon = rest.lastIndex(of: ":") else { throw SourceAddressError(text, "tcp:// needs HOST:PORT, e.g. tcp://127.0.0.1:7070") }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw SourceAddressError(text, "tcp:// needs a host before the port") }
            guard let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else {
                throw SourceAddressError(text, "port must be a number in 1…65535")
            }
            return .tcp(host: host, port: port)
        }
        if text.contains("://") { throw SourceAddressError(text, "unknown scheme; use -, unix:PATH, tcp://HOST:PORT or a file") }
        let probe = fileExists(text)
        let name = (text as NSString).lastPathComponent
        if probe.isDirectory { return .logFolder(path: text) }
        if name.contains("tfevents") { return .tensorBoard(path: text) }
        if name == "trainer_state.json" { return .trainerState(path: text) }
        let lowered = name.lowercased()
        if lowered.hasSuffix(".csv") { return .csvFile(path: text) }
        if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".json") { return .ndjsonFile(path: text) }
        // A folder a writer has not created yet (`watch logs/` before training starts).
        if !probe.exists && !name.contains(".") { return .logFolder(path: text) }
        guard probe.exists else { throw SourceAddressError(text, "no such file or directory") }
        throw SourceAddressError(text, "cannot tell the format; name NDJSON files .jsonl, CSV files .csv, or give a log folder")
    }

    /// Whether a path exists and is a directory.
    public static func probe(_ path: String) -> (exists: Bool, isDirectory: Bool) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        return (exists, isDirectory.boolValue)
    }

    public var description: String {
        switch self {
        case .standardInput: "-"
        case .unixSocket(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case .ndjsonFile(let path), .tensorBoard(let path), .csvFile(let path), .trainerState(let path), .logFolder(let path): path
        }
    }
}

/// A source that cannot be parsed: the text as given and why.
public struct SourceAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var reason: String
    init(_ source: String, _ reason: String) { self.source = source; self.reason = reason }
    public var description: String { "\(source): \(reason)" }
}
