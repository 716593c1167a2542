import Foundation
import Ingest
import Telemetry

/// The headless control channel (`run --headless --control ADDRESS`): listens on a Unix socket
/// (created with mode 0600) or a loopback TCP port, reads NDJSON control lines from any number of
/// clients, and answers each line with one JSON line: `{"ok":true,"type":"set"}`, or
/// `{"ok":false,"line":N,"error":"…"}` for a line that is malformed, not a control message, or refused.
final class ControlServer: @unchecked Sendable {
    /// Performs a control message; a failure's text is sent back.
    typealias Handler = @Sendable (ControlMessage) -> Result<Void, ControlRefusal>

    private let socket: ListeningSocket
    private let handler: Handler
    /// The secret each control line must carry in `token`.
    let token: String
    /// Where it listens, for the start-up line (`unix:/path`, `tcp://127.0.0.1:7070`).
    var description: String { socket.address }

    init(address: SourceAddress, token: String, handler: @escaping Handler) throws(ControlRefusal) {
        self.handler = handler
        self.token = token
        do { socket = try ListeningSocket(address) } catch { throw ControlRefusal(error.message) }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops listening and removes the socket file.
    func shutDown() { socket.close() }

    private func acceptLoop() {
        while let client = socket.accept(trouble: { printError("trainscope: control: \($0)") }) {
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    /// Reads a client's lines until it hangs up, answering each.
    private func serve(_ client: Int32) {
        defer { Foundation.close(client) }
        var decoder = NDJSONDecoder(maxLineBytes: 1 << 16)
        var buffer = [UInt8](repeating: 0, count: 4096)
        func reply(_ reply: ControlReply) {
            let line = Array(reply.jsonLine.utf8)
            _ = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        func answer(_ item: NDJSONItem) {
            switch item {
            case .error(let error): reply(.refused("\(error)", line: error.line))
            case .event(.control(let message), let line):
                let outcome = message.tokenRefusal(expected: token).map { .failure($0) } ?? handler(message)
                reply(.answering(message, line: line, outcome))
            case .event(let event, let line):
                reply(.refused("'\(event.typeName)' is not a control message (set, pause, resume, step, fork, adopt, discard, rollback, checkpoint, stop)", line: line))
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
