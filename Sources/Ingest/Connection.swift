import Foundation

/// One producer connected to a socket source.
final class Connection: @unchecked Sendable {
    let id: Int
    let descriptor: Int32
    /// `unix:/x.sock#3`: the listener and the producer's number, for problems and notices.
    let label: String
    private let writeLock = NSLock()

    init(id: Int, descriptor: Int32, label: String) {
        self.id = id; self.descriptor = descriptor; self.label = label
        // A producer that stops reading must not stall the dashboard: a write gives up after 0.5 s.
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes one whole line; false when the producer hung up or stopped reading.
    func write(_ line: String) -> Bool {
        writeLock.withLock {
            var bytes = Array(line.utf8)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                bytes = bytes.dropFirst(n)
            }
            return true
        }
    }
}
