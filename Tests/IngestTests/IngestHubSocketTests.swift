import Foundation
import Testing
import Ingest
import Telemetry
import TestSupport

// MARK: - Helpers

/// A raw AF_UNIX stream client, as a producer or a control script would open one.
private final class RawClient: @unchecked Sendable {
    let descriptor: Int32
    private var pending: [UInt8] = []

    private init(_ descriptor: Int32) { self.descriptor = descriptor }

    /// Connects to `path`, retrying a bounded number of times while the listener is busy.
    static func connect(_ path: String) -> RawClient? {
        for _ in 0..<200 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 {
                // A safety net so that a broken hub fails the test instead of hanging it.
                var timeout = timeval(tv_sec: 30, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                return RawClient(fd)
            }
            let error = errno
            Glibc.close(fd)
            guard error == EAGAIN || error == ECONNREFUSED || error == EINTR else { return nil }
            usleep(2000)
        }
        return nil
    }

    /// Writes every byte; false if the peer is gone.
    @discardableResult
    func send(_ bytes: some Collection<UInt8>) -> Bool {
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            rest = rest.dropFirst(n)
        }
        return true
    }

    @discardableResult
    func send(line: String) -> Bool { send(Array((line + "\n").utf8)) }

    /// The next line, without its newline; nil at the end of the stream (or after the safety timeout).
    func readLine() -> String? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            guard fill() else { return nil }
        }
    }

    /// Everything until the peer closes.
    func readToEnd() -> String {
        while fill() {}
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    private func fill() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            pending.append(contentsOf: buffer[..<n])
            return true
        }
    }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }
    func close() { Glibc.close(descriptor) }
}


/// Everything a hub posts, collected by the test thread.
private struct Collected {
    var items: [IngestItem] = []
    var events: [TelemetryEvent] {
        var events: [TelemetryEvent] = []
        for item in items { item.forEachEvent { events.append($0) } }
        return events
    }
    var problems: [SourceProblem] { items.compactMap { if case .problem(let p) = $0 { p } else { nil } } }
    var notices: [String] { items.compactMap { if case .notice(let n) = $0 { n } else { nil } } }
    /// The producers that connected, by label (`unix:/x.sock#3`), from the hub's notices.
    var connected: [String] { notices.filter { $0.contains("producer connected") }.compactMap(Self.label) }
    /// The producers that hung up, by label, with the run they held (nil when none).
    var disconnected: [(label: String, run: String?)] {
        notices.filter { $0.contains("producer disconnected") }.compactMap { notice in
            Self.label(in: notice).map { ($0, notice.firstMatch(of: Self.runPattern).map { String($0.output[1].substring!) }) }
        }
    }

    // The wording of notices is for people; only the label and the run are read from them.
    nonisolated(unsafe) private static let labelPattern = try! Regex("unix:[^\\s()]*#[0-9]+")
    nonisolated(unsafe) private static let runPattern = try! Regex("\\brun ([^\\s:(),]+)")
    private static func label(in notice: String) -> String? { notice.firstMatch(of: labelPattern).map { String(notice[$0.range]) } }

    /// Waits for items until `done` holds; false (with an issue) if the hub completed first.
    mutating func drain(_ hub: IngestHub, until done: (Collected) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        while !done(self) {
            let batch = hub.waitAndDrain()
            if batch.isEmpty {
                Issue.record("the hub completed before the awaited items arrived", sourceLocation: sourceLocation)
                return false
            }
            items += batch
        }
        return true
    }

    /// Waits until the `.once` hub completes (every producer hung up).
    mutating func drainToCompletion(_ hub: IngestHub) {
        while true {
            let batch = hub.waitAndDrain()
            if batch.isEmpty { return }
            items += batch
        }
    }
}

/// Stops the hub if a test hangs (a failing hub must fail the test, not stall the run).
private final class Watchdog: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var fired = false

    /// Its own thread, not a dispatch queue: the tests block the few pool threads while they drain.
    init(_ hub: IngestHub, seconds: Double = 60) {
        Thread { [self] in
            if done.wait(timeout: .now() + seconds) == .timedOut {
                lock.withLock { fired = true }
                hub.stop()
            }
        }.start()
    }

    func finish() {
        done.signal()
        #expect(!lock.withLock { fired }, "the watchdog stopped a hung hub")
    }
}

/// A fresh socket path in a private scratch directory (short enough for sun_path).
/// A `.once` hub listening on a socket in a scratch directory, with a watchdog.
private final class HubFixture {
    let directory: URL
    let path: String
    let hub: IngestHub
    private let watchdog: Watchdog

    init(token: String?) throws {
        (directory, path) = socketPath()
        hub = IngestHub(mode: .once, token: token)
        try hub.open([.unixSocket(path: path)])
        watchdog = Watchdog(hub)
    }

