import Foundation
import Telemetry

/// Routes control messages to the producers that own runs: which connection streams which run
/// (clashing ids shown as `ID#2`), which run a message without `run` is for, the session token,
/// and the check of each message against the knobs and controls the producer declared.
final class ControlRouter: @unchecked Sendable {
    /// The control types a producer takes unless its `run` event lists others in `controls`.
    static let defaultControls: Set<String> = ["set", "pause", "resume", "stop"]

    /// The session token control lines must carry; nil when control is disabled (`--read-only`).
    let token: String?
    private let lock = NSLock()
    private var connections: [Int: Connection] = [:]
    private var nextConnection = 1
    /// Run id shown → the live producer that owns it, its id as the producer knows it, and its run event.
    private var runs: [String: (connection: Int, original: String, event: RunEvent)] = [:]
    /// The run announced most recently by a connected producer (the target of a control line without `run`).
    private var latestRun: String?
    /// Run ids of connected producers, oldest announcement first (the fallback when the latest run's producer leaves).
    private var announcements: [String] = []
    /// Connections that have sent data (scripts that only steer are not counted).
    private var producersSeen = 0
    private var hungUp = false
    /// When each connection last sent something, and whether it sent data (a producer) or only control lines.
    private var lastHeard: [Int: (time: Double, producer: Bool)] = [:]

    init(token: String?) { self.token = token }

    // MARK: - Connections

    /// A new connection on the listener at `address`; nil once every connection was hung up on.
    func connect(descriptor: Int32, address: String) -> Connection? {
        lock.withLock {
            guard !hungUp else { return nil }
            let id = nextConnection
            nextConnection += 1
            let connection = Connection(id: id, descriptor: descriptor, label: "\(address)#\(id)")
            connections[id] = connection
            lastHeard[id] = (Self.monotonicSeconds(), false)
            return connection
        }
    }

    /// Connections open now.
    var openConnections: Int { lock.withLock { connections.count } }

    /// Counts a connection as a producer once it sends data.
    func noteProducer() { lock.withLock { producersSeen += 1 } }

    /// Whether producers have come and every one of them has hung up (how socket sources end in `.once` mode).
    var producersCameAndLeft: Bool { lock.withLock { producersSeen > 0 && connections.isEmpty } }

    /// Stops routing to the runs of `connection` and returns them, sorted; the connection itself
    /// stays known until `forget`.
    func releaseRuns(of connection: Connection) -> [String] {
        lock.withLock {
            let owned = runs.filter { $0.value.connection == connection.id }.map(\.key).sorted()
            for id in owned { runs[id] = nil }
            announcements.removeAll { owned.contains($0) }
            if let latest = latestRun, owned.contains(latest) { latestRun = announcements.last }
            return owned
        }
    }

    /// Forgets a connection that has hung up.
    func forget(_ connection: Connection) {
        lock.withLock {
            connections[connection.id] = nil
            lastHeard[connection.id] = nil
        }
    }

    /// Notes that `connection` sent something (data when `producer`).
    func heard(from connection: Connection, producer: Bool) {
        lock.withLock { lastHeard[connection.id] = (Self.monotonicSeconds(), producer || lastHeard[connection.id]?.producer == true) }
    }

    /// Closes, with a reason, the connections that never sent data and have been silent for
    /// `seconds` (scripts left open): what can be freed when descriptors run out. Producers stay,
    /// however quiet: a training job may log once an hour. Returns how many were closed.
    @discardableResult
    func closeIdle(silentFor seconds: Double, now: Double = ControlRouter.monotonicSeconds()) -> Int {
        let idle = lock.withLock {
            lastHeard.filter { !$0.value.producer && now - $0.value.time >= seconds }.compactMap { connections[$0.key] }
        }
        for connection in idle {
            _ = connection.write(ControlReply.refused("closed: silent for \(Int(seconds)) s while trainscope ran out of descriptors", line: 0).jsonLine)
            shutdown(connection.descriptor, Int32(SHUT_RDWR))
        }
        return idle.count
    }

    /// Seconds on a clock that never jumps.
    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Hangs up on every producer; later connections are refused.
    func hangUpAll() {
        let open = lock.withLock { () -> [Connection] in
            hungUp = true
            return Array(connections.values)
        }
        open.forEach { shutdown($0.descriptor, Int32(SHUT_RDWR)) }
    }

    // MARK: - Runs

    /// Registers a producer's run and returns the id it is shown as (`ID#2` when another connected
    /// producer holds the id) and that producer's label on a clash.
    func claim(_ run: RunEvent, shownAs alias: String?, for connection: Connection) -> (shown: String, clashWith: String?) {
        lock.withLock {
            var shown = alias ?? run.run
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
    }

    // MARK: - Routing

    /// Sends `message` to the producer of its run (the latest connected run when `run` is absent),
    /// after checking that the producer declared the knob and takes this kind of control.
    func send(_ message: ControlMessage) -> Result<Void, ControlRefusal> {
        guard let token else { return .failure(ControlRefusal("control is disabled (--read-only)")) }
        let target = lock.withLock { () -> (id: String, owner: (connection: Int, original: String, event: RunEvent)?, connection: Connection?)? in
            guard let id = message.run ?? latestRun else { return nil }
            let owner = runs[id]
            return (id, owner, owner.flatMap { connections[$0.connection] })
        }
        guard let target else { return .failure(ControlRefusal("no producer is connected to steer")) }
        guard let owner = target.owner, let connection = target.connection else {
            return .failure(ControlRefusal("run \(target.id) has no connected producer (files and stdin cannot be steered)"))
        }
        if let refusal = Self.refusal(of: message, by: owner.event, shownAs: target.id) { return .failure(refusal) }
        var outgoing = message
        outgoing.run = owner.original
        outgoing.token = token
        guard connection.write(TelemetryEvent.control(outgoing).jsonLine + "\n") else {
            return .failure(ControlRefusal("run \(target.id): the producer is not reading (send timed out or it hung up)"))
        }
        return .success(())
    }

    /// Why the producer that announced `run` (shown as `id`) cannot take `message`; nil when it can.
    static func refusal(of message: ControlMessage, by run: RunEvent, shownAs id: String) -> ControlRefusal? {
        let accepted = run.controls.map(Set.init) ?? defaultControls
        let kind = message.command.typeName
        guard accepted.contains(kind) else {
            return ControlRefusal("run \(id) does not take '\(kind)' (it takes \(accepted.sorted().joined(separator: ", ")))")
        }
        guard case .set(let knob, let value) = message.command else { return nil }
        guard let spec = run.knobs.first(where: { $0.name == knob }) else {
            let declared = run.knobs.map(\.name)
            return ControlRefusal("run \(id) declared no knob '\(knob)'"
                + (declared.isEmpty ? " (it declared none)" : " (it declared \(declared.joined(separator: ", ")))"))
        }
        if case .failure(let error) = spec.check(value) { return ControlRefusal("\(knob): \(error.message)") }
        return nil
    }

    /// A control line a script sent on a socket: checked against the token, then routed.
    func route(_ message: ControlMessage) -> Result<Void, ControlRefusal> {
        guard let token else { return .failure(ControlRefusal("control is disabled (--read-only)")) }
        return message.tokenRefusal(expected: token).map { .failure($0) } ?? send(message)
    }
}
