import Foundation
import Testing
import Telemetry
import TestSupport

/// A line-oriented client of the control channel's Unix socket.
final class ControlClient {
    private let fd: Int32
    private var buffered: [UInt8] = []

    init?(path: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if ok != 0 { close(fd); return nil }
    }

    deinit { close(fd) }

    /// Sends one line and returns the reply line.
    func send(_ line: String) -> String {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffered.contains(0x0A) {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return "" }
            buffered += chunk[0..<n]
        }
        let end = buffered.firstIndex(of: 0x0A)!
        defer { buffered.removeFirst(end + 1) }
        return String(decoding: buffered[..<end], as: UTF8.self)
    }
}

@Suite struct ControlChannelTests {
    @Test func aScriptedSessionSteersAHeadlessRunOverAUnixSocket() throws {
        let dir = TestPaths.scratchDirectory()
        let socketPath = dir.appendingPathComponent("c.sock").path, recording = dir.appendingPathComponent("run.jsonl").path
        final class Box: @unchecked Sendable { var output: CommandRunner.Output? }
        let box = Box()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.output = try? CommandRunner.run(["run", "--preset", "eos", "--steps", "100000", "--headless", "--set", "spectrum_every=0", "--set", "density_every=0",
                                                 "--control", "unix:\(socketPath)", "--record", recording],
                                                 environment: ["TRAINSCOPE_TOKEN": "t0k"])
            finished.signal()
        }
        var client: ControlClient?
        for _ in 0..<200 where client == nil {
            client = ControlClient(path: socketPath)
            if client == nil { usleep(50_000) }
        }
        let c = try #require(client, "no control socket at \(socketPath)")
        var info = stat()
        #expect(stat(socketPath, &info) == 0 && info.st_mode & 0o777 == 0o600, "the socket is private to its owner")

        #expect(c.send(#"{"v":1,"type":"set","knob":"lr","value":0.5}"#) == #"{"ok":false,"line":1,"error":"refused: control lines need \"token\" (printed by trainscope at start as TRAINSCOPE_TOKEN)"}"#)
        #expect(c.send(#"{"v":1,"type":"set","knob":"lr","value":0.5,"token":"guess"}"#) == #"{"ok":false,"line":2,"error":"refused: wrong token"}"#)
        #expect(c.send(#"{"v":1,"type":"set","knob":"lr","value":0.25,"token":"t0k"}"#) == #"{"ok":true,"line":3,"type":"set"}"#)
        #expect(c.send(#"{"v":1,"type":"set","knob":"lr","value":-1,"token":"t0k"}"#) == #"{"ok":false,"line":4,"error":"lr must be in (0, 100], got -1"}"#)
        #expect(c.send(#"{"v":1,"type":"set","knob":"lr","value":"fast","token":"t0k"}"#) == #"{"ok":false,"line":5,"error":"lr must be a number, got string"}"#)
        #expect(c.send(#"{"v":1,"type":"set","knob":"lr""#).hasPrefix(#"{"ok":false,"line":6,"error":"line 6, column 32: "#))
        #expect(c.send(#"{"v":1,"type":"scalars","step":1,"values":{}}"#).contains(#""error":"'scalars' is not a control message"#))
        #expect(c.send(#"{"v":1,"type":"pause","token":"t0k"}"#) == #"{"ok":true,"line":8,"type":"pause"}"#)
        #expect(c.send(#"{"v":1,"type":"rollback","token":"t0k"}"#) == #"{"ok":true,"line":9,"type":"rollback"}"#)
        #expect(c.send(#"{"v":1,"type":"rollback","token":"t0k"}"#).contains("nothing to undo"))
        #expect(c.send(#"{"v":1,"type":"stop","token":"t0k"}"#) == #"{"ok":true,"line":11,"type":"stop"}"#)
        #expect(finished.wait(timeout: .now() + 60) == .success)
        #expect(box.output?.status == 0, "\(box.output?.stderr ?? "")")
        #expect(!FileManager.default.fileExists(atPath: socketPath), "the socket file is removed at the end")

