import Foundation
import Ingest
import Telemetry

/// The headless control channel (`run --headless --control ADDRESS`): listens on a Unix socket
/// (created with mode 0600) or a loopback TCP port, reads NDJSON control lines from any number of
/// clients, and answers each line with one JSON line: `{"ok":true,"type":"set"}`, or
/// `{"ok":false,"line":N,"error":"…"}` for a line that is malformed, not a control message, or refused.
final class ControlServer: @unchecked Sendable {
    /// Performs a control message; a failure's text is sent back.
    typealias Handler = @Sendable (ControlMessage) -> Result<Void, ControlError>

    private let listener: Int32
    private let socketPath: String?
    private let handler: Handler
    /// Where it listens, for the start-up line (`unix:/path`, `tcp://127.0.0.1:7070`).
    let description: String

    struct ControlError: Error { var message: String }

    init(address: SourceAddress, handler: @escaping Handler) throws(ControlError) {
        self.handler = handler
        switch address {
        case .unixSocket(let path):
            guard path.utf8.count < 108 else { throw ControlError(message: "\(path): a Unix socket path must be shorter than 108 bytes") }
            guard !FileManager.default.fileExists(atPath: path) else {
                throw ControlError(message: "\(path) already exists; remove it or choose another path")
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ControlError(message: "socket: \(String(cString: strerror(errno)))") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            // The socket file is created 0600: nobody else on the machine may steer the run.
            let oldMask = umask(0o177)
            defer { umask(oldMask) }
            try Self.bind(fd, &addr, describing: path)
            listener = fd
            socketPath = path
            description = "unix:\(path)"
        case .tcp(let host, let port):
            guard host == "127.0.0.1" || host == "localhost" else {
                throw ControlError(message: "the control channel listens on loopback only (tcp://127.0.0.1:PORT), not \(host)")
            }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ControlError(message: "socket: \(String(cString: strerror(errno)))") }
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            try Self.bind(fd, &addr, describing: "127.0.0.1:\(port)")
            listener = fd
            socketPath = nil
            description = "tcp://127.0.0.1:\(port)"
        default:
            throw ControlError(message: "--control takes unix:PATH or tcp://127.0.0.1:PORT")
        }
        guard listen(listener, 8) == 0 else { throw ControlError(message: "listen: \(String(cString: strerror(errno)))") }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Binds `fd` to a `sockaddr_un` or `sockaddr_in`; closes it and throws on failure.
    private static func bind<Address>(_ fd: Int32, _ address: inout Address, describing name: String) throws(ControlError) {
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Foundation.close(fd)
            throw ControlError(message: "\(name): bind: \(reason)")
        }
    }

    /// Stops listening and removes the socket file.
    func shutDown() {
        shutdown(listener, Int32(SHUT_RDWR))
        Foundation.close(listener)
        if let socketPath { unlink(socketPath) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    /// Reads a client's lines until it hangs up, answering each.
    private func serve(_ client: Int32) {
        defer { Foundation.close(client) }
        var decoder = NDJSONDecoder(maxLineBytes: 1 << 16)
        var buffer = [UInt8](repeating: 0, count: 4096)
        func reply(_ fields: [(String, JSONValue)]) {
            let line = Array((JSONValue.object(JSONObject(fields)).jsonText + "\n").utf8)
            _ = line.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        }
        func answer(_ item: NDJSONItem) {
            switch item {
            case .error(let error):
                reply([("ok", .bool(false)), ("line", .number(Double(error.line))), ("error", .string("\(error)"))])
            case .event(.control(let message), let line):
                switch handler(message) {
                case .success: reply([("ok", .bool(true)), ("line", .number(Double(line))), ("type", .string(message.command.typeName))])
                case .failure(let error):
                    reply([("ok", .bool(false)), ("line", .number(Double(line))), ("error", .string(error.message))])
                }
            case .event(let event, let line):
                reply([("ok", .bool(false)), ("line", .number(Double(line))),
                       ("error", .string("'\(event.typeName)' is not a control message (set, pause, resume, step, fork, adopt, discard, rollback, checkpoint, stop)"))])
            }
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.withUnsafeBytes { raw in decoder.feed(UnsafeRawBufferPointer(rebasing: raw[0..<n]), answer) }
        }
        decoder.finish(answer)
    }
}
