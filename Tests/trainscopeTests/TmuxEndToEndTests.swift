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
        _ = system("\(Self.tmuxPath!) -L trainscope-tests-\(getpid()) \(quoted) >\(output) 2>/dev/null </dev/null")
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

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed"))
    func replayDrawsPanelsSurvivesResizesAndRestoresTheTerminal() throws {
        let exitFile = TestPaths.scratchDirectory().appendingPathComponent("exit").path
        let sample = TestPaths.sample("runs/grokking.jsonl")
        let command = "\(CommandRunner.binary.path) replay \(sample) --fast; echo $? > \(exitFile); sleep 30"
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command])
        defer { _ = try? tmux(["kill-server"]) }

        let titles = ["╭ Curves", "╭ Grokking", "╭ Knobs", "╭ Events"]
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
