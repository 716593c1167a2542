import Foundation
import Telemetry

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

extension IngestHub {
    func acceptLoop(_ listener: ListeningSocket) {
        while let descriptor = listener.accept() {
            let connection = lock.withLock { () -> Connection? in
                guard !stopped else { return nil }
                let id = nextConnection
                nextConnection += 1
                let connection = Connection(id: id, descriptor: descriptor, label: "\(listener.address)#\(id)")
                connections[id] = connection
                return connection
            }
            guard let connection else { Glibc.close(descriptor); return }
            post(.notice("\(connection.label): producer connected"))
            spawn { [self] in serve(connection) }
        }
    }

    /// Reads one producer until it hangs up; its problems never touch another producer's stream.
    private func serve(_ connection: Connection) {
        var stream = NDJSONStream(source: connection.label, fallbackRun: "producer-\(connection.id)")
        var decoder = NDJSONBlockDecoder()
        // Each read's lines become one column block and one mailbox batch: large reads, few of both.
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        var batch: [IngestItem] = []
        var sentData = false
        let noteData = { [self] in
            if !sentData {
                // Only a connection that sends data is a producer: a script that steers and
                // hangs up must not end a `.once` hub before the producers have come.
                sentData = true
                lock.withLock { producersSeen += 1 }
            }
        }
        let handleBlock: (ScalarsBlock) -> Void = { block in
            noteData()
            batch.append(.scalars(stream.attribution.attribute(block) { batch.append(.event($0)) }))
        }
        let handle: (NDJSONItem) -> Void = { [self] item in
            switch item {
            case .error(let error):
                batch.append(.problem(stream.problem(error)))
                // A script (a connection that has sent no data yet) waits for one reply per line,
                // malformed lines included; a producer is not written to about its own data.
                if !sentData {
                    _ = connection.write(ControlReply.refused("\(error)", line: error.line).jsonLine)
                }
            case .event(.control(let message), let line): answer(message, line: line, on: connection)
            case .event(var event, _):
                noteData()
                if case .run(let run) = event { event = .run(claim(run, for: connection, attribution: &stream.attribution)) }
                stream.attribution.attribute(event) { attributed in
                    if case .knob(let knob) = attributed { noteKnobValue(knob) }
                    batch.append(.event(attributed))
                }
            }
        }
        func flush() {
            if !batch.isEmpty { post(batch: batch) }
            batch.removeAll(keepingCapacity: true)
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), scalars: handleBlock, handle) }
            flush()
        }
        decoder.finish(handle)
        flush()
        Glibc.close(connection.descriptor)
        // Its runs stop being steerable first; the connection itself is forgotten only after the
        // notice is queued, because another producer's hang-up may then complete a `.once` hub.
        let runsLeft = lock.withLock { () -> [String] in
            let owned = runs.filter { $0.value.connection == connection.id }.map(\.key).sorted()
            for id in owned { runs[id] = nil }
            announcements.removeAll { owned.contains($0) }
            if let latest = latestRun, owned.contains(latest) { latestRun = announcements.last }
            return owned
        }
        post(.notice((runsLeft.isEmpty ? "" : "run \(runsLeft.joined(separator: ", ")): ") + "producer disconnected (\(connection.label))"))
        lock.withLock { connections[connection.id] = nil }
        checkCompletion()
    }

    /// Registers a producer's run; a run id another connected producer holds is shown as `ID#2`.
    private func claim(_ run: RunEvent, for connection: Connection, attribution: inout RunAttribution) -> RunEvent {
        let (shown, clash) = lock.withLock { () -> (String, String?) in
            var shown = attribution.aliases[run.run] ?? run.run
            var clash: String?
            if let owner = runs[shown], owner.connection != connection.id {
                var n = 2
                while runs["\(run.run)#\(n)"] != nil { n += 1 }
                clash = connections[owner.connection]?.label
                shown = "\(run.run)#\(n)"
            }
            runs[shown] = (connection.id, run.run, run)
            latestRun = shown
            announcements.removeAll { $0 == shown }
            announcements.append(shown)
            return (shown, clash)
        }
        if shown != run.run {
            attribution.aliases[run.run] = shown
            if let clash { post(.notice("\(connection.label): run \(run.run) is already streamed by \(clash); shown as \(shown)")) }
        }
        return run
    }

    /// Keeps the cached knob value current, so later checks see what the producer applied.
    private func noteKnobValue(_ knob: KnobEvent) {
        guard let id = knob.run else { return }
        lock.withLock {
            guard var entry = runs[id], let index = entry.event.knobs.firstIndex(where: { $0.name == knob.name }) else { return }
            entry.event.knobs[index].value = knob.new
            runs[id] = entry
        }
    }

    /// A control line a script sent on a socket: checked against the token, routed, answered.
    private func answer(_ message: ControlMessage, line: Int, on connection: Connection) {
        let outcome: Result<Void, ControlRefusal>
        if let token {
            outcome = message.tokenRefusal(expected: token).map { .failure($0) } ?? send(message)
        } else {
            outcome = .failure(ControlRefusal("control is disabled (--read-only)"))
        }
        switch outcome {
        case .success:
            post(.notice("\(connection.label): \(message.command.typeName)\(message.run.map { " for \($0)" } ?? "") sent"))
        case .failure(let refusal):
            // The sender has the reason in its reply; this is a note, not a fault in the data.
            post(.notice("\(connection.label): line \(line): control \(message.command.typeName) refused: \(refusal.message)"))
        }
        _ = connection.write(ControlReply.answering(message, line: line, outcome).jsonLine)
    }
}