    /// Checks that the watchdog never fired and removes the directory.
    func close() {
        watchdog.finish()
        try? FileManager.default.removeItem(at: directory)
    }
}

private func socketPath() -> (directory: URL, path: String) {
    let directory = TestPaths.scratchDirectory("hub")
    return (directory, directory.path + "/s.sock")
}

private func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return info.st_mode
}

private func runLine(_ id: String, knobs: String? = nil) -> String {
    #"{"v":1,"type":"run","run":"\#(id)"\#(knobs.map { #","knobs":\#($0)"# } ?? "")}"#
}

// MARK: - Tests

/// Serialized: `ListeningSocket` changes the process-wide umask while it binds, so two of these
/// tests opening sockets at once would disturb each other (see `concurrentSocketsKeepTheUmask`).
@Suite(.serialized) struct IngestHubSocketTests {
    /// A producer's lines, whether each is valid data, and what it does at the end.
    struct Script: Sendable {
        var run: String
        var bytes: [UInt8]
        var seed: UInt64
        var expectedEvents: [TelemetryEvent]
        /// Expected problems as `line N…: reason` (without the source).
        var expectedProblems: [String]
    }

    static func script(_ k: Int, garbage: Bool, cutMidLine: Bool) -> Script {
        let run = "p\(k)"
        var lines = [runLine(run)]
        var events: [TelemetryEvent] = [.run(RunEvent(run: run))]
        var problems: [String] = []
        let junk: [(line: String, problem: (Int) -> String)] = [
            ("this is not json", { "line \($0), column 2: invalid literal, expected 'true'" }),
            (#"{"v":1,"type":"scalars","step":"7","values":{"loss":1}}"#, { "line \($0): field \"step\" must be an integer, got string" }),
            ("[1,2,3]", { "line \($0): a line must be a JSON object, got array" }),
            (#"{"v":1,"type":"scalars","step":9,"values":{"loss":true}}"#, { "line \($0): values[\"loss\"] must be a number, got boolean" }),
            (#"{"v":1,"type":"run"}"#, { "line \($0): missing required field \"run\"" }),
            (#"{"v":1,"type":"scalars","step":3,"values":{"loss":1}"#, { "line \($0), column 53: expected ',' or '}' in object, found end of line" }),
        ]
        for step in 1...50 {
            let loss = Double(k) + Double(step) / 4, acc = Double(step) / 64
            // Odd producers name their run on every line; even ones rely on their run event.
            let named = k % 2 == 1 ? #""run":"\#(run)","# : ""
            lines.append(#"{"v":1,"type":"scalars",\#(named)"step":\#(step),"values":{"loss":\#(loss),"acc":\#(acc)}}"#)
            events.append(.scalars(ScalarsEvent(run: run, step: step, values: ["loss": loss, "acc": acc])))
            if garbage && step % 8 == 0 && step / 8 <= junk.count {
                let bad = junk[step / 8 - 1]
                lines.append(bad.line)
                problems.append(bad.problem(lines.count))
            }
        }
        var text = lines.joined(separator: "\n") + "\n"
        if cutMidLine {
            text += #"{"v":1,"type":"scalars","step":51,"values":{"lo"#
            problems.append("line \(lines.count + 1), column 45: incomplete last line (no newline): unterminated string")
        }
        return Script(run: run, bytes: Array(text.utf8), seed: UInt64(1000 + k), expectedEvents: events, expectedProblems: problems)
    }

    @Test func sixteenConcurrentProducersEachKeepTheirOwnEventsAndProblems() throws {
        let fixture = try HubFixture(token: "t0k")
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)

        let garbageProducer = 5, cutProducer = 11
        let scripts = (0..<16).map { Self.script($0, garbage: $0 == garbageProducer, cutMidLine: $0 == cutProducer) }
        #expect(scripts[garbageProducer].expectedProblems.count == 6)

        // A sentinel connection holds the hub open until every producer's disconnect notice is in
        // (the hub may complete, and drop a late notice, once no producer is connected).
        let sentinel = try #require(RawClient.connect(path))
        let attempted = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        let failures = Mailbox<String>(capacity: 64)
        for script in scripts {
            let thread = Thread {
                defer { finished.signal() }
                let client = RawClient.connect(path)
                attempted.signal()
                guard let client else { failures.post("\(script.run): cannot connect"); return }
                release.wait()
                var generator = SplitMix64(seed: script.seed)
                var rest = script.bytes[...]
                while !rest.isEmpty {
                    let size = min(rest.count, Int.random(in: 1...48, using: &generator))
                    if !client.send(rest.prefix(size)) { failures.post("\(script.run): send failed"); break }
                    rest = rest.dropFirst(size)
                }
                client.close()
            }
            thread.start()
        }
        // Every producer is connected (and registered by the hub) before any sends or hangs up,
        // so the `.once` hub cannot complete while one is still to come.
        for _ in scripts { attempted.wait() }
        var collected = Collected()
        if failures.drain().isEmpty {
            _ = collected.drain(hub) { $0.connected.count == 17 }
        } else {
            Issue.record("a producer could not connect")
            hub.stop()
        }
        for _ in scripts { release.signal() }
        _ = collected.drain(hub) { $0.disconnected.filter { $0.run != nil }.count == 16 }
        sentinel.close()
        collected.drainToCompletion(hub)
        for _ in scripts { finished.wait() }
        #expect(failures.drain().isEmpty)

        // Which connection was which producer: the disconnect notice names the runs it held.
        var labels: [String: String] = [:]
        for (label, run) in collected.disconnected { if let run { labels[run] = label } }
        #expect(labels.count == 16)
        #expect(Set(labels.values).count == 16, "every producer has its own label")
        #expect(Set(labels.values) == Set((2...17).map { "unix:\(path)#\($0)" }))
        #expect(collected.connected.count == 17)

        // Every valid event of every producer, in order per run, attributed to its own run.
        let events = collected.events
        #expect(events.count == 16 * 51)
        #expect(events.allSatisfy { $0.runID != nil })
        for script in scripts {
            let mine = events.filter { $0.runID == script.run }
            #expect(mine == script.expectedEvents, "\(script.run)")
        }

        // Problems: the garbage producer's and the cut producer's, each naming its own source.
        var problemsBySource: [String: [String]] = [:]
        for problem in collected.problems { problemsBySource[problem.source, default: []].append(problem.description) }
        let garbageLabel = try #require(labels["p\(garbageProducer)"])
        let cutLabel = try #require(labels["p\(cutProducer)"])
        #expect(Set(problemsBySource.keys) == [garbageLabel, cutLabel], "no other producer has a problem")
        #expect(problemsBySource[garbageLabel] == scripts[garbageProducer].expectedProblems.map { "\(garbageLabel): \($0)" })
        #expect(problemsBySource[cutLabel] == scripts[cutProducer].expectedProblems.map { "\(cutLabel): \($0)" })
        #expect(collected.problems.filter { $0.reason.hasPrefix("incomplete last line") }.map(\.source) == [cutLabel])
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed when the hub completes")
    }

    // MARK: - Control

    static let knobs = #"[{"name":"lr","value":0.1,"min":0,"max":1}]"#

    @Test func controlLinesAreCheckedAndForwardedToTheProducerOfTheRun() throws {
        let fixture = try HubFixture(token: "t0k")
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)

        let producer = try #require(RawClient.connect(path))
        producer.send(line: runLine("exp", knobs: Self.knobs))
        var collected = Collected()
        guard collected.drain(hub, until: { $0.events.contains { $0.typeName == "run" } }) else { return }
        let run = try #require(collected.events.first)
        guard case .run(let announced) = run else { Issue.record("expected the run event"); return }
        #expect(announced.run == "exp")
        #expect(announced.knobs == [KnobSpec(name: "lr", value: .number(0.1), min: 0, max: 1)])

        let script = try #require(RawClient.connect(path))
        func ask(_ line: String) -> String? {
            script.send(line: line)
            return script.readLine()
        }
        // 1: no token.
        let noToken = try #require(ask(#"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.5}"#))
        #expect(noToken.hasPrefix(#"{"ok":false,"line":1,"#) && noToken.contains("token"))
        #expect(noToken == #"{"ok":false,"line":1,"error":"refused: control lines need \"token\" (printed by trainscope at start as TRAINSCOPE_TOKEN)"}"#)
        // 2: wrong token.
        #expect(ask(#"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.5,"token":"nope"}"#)
                == #"{"ok":false,"line":2,"error":"refused: wrong token"}"#)
        // 3: the right token: performed, and the producer gets exactly the control line.
        #expect(ask(#"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.5,"token":"t0k"}"#) == #"{"ok":true,"line":3,"type":"set"}"#)
        #expect(producer.readLine() == #"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.5,"token":"t0k"}"#)
        // 4: a knob the run did not declare.
        #expect(ask(#"{"v":1,"type":"set","run":"exp","knob":"momentum","value":0.9,"token":"t0k"}"#)
                == #"{"ok":false,"line":4,"error":"run exp declared no knob 'momentum' (it declared lr)"}"#)
        // 5, 6: out of range.
        #expect(ask(#"{"v":1,"type":"set","run":"exp","knob":"lr","value":2,"token":"t0k"}"#)
                == #"{"ok":false,"line":5,"error":"lr: 2 is above the maximum 1"}"#)
        #expect(ask(#"{"v":1,"type":"set","knob":"lr","value":-0.5,"token":"t0k"}"#)
                == #"{"ok":false,"line":6,"error":"lr: -0.5 is below the minimum 0"}"#)
        // 7: pause without a run goes to the latest run.
        #expect(ask(#"{"v":1,"type":"pause","token":"t0k"}"#) == #"{"ok":true,"line":7,"type":"pause"}"#)
        #expect(producer.readLine() == #"{"v":1,"type":"pause","run":"exp","token":"t0k"}"#)
        // 8: fork is not among the default controls.
        #expect(ask(#"{"v":1,"type":"fork","run":"exp","knob":"lr","token":"t0k"}"#)
                == #"{"ok":false,"line":8,"error":"run exp does not take 'fork' (it takes pause, resume, set, stop)"}"#)
        // 9: a run nobody streams.
        #expect(ask(#"{"v":1,"type":"stop","run":"ghost","token":"t0k"}"#)
                == #"{"ok":false,"line":9,"error":"run ghost has no connected producer (files and stdin cannot be steered)"}"#)
        // 10: a malformed control line is a problem of the script's stream; a connection that has
        // sent no data gets a reply for it too, so a script waiting for one line per line never hangs.
        #expect(ask(#"{"v":1,"type":"set","run":"exp","token":"t0k"}"#)
                == #"{"ok":false,"line":10,"error":"line 10: missing required field \"knob\""}"#)
        // 11: the stream goes on after it.
        #expect(ask(#"{"v":1,"type":"resume","run":"exp","token":"t0k"}"#) == #"{"ok":true,"line":11,"type":"resume"}"#)
        #expect(producer.readLine() == #"{"v":1,"type":"resume","run":"exp","token":"t0k"}"#)

        // The dashboard's own path.
        #expect(throws: Never.self) { try hub.send(ControlMessage(.set(knob: "lr", value: .number(0.25)), run: "exp")).get() }
        #expect(producer.readLine() == #"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.25,"token":"t0k"}"#)
        #expect(throws: Never.self) { try hub.send(ControlMessage(.stop, token: "ignored")).get() }
        #expect(producer.readLine() == #"{"v":1,"type":"stop","run":"exp","token":"t0k"}"#)
        #expect(refusal(hub.send(ControlMessage(.set(knob: "lr", value: .choice("fast")), run: "exp"))) == "lr: expects a number, got 'fast'")
        #expect(refusal(hub.send(ControlMessage(.set(knob: "wd", value: .number(0)), run: "exp"))) == "run exp declared no knob 'wd' (it declared lr)")
        #expect(refusal(hub.send(ControlMessage(.step(count: 2), run: "exp"))) == "run exp does not take 'step' (it takes pause, resume, set, stop)")

        // Nothing else reached the producer: after it hangs up, the hub closes its side.
        producer.shutdownWrite()
        #expect(producer.readToEnd() == "")
        producer.close()
        script.close()
        collected.drainToCompletion(hub)
        #expect(collected.events.count == 1, "control lines are not data")
        #expect(collected.problems.map(\.description) == ["unix:\(path)#2: line 10: missing required field \"knob\""])
    }

    @Test func aReadOnlyHubRefusesAllControl() throws {
        let fixture = try HubFixture(token: nil)
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)

        let producer = try #require(RawClient.connect(path))
        producer.send(line: runLine("exp", knobs: Self.knobs))
        var collected = Collected()
        guard collected.drain(hub, until: { $0.events.contains { $0.typeName == "run" } }) else { return }

        let script = try #require(RawClient.connect(path))
        let lines = [
            #"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.5,"token":"t0k"}"#,
            #"{"v":1,"type":"set","run":"exp","knob":"lr","value":0.5}"#,
            #"{"v":1,"type":"pause","token":""}"#,
        ]
        for (i, line) in lines.enumerated() {
            script.send(line: line)
            #expect(script.readLine() == #"{"ok":false,"line":\#(i + 1),"error":"control is disabled (--read-only)"}"#)
        }
        #expect(refusal(hub.send(ControlMessage(.pause, run: "exp"))) == "control is disabled (--read-only)")
        #expect(refusal(hub.send(ControlMessage(.set(knob: "lr", value: .number(0.5)), run: "exp", token: "t0k"))) == "control is disabled (--read-only)")

        producer.shutdownWrite()
        #expect(producer.readToEnd() == "", "nothing was forwarded")
        producer.close()
        script.close()
        collected.drainToCompletion(hub)
        #expect(collected.problems.isEmpty)
    }

    /// A producer that starts a line and never finishes it holds up nobody: the others' events
    /// arrive while it is still connected, and its half line is reported once it hangs up.
    @Test func aSlowProducerThatNeverFinishesALineHoldsUpNobody() throws {
        let fixture = try HubFixture(token: nil)
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)
        let slow = try #require(RawClient.connect(path))
        slow.send(line: runLine("slow"))
        slow.send(Array(#"{"v":1,"type":"scalars","step":1,"values":{"lo"#.utf8))
        var collected = Collected()
        guard collected.drain(hub, until: { $0.events.count == 1 }) else { return }
        let others = try (0..<2).map { i in
            let client = try #require(RawClient.connect(path))
            client.send(line: runLine("fast\(i)"))
            for step in 0..<20 { client.send(line: #"{"v":1,"type":"scalars","step":\#(step),"values":{"loss":\#(step)}}"#) }
            return client
        }
        guard collected.drain(hub, until: { $0.events.count == 1 + 2 * 21 }) else { return }
        #expect(collected.problems.isEmpty, "nothing is wrong while the slow producer is still writing")
        others.forEach { $0.close() }
        slow.close()
        collected.drainToCompletion(hub)
        #expect(collected.problems.map(\.description) == ["unix:\(path)#1: line 2, column 44: incomplete last line (no newline): unterminated string"])
    }

    // MARK: - Run id clashes

    @Test func aSecondProducerClaimingALiveRunIdIsShownAsIDNumbered() throws {
        let fixture = try HubFixture(token: "t0k")
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)
        var collected = Collected()

        let first = try #require(RawClient.connect(path))
        first.send(line: runLine("exp"))
        first.send(line: #"{"v":1,"type":"scalars","step":1,"values":{"loss":1}}"#)
        guard collected.drain(hub, until: { $0.events.count == 2 }) else { return }

        let second = try #require(RawClient.connect(path))
        second.send(line: runLine("exp", knobs: Self.knobs))
        second.send(line: #"{"v":1,"type":"scalars","step":1,"values":{"loss":2}}"#)
        second.send(line: #"{"v":1,"type":"scalars","run":"exp","step":2,"values":{"loss":3}}"#)
        second.send(line: #"{"v":1,"type":"knob","run":"exp","step":2,"name":"lr","old":0.1,"new":0.2}"#)
        guard collected.drain(hub, until: { $0.events.count == 6 }) else { return }

        let third = try #require(RawClient.connect(path))
        third.send(line: runLine("exp"))
        third.send(line: #"{"v":1,"type":"scalars","step":1,"values":{"loss":4}}"#)
        guard collected.drain(hub, until: { $0.events.count == 8 }) else { return }

        first.send(line: #"{"v":1,"type":"scalars","step":2,"values":{"loss":5}}"#)
        guard collected.drain(hub, until: { $0.events.count == 9 }) else { return }

        #expect(collected.events == [
            .run(RunEvent(run: "exp")),
            .scalars(ScalarsEvent(run: "exp", step: 1, values: ["loss": 1])),
            .run(RunEvent(run: "exp#2", knobs: [KnobSpec(name: "lr", value: .number(0.1), min: 0, max: 1)])),
            .scalars(ScalarsEvent(run: "exp#2", step: 1, values: ["loss": 2])),
            .scalars(ScalarsEvent(run: "exp#2", step: 2, values: ["loss": 3])),
            .knob(KnobEvent(run: "exp#2", step: 2, name: "lr", old: .number(0.1), new: .number(0.2))),
            .run(RunEvent(run: "exp#3")),
            .scalars(ScalarsEvent(run: "exp#3", step: 1, values: ["loss": 4])),
            .scalars(ScalarsEvent(run: "exp", step: 2, values: ["loss": 5])),
        ])
        for n in [2, 3] {
            // The notice names the new producer, the one holding the id, and the id shown.
            #expect(collected.notices.contains { $0.contains("unix:\(path)#\(n)") && $0.contains("unix:\(path)#1") && $0.contains("exp#\(n)") },
                    "\(collected.notices)")
        }

        // Control for the renamed run reaches its producer under the id that producer knows.
        #expect(throws: Never.self) { try hub.send(ControlMessage(.pause, run: "exp#2")).get() }
        #expect(second.readLine() == #"{"v":1,"type":"pause","run":"exp","token":"t0k"}"#)
        // The knob event updated the cached value, and the range is the second producer's.
        #expect(refusal(hub.send(ControlMessage(.set(knob: "lr", value: .number(1.5)), run: "exp#2"))) == "lr: 1.5 is above the maximum 1")
        #expect(refusal(hub.send(ControlMessage(.set(knob: "lr", value: .number(0.5)), run: "exp"))) == "run exp declared no knob 'lr' (it declared none)")

        // A sentinel holds the hub open until the three disconnect notices are in.
        let sentinel = try #require(RawClient.connect(path))
        guard collected.drain(hub, until: { $0.connected.contains("unix:\(path)#4") }) else { return }
        for client in [first, second, third] { client.shutdownWrite() }
        #expect(first.readToEnd() == "")
        #expect(second.readToEnd() == "")
        #expect(third.readToEnd() == "")
        for client in [first, second, third] { client.close() }
        _ = collected.drain(hub) { $0.disconnected.count == 3 }
        sentinel.close()
        collected.drainToCompletion(hub)
        let held = collected.disconnected.filter { $0.label != "unix:\(path)#4" }
        #expect(held.map(\.label) .sorted() == (1...3).map { "unix:\(path)#\($0)" })
        #expect(Dictionary(uniqueKeysWithValues: held.map { ($0.label, $0.run ?? "") })
                == ["unix:\(path)#1": "exp", "unix:\(path)#2": "exp#2", "unix:\(path)#3": "exp#3"])
        #expect(collected.problems.isEmpty)
    }

    /// A control message without `run` goes to the run announced most recently by a producer that
    /// is still connected, also after the latest one hangs up.
    @Test func controlWithoutARunGoesToTheLatestRunStillConnected() throws {
        let fixture = try HubFixture(token: "t0k")
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)
        var collected = Collected()
        var clients: [RawClient] = []
        // Announced in this order; "zeta" sorts last but is the oldest.
        for (i, run) in ["zeta", "alpha", "beta"].enumerated() {
            let client = try #require(RawClient.connect(path))
            client.send(line: runLine(run))
            clients.append(client)
            guard collected.drain(hub, until: { $0.events.count == i + 1 }) else { return }
        }
        #expect(throws: Never.self) { try hub.send(ControlMessage(.pause)).get() }
        #expect(clients[2].readLine() == #"{"v":1,"type":"pause","run":"beta","token":"t0k"}"#)

        clients[2].close()
        guard collected.drain(hub, until: { $0.disconnected.contains { $0.label == "unix:\(path)#3" && $0.run == "beta" } }) else { return }
        #expect(throws: Never.self) { try hub.send(ControlMessage(.resume)).get() }

        for client in clients.prefix(2) { client.shutdownWrite() }
        let received = clients.prefix(2).map { $0.readToEnd() }
        #expect(received == ["", #"{"v":1,"type":"resume","run":"alpha","token":"t0k"}"# + "\n"],
                "alpha was announced after zeta, so it is the latest run left")
        for client in clients.prefix(2) { client.close() }
        collected.drainToCompletion(hub)
    }

    // MARK: - Socket safety

    @Test func theSocketFileIsPrivateAndRemovedWhenTheHubCompletes() throws {
        let fixture = try HubFixture(token: "t0k")
        defer { fixture.close() }
        let (hub, path) = (fixture.hub, fixture.path)
        #expect(hub.listenAddresses == ["unix:\(path)"])
        let mode = try #require(fileMode(path))
        #expect(mode & S_IFMT == S_IFSOCK)
        #expect(mode & 0o7777 == 0o600)

        // A connection that never sends data is not a producer: it does not end the hub.
        let idle = try #require(RawClient.connect(path))
        idle.close()
        let client = try #require(RawClient.connect(path))
        client.send(line: runLine("solo"))
        client.close()
        var collected = Collected()
        collected.drainToCompletion(hub)
        #expect(collected.connected == ["unix:\(path)#1", "unix:\(path)#2"])
        #expect(collected.disconnected.map(\.label).sorted() == ["unix:\(path)#1", "unix:\(path)#2"])
        #expect(collected.disconnected.first { $0.label.hasSuffix("#2") }?.run == "solo")
        #expect(fileMode(path) == nil, "removed")
    }

    /// `unix:` alone is a stable per-user path, so a job still running finds a restarted dashboard.
    @Test func anEmptyUnixPathIsThePerUserDefaultThatARestartFindsAgain() throws {
        let scratch = TestPaths.scratchDirectory("default")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let environment = ["XDG_RUNTIME_DIR": scratch.path]
        let folder = scratch.path + "/trainscope", path = folder + "/default.sock"
        #expect(ListeningSocket.defaultSocketFolder(environment: environment) == folder)
        #expect(ListeningSocket.defaultSocketFolder(environment: ["XDG_RUNTIME_DIR": scratch.path + "/missing"]).hasPrefix("/tmp/trainscope-"))
        let first = try ListeningSocket(.unixSocket(path: ""), environment: environment)
        #expect(first.address == "unix:\(path)")
        #expect(try #require(fileMode(folder)) & 0o7777 == 0o700)
        #expect(try #require(fileMode(path)) & 0o7777 == 0o600)
        do throws(ListeningSocket.SetupError) {
            _ = try ListeningSocket(.unixSocket(path: ""), environment: environment)
            Issue.record("a second dashboard took the default socket of a live one")
        } catch {
            #expect(error.message == "\(path) is in use: another process listens on it")
        }
        let producer = try #require(RawClient.connect(path))
        first.close()
        producer.close()
        #expect(fileMode(path) == nil && fileMode(folder) != nil, "the socket goes, its folder stays")
        // A folder left open to others (made by hand) is made private again.
        #expect(chmod(folder, 0o755) == 0)
        let restarted = try ListeningSocket(.unixSocket(path: ""), environment: environment)
        #expect(restarted.address == "unix:\(path)" && fileMode(folder)! & 0o7777 == 0o700)
        let again = try #require(RawClient.connect(path), "the same path works after a restart")
        again.close()
        restarted.close()
    }

    @Test func aSocketInADirectoryOthersCanWriteIsRefused() throws {
        let scratch = TestPaths.scratchDirectory("hub")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for (name, mode, refused) in [("open", 0o777, true), ("group", 0o770, true), ("sticky", 0o1777, false), ("own", 0o700, false)] {
            let directory = scratch.path + "/" + name
            #expect(mkdir(directory, 0o700) == 0)
            #expect(chmod(directory, mode_t(mode)) == 0)
            let path = directory + "/s.sock"
            do throws(ListeningSocket.SetupError) {
                let socket = try ListeningSocket(.unixSocket(path: path))
                #expect(!refused, "\(name) accepted")
                #expect(socket.address == "unix:\(path)")
                socket.close()
                #expect(fileMode(path) == nil)
            } catch {
                #expect(refused, "\(name): \(error)")
                #expect(error.message == "\(directory) is writable by other users; put the socket in a private directory, or give unix: alone for the per-user default")
                #expect(fileMode(path) == nil, "nothing was created")
            }
        }
    }

    @Test func anExistingPathIsNotReplaced() throws {
        let (directory, path) = socketPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: ListeningSocket.SetupError.self) { try ListeningSocket(.unixSocket(path: path)) }
        do throws(ListeningSocket.SetupError) {
            _ = try ListeningSocket(.unixSocket(path: path))
        } catch {
            #expect(error.message == "\(path) already exists and is not a socket; remove it or choose another path")
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func aStaleSocketIsReplacedAndALiveOneRefused() throws {
        let (directory, path) = socketPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A socket file left by a killed process: bound once, never listened on again.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, byte) in path.utf8.enumerated() { raw[i] = byte } }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(bound == 0)
        close(stale)
        let listener = try ListeningSocket(.unixSocket(path: path))
        defer { listener.close() }
        // Now someone listens there: a second listener is refused, the first keeps its socket.
        do throws(ListeningSocket.SetupError) {
            _ = try ListeningSocket(.unixSocket(path: path))
            Issue.record("a live socket was replaced")
        } catch {
            #expect(error.message == "\(path) is in use: another process listens on it")
        }
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func tcpListensOnLoopbackOnlyUnlessABindHostIsGiven() throws {
        for host in ["0.0.0.0", "192.168.1.5"] {
            do throws(ListeningSocket.SetupError) {
                let socket = try ListeningSocket(.tcp(host: host, port: 7070))
                socket.close()
                Issue.record("\(host) accepted")
            } catch {
                #expect(error.message == "tcp://\(host):7070: trainscope listens on loopback only unless --listen \(host) is given")
            }
        }
        #expect(ListeningSocket.isLoopback("localhost"))
        #expect(ListeningSocket.isLoopback("127.0.0.1"))
        #expect(!ListeningSocket.isLoopback("0.0.0.0"))
        #expect(!ListeningSocket.isLoopback("::"))
    }

    @Test func aHubThatCannotOpenEverySourceClosesTheOnesItOpened() throws {
        let (directory, path) = socketPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hub = IngestHub(mode: .once, token: "t0k")
        do throws(ListeningSocket.SetupError) {
            try hub.open([.unixSocket(path: path), .tcp(host: "10.1.2.3", port: 7070)])
            Issue.record("opened a non-loopback TCP source")
            hub.stop()
        } catch {
            #expect(error.message == "tcp://10.1.2.3:7070: trainscope listens on loopback only unless --listen 10.1.2.3 is given")
        }
        #expect(fileMode(path) == nil, "the Unix socket opened first was closed and removed")
        #expect(hub.listenAddresses.isEmpty)
    }
}

extension IngestHubSocketTests {
    // MARK: - Races (these repeat a race many times; each round can expose it)

    /// Every producer's "disconnected" notice reaches the queue, even when all hang up at once.
    ///
    /// `serve` removes its connection from `connections`, and only then posts the notice: another
    /// producer's `checkCompletion` in between sees no connection left, completes the `.once` hub and
    /// closes the queue, and the late notice is dropped.
    @Test func everyDisconnectNoticeArrivesWhenProducersHangUpTogether() throws {
        let producers = 64
        for round in 0..<60 {
            let (directory, path) = socketPath()
            defer { try? FileManager.default.removeItem(at: directory) }
            let hub = IngestHub(mode: .once, token: nil)
            try hub.open([.unixSocket(path: path)])
            let watchdog = Watchdog(hub)
            defer { watchdog.finish() }
            var clients: [RawClient] = []
            for i in 0..<producers {
                // A connection counts as a producer once it has sent data.
                let client = try #require(RawClient.connect(path))
                client.send(line: runLine("p\(i)"))
                clients.append(client)
            }
            var collected = Collected()
            guard collected.drain(hub, until: { $0.connected.count == producers && $0.events.count == producers }) else { return }
            let release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
            for client in clients {
                Thread {
                    release.wait()
                    client.close()
                    finished.signal()
                }.start()
            }
            for _ in clients { release.signal() }
            collected.drainToCompletion(hub)
            for _ in clients { finished.wait() }
            let disconnected = collected.disconnected
            #expect(disconnected.count == producers, "round \(round): \(producers - disconnected.count) disconnect notices lost")
            if disconnected.count != producers { return }
        }
    }

    /// Opening sockets on several threads at once leaves the process umask as it was, and every
    /// socket 0600.
    ///
    /// An earlier `ListeningSocket` set the process-wide umask to 0177 around `bind` and restored the
    /// value it read: two threads interleaving restored each other's 0177 for good.
    @Test func concurrentSocketsKeepTheUmask() {
        let original = umask(0o022)
        umask(original)
        defer { umask(original) }
        let threads = 8, perThread = 25
        let start = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        let wrong = Mailbox<String>(capacity: threads * perThread * 2)
        let scratch = TestPaths.scratchDirectory("umask")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for thread in 0..<threads {
            Thread {
                defer { finished.signal() }
                start.wait()
                for i in 0..<perThread {
                    do throws(ListeningSocket.SetupError) {
                        let socket = try ListeningSocket(.unixSocket(path: scratch.path + "/\(thread)-\(i).sock"))
                        let path = String(socket.address.dropFirst(5))
                        if let mode = fileMode(path), mode & 0o7777 != 0o600 { wrong.post("\(path): \(String(mode & 0o7777, radix: 8))") }
                        socket.close()
                    } catch {
                        wrong.post("\(error)")
                    }
                }
            }.start()
        }
        for _ in 0..<threads { start.signal() }
        for _ in 0..<threads { finished.wait() }
        let after = umask(original)
        #expect(after == original, "the umask is \(String(after, radix: 8)) after opening sockets, was \(String(original, radix: 8))")
        let problems = wrong.drain()
        #expect(problems.isEmpty, "\(problems.count) wrong: \(problems.prefix(3))")
    }
}

private func refusal(_ result: Result<Void, ControlRefusal>) -> String? {
    if case .failure(let refusal) = result { return refusal.message }
    return nil
}

/// Out of descriptors, a socket source waits and goes on accepting; nobody's data is lost.
@Suite struct DescriptorExhaustionTests {
    @Test func producersBeyondTheDescriptorLimitAreServedWhenOthersLeave() throws {
        let dir = TestPaths.scratchDirectory()
        chmod(dir.path, 0o700)
        let path = dir.appendingPathComponent("p.sock").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 30 descriptors beyond those the child inherits (the test process has many open), soft and
        // hard: about 20 producers fit at once.
        process.arguments = ["-c", "n=$(ls /proc/$$/fd | wc -l); ulimit -n $((n + 30)) && exec \"$0\" snapshot unix:\(path) --format csv --wait 60",
                             CommandRunner.binary.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var waited = 0
        while !FileManager.default.fileExists(atPath: path) && waited < 5000 { usleep(10_000); waited += 10 }
        // 60 producers connect and each sends one line; the ones beyond the limit wait in the backlog.
        var clients: [Int32] = []
        for i in 0..<60 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (j, byte) in path.utf8.enumerated() { raw[j] = byte } }
            // The path appears at bind, a moment before listen: until then a connect is refused.
            var connected: Int32 = -1
            for _ in 0..<500 {
                connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
                if connected == 0 || errno != ECONNREFUSED { break }
                usleep(10_000)
            }
            #expect(connected == 0, "producer \(i)")
            let line = Array(#"{"v":1,"type":"scalars","run":"p\#(i)","step":1,"values":{"loss":\#(i)}}"#.utf8) + [0x0A]
            _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            clients.append(fd)
        }
        // They leave one by one, oldest first, so the waiting ones get descriptors.
        for fd in clients { close(fd); usleep(20_000) }
        let csv = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let runs = Set(csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" })
        #expect(runs == Set((0..<60).map { "p\($0)" }), "every producer's line arrived (\(runs.count) of 60)")
    }
}
