import Foundation
import Testing
import TestSupport

/// The real binary in a real terminal (tmux): panels on screen, resizes, quit, terminal restored.
@Suite(.serialized) struct TmuxEndToEndTests {
    static let tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs one tmux command on this test's private server through the shell (`system` reaps it with
    /// waitpid; the server tmux starts keeps no pipe of ours open) and returns its output.
    func tmux(_ arguments: [String]) throws -> String {
        let output = TestPaths.scratchDirectory("tmux").appendingPathComponent("out").path
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let run = "\(Self.tmuxPath!) -L trainscope-tests-\(getpid())"
        _ = system("\(run) \(quoted) >\(output) 2>/dev/null </dev/null")
        // A server killed by the previous test may still be shutting down and refuse the new
        // session: try again (bounded) until the session exists.
        if arguments.first == "new-session", let name = arguments.firstIndex(of: "-s").map({ arguments[$0 + 1] }) {
            for _ in 0..<50 where system("\(run) has-session -t '\(name)' >/dev/null 2>&1 </dev/null") != 0 {
                usleep(100_000)
                _ = system("\(run) \(quoted) >\(output) 2>/dev/null </dev/null")
            }
        }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// The exit status the shell wrote to `file`, waiting up to `seconds` for it (the file can exist
    /// a moment before its content does).
    func exitStatus(_ file: String, seconds: Int = 10) -> String? {
        for _ in 0..<(seconds * 10) {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            usleep(100_000)
        }
        return nil
    }

    /// Starts `replay SAMPLE --fast` in a 120×40 tmux session; returns the file its exit status goes to.
    func startReplay(_ sample: String, _ name: String = #function) throws -> String {
        let exitFile = TestPaths.scratchDirectory(name).appendingPathComponent("exit").path
        let command = "\(CommandRunner.binary.path) replay \(TestPaths.sample(sample)) --fast; echo $? > \(exitFile); sleep 30"
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command])
        return exitFile
    }

    /// Polls `condition` on the captured screen for up to 10 seconds.
    func waitForScreen(_ condition: (String) -> Bool) throws -> String {
        var screen = ""
        for _ in 0..<100 {
            screen = try tmux(["capture-pane", "-p", "-t", "t"])
            if condition(screen) { return screen }
            usleep(100_000)
        }
        return screen
    }

    /// `watch` on a socket: a producer's run appears, a knob typed in the knobs panel reaches the
    /// producer as a control line with the session token, and quitting leaves the producer running.
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func watchSteersASocketProducerFromTheKeyboard() throws {
        let dir = TestPaths.scratchDirectory()
        let socketPath = dir.appendingPathComponent("w.sock").path, exitFile = dir.appendingPathComponent("exit").path
        let command = "cd \(dir.path) && TRAINSCOPE_TOKEN=e2e-token \(CommandRunner.binary.path) watch unix:\(socketPath); echo $? > \(exitFile); sleep 30"
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command])
        defer { _ = try? tmux(["kill-server"]) }

        var fd: Int32 = -1
        for _ in 0..<100 where fd < 0 {
            let candidate = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in socketPath.utf8.enumerated() { raw[i] = b } }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(candidate, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if connected == 0 { fd = candidate } else { close(candidate); usleep(100_000) }
        }
        try #require(fd >= 0, "watch never listened on \(socketPath)")
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var lines = #"{"v":1,"type":"run","run":"ext","knobs":[{"name":"lr","value":0.1,"min":0.0001,"max":1,"scale":"log"}]}"# + "\n"
        for step in 0..<200 { lines += #"{"v":1,"type":"scalars","step":\#(step),"values":{"train/loss":\#(1.0 / Double(step + 1))}}"# + "\n" }
        _ = Array(lines.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }

        let screen = try waitForScreen { $0.contains("step 199") && $0.contains("control token") }
        #expect(screen.contains("│ ext │") || screen.contains(" ext "), "the producer's run is shown")
        #expect(screen.contains("control token: your TRAINSCOPE_TOKEN"), "the events panel says where the token is")
        #expect(!screen.contains("e2e-token"), "the token itself never reaches a frame")
        // Nor a snapshot of the screen (`S` writes the screen's SVG, the figure SVG and a JSON file in the working directory).
        _ = try tmux(["send-keys", "-t", "t", "S"])
        _ = try waitForScreen { $0.contains("snapshot: ") }
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".svg") || $0.hasSuffix(".json") }
        #expect(written.count == 3 && written.contains { $0.hasSuffix(".figure.svg") }, "\(written)")
        for name in written {
            let text = try String(contentsOfFile: dir.appendingPathComponent(name).path, encoding: .utf8)
            #expect(!text.contains("e2e-token"), "\(name) carries no token")
        }
        // With curves, knobs and events on screen, one Tab focuses the knobs panel.
        _ = try tmux(["send-keys", "-t", "t", "Tab"])
        #expect(try waitForScreen { $0.contains("←/→ nudge") }.contains("←/→ nudge"), "the knobs panel has focus")
        _ = try tmux(["send-keys", "-t", "t", "e"])
        _ = try tmux(["send-keys", "-t", "t"] + Array(repeating: "BSpace", count: 8))  // the field starts with the current value
        _ = try tmux(["send-keys", "-t", "t", "-l", "0.5"])
        _ = try tmux(["send-keys", "-t", "t", "Enter"])

        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !received.contains(0x0A) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        #expect(String(decoding: received, as: UTF8.self) == #"{"v":1,"type":"set","run":"ext","knob":"lr","value":0.5,"token":"e2e-token"}"# + "\n")

        _ = try tmux(["send-keys", "-t", "t", "q"])
        #expect(exitStatus(exitFile) == "0")
        #expect(!FileManager.default.fileExists(atPath: socketPath), "the socket file is removed at exit")
        let after = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        #expect(after == 0, "quitting hangs up without a stop line")
    }

    /// The stop key: X asks, y confirms, and a Python producer (the real client) sees
    /// `stop_requested` and ends its loop; the dashboard marks the run stopped.
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func theStopKeyStopsAPythonProducerAfterConfirmation() throws {
        let dir = TestPaths.scratchDirectory()
        let socketPath = dir.appendingPathComponent("s.sock").path, stoppedFile = dir.appendingPathComponent("stopped").path
        let command = "TRAINSCOPE_TOKEN=e2e-stop \(CommandRunner.binary.path) watch unix:\(socketPath); sleep 30"
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command])
        defer { _ = try? tmux(["kill-server"]) }
        let script = """
        import sys, time
        sys.path.insert(0, \(String(reflecting: TestPaths.repositoryRoot.appendingPathComponent("python/src").path)))
        from trainscope import Client
        ts = Client(url="unix:" + sys.argv[1], run="job", token="e2e-stop")
        step = 0
        deadline = time.time() + 60
        while not ts.stop_requested and time.time() < deadline:
            ts.log(step, {"train/loss": 1.0 / (step + 1)})
            step += 1
            time.sleep(0.01)
        open(sys.argv[2], "w").write("stop_requested=%s" % ts.stop_requested)
        ts.close()
        """
        let producer = Process()
        producer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        producer.arguments = ["python3", "-c", script, socketPath, stoppedFile]
        try producer.run()
        defer { if producer.isRunning { producer.terminate() } }
        #expect(try waitForScreen { $0.contains("│ job │") }.contains("│ job │"), "the producer's run is shown")
        _ = try tmux(["send-keys", "-t", "t", "X"])
        #expect(try waitForScreen { $0.contains("Stop job?") }.contains("y stops it"), "the stop key asks first")
        _ = try tmux(["send-keys", "-t", "t", "y"])
        #expect(exitStatus(stoppedFile, seconds: 20) == "stop_requested=True", "the producer saw stop_requested")
        #expect(try waitForScreen { $0.contains("■ stopped") }.contains("■ stopped"))
        producer.waitUntilExit()
        #expect(producer.terminationStatus == 0)
    }

    /// `python train.py | trainscope watch -`: events on standard input, keys from the terminal.
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func watchReadsAPipeAndStillTakesKeys() throws {
        let exitFile = TestPaths.scratchDirectory().appendingPathComponent("exit").path
        let command = "cat \(TestPaths.sample("runs/grokking.jsonl")) | \(CommandRunner.binary.path) watch -; echo $? > \(exitFile); sleep 30"
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command])
        defer { _ = try? tmux(["kill-server"]) }
        let screen = try waitForScreen { $0.contains("step 3000") && $0.contains("stdin") }
        #expect(screen.contains("step 3000") && screen.contains("stdin"), "the piped run is drawn:\n\(screen)")
        _ = try tmux(["send-keys", "-t", "t", "?"])
        #expect(try waitForScreen { $0.contains("╭ Keys") }.contains("╭ Keys"), "keys are read from the terminal, not the pipe")
        _ = try tmux(["send-keys", "-t", "t", "Escape", "q"])
        #expect(exitStatus(exitFile) == "0")
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func replayDrawsPanelsSurvivesResizesAndRestoresTheTerminal() throws {
        let exitFile = try startReplay("runs/grokking.jsonl")
        defer { _ = try? tmux(["kill-server"]) }

        // The default run's four views, its knobs and its events.
        let titles = ["╭ Curves", "╭ Grokking", "╭ Hessian", "╭ Pareto", "╭ Knobs", "╭ Events"]
        // Each wait asks for everything it then checks: a capture can land between two halves of a frame.
        let screen = try waitForScreen { s in s.contains("step 3000/3000") && titles.allSatisfy { s.contains($0) } && s.contains("generalized 1560") }
        for title in titles { #expect(screen.contains(title), "no \(title) panel") }
        #expect(screen.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "no braille cells on screen")
        #expect(screen.contains("memorized 166 · generalized 1560"))
        #expect(try tmux(["display", "-p", "-t", "t", "#{alternate_on}"]).hasPrefix("1"))

        _ = try tmux(["send-keys", "-t", "t", "?"])
        #expect(try waitForScreen { $0.contains("╭ Keys") && $0.contains("pause or resume the run") }.contains("pause or resume the run"))
        _ = try tmux(["send-keys", "-t", "t", "Escape"])
        #expect(!(try waitForScreen { !$0.contains("╭ Keys") }).contains("╭ Keys"))
        _ = try tmux(["send-keys", "-t", "t", "Tab", "Enter"])
        let zoomed = try waitForScreen { !$0.contains("╭ Curves") && $0.contains("╭ Grokking") }
        #expect(zoomed.contains("╭ Grokking") && !zoomed.contains("╭ Events"), "Tab then Enter zooms the grokking panel")
        _ = try tmux(["send-keys", "-t", "t", "Enter"])
        #expect(try waitForScreen { $0.contains("╭ Curves") && $0.contains("╭ Events") }.contains("╭ Events"))

        _ = try tmux(["resize-window", "-t", "t", "-x", "40", "-y", "12"])
        let small = try waitForScreen { $0.contains("╭ Curves") && !$0.contains("╭ Knobs") }
        #expect(small.contains("╭ Curves") && !small.contains("terminal too small"))
        _ = try tmux(["resize-window", "-t", "t", "-x", "39", "-y", "11"])
        #expect(try waitForScreen { $0.contains("terminal too small") }.contains("39×11, needs 40×12"))
        _ = try tmux(["resize-window", "-t", "t", "-x", "200", "-y", "60"])
        let large = try waitForScreen { $0.contains("╭ Knobs") && $0.contains("╭ Events") && $0.contains("╭ Grokking") }
        #expect(large.contains("╭ Knobs") && large.contains("╭ Events") && large.contains("╭ Grokking"))

        _ = try tmux(["send-keys", "-t", "t", "q"])
        #expect(exitStatus(exitFile) == "0")
        #expect(try tmux(["display", "-p", "-t", "t", "#{alternate_on}"]).hasPrefix("0"), "the terminal did not leave the alternate screen")
    }

    /// A 20-run sweep: the runs panel lists every run; isolating one leaves only its lines.
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func theRunsPanelIsolatesOneRunOfASweep() throws {
        let exitFile = try startReplay("runs/sweep.jsonl")
        defer { _ = try? tmux(["kill-server"]) }
        let all = try waitForScreen { $0.contains("sweep-w128-lr0.01-s1 │ step 1500/1500") && $0.contains("+20 more") }
        #expect(all.contains("+20 more"), "20 runs on each chart")
        _ = try tmux(["send-keys", "-t", "t", "r"])
        let runs = try waitForScreen { $0.contains("╭ Runs · 20") && $0.contains("w128-lr0.01-s1") }
        #expect(runs.contains("w64-lr0.001-s0") && runs.contains("w128-lr0.01-s1"))
        _ = try tmux(["send-keys", "-t", "t", "j", "j", "j", "i"])
        // "+N more" of other runs is gone; a chart of several metrics still says "+N more" of its metrics.
        let isolated = try waitForScreen { $0.contains("only sweep-w64-lr0.002-s0") && !$0.contains("+19 more") }
        #expect(isolated.contains("╭ Curves · sweep-w64-lr0.002-s0 ·"), "the curves name the one run")
        // The curves panel is the left 52 columns of a 120-wide grid.
        let curves = isolated.split(separator: "\n").dropFirst().map { String($0.prefix(52)) }
        #expect(isolated.contains("━ train/loss") && !curves.contains { $0.contains("+19 more") || $0.contains("w128") || $0.contains("@") },
                "only that run's lines")
        _ = try tmux(["send-keys", "-t", "t", "i"])
        #expect(try waitForScreen { $0.contains("+19 more") }.contains("━ w64-lr0.002-s0"), "again: every run, the selected one first")
        _ = try tmux(["send-keys", "-t", "t", "q"])
        #expect(exitStatus(exitFile) == "0")
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func sigtermRestoresTheTerminal() throws {
        let exitFile = TestPaths.scratchDirectory().appendingPathComponent("exit").path
        let command = "\(CommandRunner.binary.path) replay \(TestPaths.sample("runs/eos.jsonl")) --fast; echo $? > \(exitFile); sleep 30"
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "100", "-y", "30", command])
        defer { _ = try? tmux(["kill-server"]) }
        #expect(try waitForScreen { $0.contains("╭ Hessian") }.contains("╭ Hessian"))
        let shell = try tmux(["display", "-p", "-t", "t", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = system("pkill -TERM -P \(shell) trainscope")
        #expect(exitStatus(exitFile) == "143", "killed by SIGTERM (128 + 15)")
        #expect(try tmux(["display", "-p", "-t", "t", "#{alternate_on}"]).hasPrefix("0"), "the terminal did not leave the alternate screen")
    }

    /// Quitting while the trainer thread is inside a step once crashed at exit (status 139): the
    /// runtime now waits for the step to end.
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func quittingALiveTrainingRunExitsCleanly() throws {
        defer { _ = try? tmux(["kill-server"]) }
        for attempt in 0..<3 {
            // One session per attempt on the same server: restarting a just-killed server can race.
            let session = "quit\(attempt)"
            let exitFile = TestPaths.scratchDirectory(session).appendingPathComponent("exit").path
            let command = "\(CommandRunner.binary.path) run --preset grokking --steps 100000; echo $? > \(exitFile); sleep 30"
            _ = try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command])
            defer { _ = try? tmux(["kill-session", "-t", session]) }
            var screen = ""
            for _ in 0..<300 {
                screen = try tmux(["capture-pane", "-p", "-t", session])
                if screen.contains("grokking-s0 │ step") && !screen.contains("step 0/") { break }
                usleep(100_000)
            }
            #expect(screen.contains("grokking-s0 │ step"), "attempt \(attempt): the dashboard did not start:\n\(screen)")
            _ = try tmux(["send-keys", "-t", session, "q"])
            // A debug build on a loaded machine can take seconds to finish the step in progress.
            #expect(exitStatus(exitFile, seconds: 30) == "0", "attempt \(attempt)")
        }
    }

    @Test func withoutATerminalTheDashboardSaysSo() throws {
        let out = try CommandRunner.run(["replay", TestPaths.sample("runs/grokking.jsonl")])
        #expect(out.status == 2)
        #expect(out.stderr == "trainscope: error: the live dashboard needs a terminal; use --stdout for NDJSON output\n")
        let run = try CommandRunner.run(["run", "--steps", "1"])
        #expect(run.status == 2 && run.stderr.contains("the live dashboard needs a terminal; add --headless"))
    }
}
