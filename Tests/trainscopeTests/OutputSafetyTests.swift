import Foundation
import Testing
import TestSupport

/// Names from data carrying terminal escapes (a clipboard write, a screen clear, a retitle) are
/// shown escaped in every output: txt, ansi and SVG snapshots, `check` reports, `validate` messages.
@Suite struct OutputSafetyTests {
    /// A stream whose run id, metric name and a bad line carry control characters.
    private let hostile = Data("""
        {"v":1,"type":"run","run":"r\\u001b]52;c;SGVsbG8=\\u0007"}
        {"v":1,"type":"scalars","step":1,"values":{"loss\\u001b[2J":1.5,"acc\\u009b31m":0.5}}
        {"v":1,"type":"scalars","step":2,"values":{"loss\\u001b[2J":1.25,"acc\\u009b31m":0.75}}
        {"v":1,"type":"run","run":"q","knobs":[{"name":"lr","value":1,"scale":"\\u001b[5m"}]}

        """.utf8)

    /// True when `text` holds a control character other than a newline (or ESC starting an SGR colour sequence, when allowed).
    private func hasRawControl(_ text: String, allowingColour: Bool = false) -> Bool {
        var text = text
        if allowingColour { text = text.replacingOccurrences(of: "\u{1b}\\[[0-9;]*m", with: "", options: .regularExpression) }
        return text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }

    @Test func snapshotsShowEscapesInEveryTextFormat() throws {
        for format in ["txt", "ansi", "svg"] {
            let out = try CommandRunner.run(["snapshot", "-", "--format", format, "--size", "120x30"], stdin: hostile)
            #expect(out.status == 1, "the bad line makes the exit status 1")
            #expect(!hasRawControl(out.stdout, allowingColour: format == "ansi"), "\(format)")
            #expect(out.stdout.contains(#"\x1b"#), "\(format): the escape is shown, visibly")
            #expect(!hasRawControl(out.stderr), "\(format): \(out.stderr)")
        }
    }

    @Test func checkAndValidateReportEscapes() throws {
        let check = try CommandRunner.run(["check", "-", "--rule", "max(loss\u{1b}[2J) < 10"], stdin: hostile)
        #expect(!hasRawControl(check.stdout) && !hasRawControl(check.stderr), "\(check.stdout)\(check.stderr)")
        let validate = try CommandRunner.run(["validate", "-"], stdin: hostile)
        #expect(validate.status == 1 && !hasRawControl(validate.stdout) && !hasRawControl(validate.stderr))
        #expect(validate.stderr.contains(#"got "\x1b[5m""#), "\(validate.stderr)")
    }

    @Test func snapshotOutputsKeepWhatIsAtThePath() throws {
        let dir = TestPaths.scratchDirectory().path
        let input = Data(#"{"v":1,"type":"scalars","run":"r","step":1,"values":{"loss":1}}"#.utf8 + [0x0A])
        // A read-only file: refused with one line and exit 2, content and mode as before.
        let locked = dir + "/locked.txt"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: locked))
        chmod(locked, 0o444)
        let refused = try CommandRunner.run(["snapshot", "-", "-o", locked], stdin: input)
        #expect(refused.status == 2 && refused.stderr == "trainscope: error: \(locked): is read-only; not replaced\n")
        #expect(try String(contentsOfFile: locked, encoding: .utf8) == "keep")
        var info = stat()
        #expect(stat(locked, &info) == 0 && info.st_mode & 0o777 == 0o444)
        // A symbolic link: the file it points to is written, the link stays a link.
        try Data().write(to: URL(fileURLWithPath: dir + "/real.txt"))
        #expect(symlink(dir + "/real.txt", dir + "/link.txt") == 0)
        #expect(try CommandRunner.run(["snapshot", "-", "-o", dir + "/link.txt"], stdin: input).status == 0)
        #expect(lstat(dir + "/link.txt", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: dir + "/real.txt", encoding: .utf8).contains("trainscope"))
        // A character device is written through, and `-o -` is standard output.
        #expect(try CommandRunner.run(["snapshot", "-", "-o", "/dev/null"], stdin: input).status == 0)
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        let dash = try CommandRunner.run(["snapshot", "-", "-o", "-"], stdin: input, currentDirectory: URL(fileURLWithPath: dir))
        #expect(dash.status == 0 && dash.stdout.contains("trainscope") && !FileManager.default.fileExists(atPath: dir + "/-"))
    }
}
