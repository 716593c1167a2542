import Foundation
import Testing
import TestSupport

@Suite struct CLITests {
    @Test func helpListsEverySubcommandWithOneLine() throws {
        let out = try CommandRunner.run(["--help"])
        #expect(out.status == 0)
        for name in ["run", "presets", "replay", "watch", "snapshot", "hessian", "check", "validate"] {
            let line = out.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") }
            #expect(line != nil, "no help line for \(name)")
        }
    }

    /// Help is shown without the usage error that the same command line would give without it.
    @Test(arguments: ["watch", "snapshot", "check"])
    func helpOfACommandWithRequiredInputIsClean(_ command: String) throws {
        let out = try CommandRunner.run([command, "--help"])
        #expect(out.status == 0 && out.stdout.contains("USAGE: trainscope \(command)"))
        #expect(!out.stderr.contains("error"), "\(out.stderr)")
    }

    @Test func versionPrints() throws {
        let out = try CommandRunner.run(["--version"])
        #expect(out.status == 0)
        #expect(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test(arguments: [
        (["watch", "-"], "the live dashboard needs a terminal"),
        (["watch"], "give at least one source"),
        (["watch", "-", "-"], "'-' (standard input) can be given once"),
        (["watch", "ftp://host/run"], "unknown scheme"),
        (["snapshot", "logs/run.csv"], "logs/run.csv: no such file or directory"),
        (["check", "logs/run.csv", "--rule", "x > 1"], "logs/run.csv: no such file or directory"),
        (["snapshot", "tcp://10.1.2.3:7070"], "listens on loopback only unless --listen 10.1.2.3 is given"),
        (["snapshot", "unix:/x", "--wait", "0"], "--wait must be a positive number"),
    ])
    func badWatchAndSourceArgumentsSayWhyAndExitTwo(_ arguments: [String], _ message: String) throws {
        let out = try CommandRunner.run(arguments)
        #expect(out.status == 2)
        #expect(out.stderr.contains(message), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }

    /// Whatever rejects the command line (ArgumentParser itself or a command's own checks), the
    /// answer is one error line on stderr and exit status 2, for every command.
    @Test(arguments: [
        ["run", "--no-such-option"], ["run", "--steps", "many"], ["run", "--blas-threads", "0"],
        ["run", "--control", "unix:/tmp/x"], ["run", "--checkpoint-every", "5"], ["presets", "--no-such-option"],
        ["replay"], ["replay", "a.jsonl", "--speed", "fast"], ["watch", "--no-such-option"], ["snapshot"],
        ["snapshot", "--preset", "grokking", "--steps", "x"], ["hessian"], ["hessian", "c.safetensors", "--top-k", "x"],
        ["check", "--no-such-option"], ["validate"], ["no-such-command"],
    ])
    func everyUsageErrorIsOneLineAndExitsTwo(_ arguments: [String]) throws {
        let out = try CommandRunner.run(arguments)
        #expect(out.status == 2, "\(arguments): \(out.stderr)")
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("trainscope: error: ") == true, "\(arguments): \(out.stderr)")
        #expect(out.stdout.isEmpty)
    }

    @Test func validateReportsBadLinesWithPositionsAndExitsOne() throws {
        let input = """
        {"v":1,"type":"scalars","step":1,"values":{"loss":1}}
        {"v":1,"type":"scalars","step":"two","values":{}}
        {"v":1,"type":"pause"}
        {"v":1,"type":
        """
        let out = try CommandRunner.run(["validate", "-"], stdin: Data(input.utf8))
        #expect(out.status == 1)
        #expect(out.stdout == "-: 2 events (1 pause, 1 scalars), 2 bad lines\n")
        #expect(out.stderr == """
        -: line 2: field "step" must be an integer, got string
        -: line 4, column 15: incomplete last line (no newline): unexpected end of line, expected a value

        """)
    }

    @Test func validateAcceptsACleanFile() throws {
        let out = try CommandRunner.run(["validate", "-"], stdin: Data(#"{"v":1,"type":"stop"}"#.utf8 + [0x0A]))
        #expect(out.status == 0)
        #expect(out.stderr.isEmpty)
    }

    @Test func replayToStdoutReemitsEveryEvent() throws {
        let input = (1...30).map { #"{"v":1,"type":"scalars","step":\#($0),"time":\#(1000 + $0),"values":{"loss":\#(Double($0) + 0.5)}}"# }
            .joined(separator: "\n") + "\n"
        let out = try CommandRunner.run(["replay", "-", "--stdout", "--fast"], stdin: Data(input.utf8))
        #expect(out.status == 0)
        #expect(out.stdout == input)
    }

    @Test func replayRejectsABadSpeed() throws {
        let out = try CommandRunner.run(["replay", "-", "--stdout", "--speed", "0"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("--speed must be a positive number"))
    }

    @Test func replayOfAMissingFileIsOneClearLine() throws {
        let out = try CommandRunner.run(["replay", "/nonexistent.jsonl", "--stdout"])
        #expect(out.status == 1)
        #expect(out.stderr == "trainscope: /nonexistent.jsonl: open failed: No such file or directory\n")
    }
}
