import Foundation
import Telemetry

/// A listening Unix or TCP socket: each producer that connects is read on a thread of its own;
/// its control lines are answered through the router, its runs registered with it.
struct SocketSource: IngestSource {
    let listener: ListeningSocket
    let router: ControlRouter

    /// The most producers served at once; more are told why and closed, so that one source cannot
    /// take every descriptor and thread of the process.
    static let maxConnections = 1024
    /// How long a connection that never sent data may stay silent once descriptors run out.
    static let idleSeconds = 60.0

    func read(into sink: IngestSink) {
        let reclaim = {
            let closed = router.closeIdle(silentFor: Self.idleSeconds)
            if closed > 0 { sink.post(.notice("\(listener.address): closed \(closed) silent connection\(closed == 1 ? "" : "s") that never sent data, to free descriptors")) }
        }
        while let descriptor = listener.accept(trouble: { sink.post(.notice($0)) }, reclaim: reclaim) {
            guard router.openConnections < Self.maxConnections else {
                let refusal = ControlReply.refused("too many connections (\(Self.maxConnections) open); closing this one", line: 0)
                _ = Array(refusal.jsonLine.utf8).withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(descriptor)
                sink.post(.notice("\(listener.address): a connection over the limit of \(Self.maxConnections) was refused"))
                continue
            }
            guard let connection = router.connect(descriptor: descriptor, address: listener.address) else {
                Glibc.close(descriptor)
                return
            }
            sink.post(.notice("\(connection.label): producer connected"))
            sink.spawn { serve(connection, into: sink) }
        }
    }

    /// Reads one producer until it hangs up; its problems never touch another producer's stream.
    private func serve(_ connection: Connection, into sink: IngestSink) {
        var stream = NDJSONStream(source: connection.label, fallbackRun: "producer-\(connection.id)")
        var decoder = NDJSONBlockDecoder()
        // Each read's lines become one column block and one mailbox batch: large reads, few of both.
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        var batch: [IngestItem] = []
        var sentData = false
        let noteData = {
            if !sentData {
                // Only a connection that sends data is a producer: a script that steers and
                // hangs up must not end a `.once` hub before the producers have come.
                sentData = true
                router.noteProducer()
            }
        }
        let handleBlock: (ScalarsBlock) -> Void = { block in
            noteData()
            batch.append(.scalars(stream.attribution.attribute(block) { batch.append(.event($0)) }))
        }
        let handle: (NDJSONItem) -> Void = { item in
            switch item {
            case .error(let error):
                batch.append(.problem(stream.problem(error)))
                // A script (a connection that has sent no data yet) waits for one reply per line,
                // malformed lines included; a producer is not written to about its own data.
                if !sentData {
                    _ = connection.write(ControlReply.refused("\(error)", line: error.line).jsonLine)
                }
            case .event(.control(let message), let line):
                let outcome = router.route(message)
                sink.post(.notice(Self.notice(for: message, line: line, on: connection, outcome)))
                _ = connection.write(ControlReply.answering(message, line: line, outcome).jsonLine)
            case .event(var event, _):
                noteData()
                if case .run(let run) = event { event = .run(claim(run, for: connection, attribution: &stream.attribution, sink: sink)) }
                stream.attribution.attribute(event) { batch.append(.event($0)) }
            }
        }
        func flush() {
            if !batch.isEmpty { sink.post(batch: batch) }
            batch.removeAll(keepingCapacity: true)
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), scalars: handleBlock, handle) }
            router.heard(from: connection, producer: sentData)
            flush()
        }
        decoder.finish(handle)
        flush()
        Glibc.close(connection.descriptor)
        // Its runs stop being steerable first; the connection itself is forgotten only after the
        // notice is queued, because another producer's hang-up may then complete a `.once` hub.
        let runsLeft = router.releaseRuns(of: connection)
        sink.post(.notice((runsLeft.isEmpty ? "" : "run \(runsLeft.joined(separator: ", ")): ") + "producer disconnected (\(connection.label))"))
        router.forget(connection)
        sink.producerLeft()
    }

    /// Registers a producer's run with the router; a clashing id is aliased for the rest of the stream.
    private func claim(_ run: RunEvent, for connection: Connection, attribution: inout RunAttribution, sink: IngestSink) -> RunEvent {
        let (shown, clash) = router.claim(run, shownAs: attribution.aliases[run.run], for: connection)
        if shown != run.run {
            attribution.aliases[run.run] = shown
            if let clash { sink.post(.notice("\(connection.label): run \(run.run) is already streamed by \(clash); shown as \(shown)")) }
        }
        return run
    }

    /// The dashboard's note of a control line a script sent: a note, not a fault in the data,
    /// since the sender has the reason in its reply.
    private static func notice(for message: ControlMessage, line: Int, on connection: Connection,
                               _ outcome: Result<Void, ControlRefusal>) -> String {
        switch outcome {
        case .success: "\(connection.label): \(message.command.typeName)\(message.run.map { " for \($0)" } ?? "") sent"
        case .failure(let refusal): "\(connection.label): line \(line): control \(message.command.typeName) refused: \(refusal.message)"
        }
    }
}