        let events = try Recording(path: recording).events
        let knobs = events.compactMap { if case .knob(let k) = $0 { k } else { nil } }
        #expect(knobs.count == 1 && knobs[0].new == .number(0.25) && knobs[0].by == "control", "refused values never reach the engine")
        let runs = events.compactMap { if case .run(let r) = $0 { r } else { nil } }
        #expect(runs.map(\.run) == ["eos-s0", "eos-s0~1"] && runs[1].parent == "eos-s0")
    }

    @Test(arguments: [
        (["run", "--headless", "--control", "tcp://0.0.0.0:7070", "--steps", "1"], "listens on loopback only"),
        (["run", "--control", "unix:/tmp/x.sock", "--steps", "1"], "--control goes with --headless"),
        (["run", "--headless", "--control", "stdin-please", "--steps", "1"], "--control"),
        (["run", "--headless", "--fork", "lr:0,2:10", "--steps", "1"], "'--fork <knob:f1,f2,…:steps>': expected KNOB:F1,F2,…:STEPS"),
        (["run", "--headless", "--fork", "seed:2:10", "--steps", "1"], "'--fork <knob:f1,f2,…:steps>': expected KNOB:F1,F2,…:STEPS"),
    ])
    func badControlAddressesAreRefused(_ arguments: [String], _ message: String) throws {
        let out = try CommandRunner.run(arguments)
        #expect(out.status == 2 && out.stderr.contains(message), "\(out.stderr)")
    }
}

@Suite struct RulesCommandTests {
    func rulesFile(_ text: String) throws -> String {
        let path = TestPaths.scratchDirectory().appendingPathComponent("rules.txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A rule kicks the learning rate to 60 at step 30 (a deliberate blow-up); another rolls back
    /// and halves it when the loss stops being finite.
    @Test func aRollbackAndHalveRuleRescuesADivergingRun() throws {
        let kick = "kick: when step >= 30 then set lr = 60\n"
        let rescue = "rescue: when train/loss is nan then rollback, scale lr by 0.5\n"
        let dir = TestPaths.scratchDirectory()
        let unsaved = try CommandRunner.run(["run", "--preset", "teacher-student", "--steps", "60", "--headless",
                                             "--rules", try rulesFile(kick), "--record", dir.appendingPathComponent("a.jsonl").path])
        #expect(unsaved.status == 1 && unsaved.stdout.contains("phase diverged at step 38:"), "without the rescue the run diverges")

        let recording = dir.appendingPathComponent("b.jsonl").path
        let saved = try CommandRunner.run(["run", "--preset", "teacher-student", "--steps", "60", "--headless",
                                           "--rules", try rulesFile(kick + rescue), "--record", recording])
        #expect(saved.status == 0, "\(saved.stdout)\(saved.stderr)")
        let events = try Recording(path: recording).events
        let knobs = events.compactMap { if case .knob(let k) = $0 { "\(k.run!)@\(k.step): \(k.name) \(k.old!) → \(k.new) by \(k.by)" } else { nil } }
        #expect(knobs == ["teacher-student-s0@30: lr 0.05 → 60 by rule:kick", "teacher-student-s0~1@30: lr 0.05 → 0.025 by rule:rescue"])
        let last = events.compactMap { if case .scalars(let s) = $0 { s } else { nil } }.last!
        #expect(last.step == 60 && last.values["train/loss"]!.isFinite && last.values["train/loss"]! < 0.05)
        #expect(saved.stdout.contains("run teacher-student-s0 rescued: it goes on as teacher-student-s0~1"))
    }

    @Test(arguments: [
        ("x: when a > 1 then explode\n", "rules.txt:1:20: unknown action 'explode'"),
        ("x: when a > 1 then set learning_rate = 1\n", "'learning_rate' is not a knob"),
        ("x: when a > 1 then pause\n", "a pause action needs a way to resume"),
    ])
    func badRulesStopTheRunBeforeItStarts(_ text: String, _ message: String) throws {
        let dir = TestPaths.scratchDirectory()
        let path = dir.appendingPathComponent("rules.txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let recording = dir.appendingPathComponent("r.jsonl").path
        let out = try CommandRunner.run(["run", "--headless", "--steps", "5", "--rules", path, "--record", recording], currentDirectory: dir)
        #expect(out.status == 2 && out.stderr.contains(message), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: recording), "the run did not start")
    }
}

/// A headless run with a control socket leaves no socket file behind, whatever signal ends it.
@Suite struct ControlSocketCleanupTests {
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func theSocketFileIsRemovedWhenASignalEndsTheRun(_ signal: Int32) throws {
        let dir = TestPaths.scratchDirectory()
        chmod(dir.path, 0o700)
        let path = dir.appendingPathComponent("c.sock").path
        let process = Process()
        process.executableURL = CommandRunner.binary
        process.arguments = ["run", "--headless", "--steps", "100000000", "--control", "unix:\(path)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Whatever happens below, the run (100M steps) does not outlive the test.
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The socket appears once the run listens (polled: the child's start-up is not ours to time).
        var waited = 0
        while !FileManager.default.fileExists(atPath: path) && waited < 3000 && process.isRunning {
            usleep(10_000)
            waited += 10
        }
        #expect(FileManager.default.fileExists(atPath: path))
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is gone")
    }
}
