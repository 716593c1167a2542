import Foundation
import Testing
import TestSupport
@testable import FileOutput

/// What is at an output path stays what it was: files are replaced atomically with their mode
/// kept, devices and FIFOs are written through, read-only files and directories are refused.
@Suite struct OutputFileTests {
    private func kind(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    private func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test func aNewFileIsCreatedAndAnExistingOneReplacedKeepingItsMode() throws {
        let dir = TestPaths.scratchDirectory().path
        let path = dir + "/out.txt"
        try OutputFile.write("first", to: path)
        #expect(contents(path) == "first" && kind(path) == S_IFREG)
        chmod(path, 0o640)
        try OutputFile.write("second", to: path)
        #expect(contents(path) == "second" && mode(path) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.txt"], "no temporary file is left")
    }

    @Test func aReadOnlyFileIsRefusedAndKept() throws {
        let path = TestPaths.scratchDirectory().path + "/locked.txt"
        try OutputFile.write("keep me", to: path)
        chmod(path, 0o444)
        #expect(throws: OutputFileError(path: path, reason: "is read-only; not replaced")) { try OutputFile.write("lost", to: path) }
        #expect(contents(path) == "keep me" && mode(path) == 0o444)
    }

    @Test func aSymbolicLinkIsFollowedAndStaysALink() throws {
        let dir = TestPaths.scratchDirectory().path
        try OutputFile.write("old", to: dir + "/target.txt")
        #expect(symlink("target.txt", dir + "/link.txt") == 0)
        try OutputFile.write("new", to: dir + "/link.txt")
        #expect(kind(dir + "/link.txt") == S_IFLNK && contents(dir + "/target.txt") == "new")
    }

    @Test func devicesAreWrittenThroughNotReplaced() throws {
        try OutputFile.write("discarded", to: "/dev/null")
        #expect(kind("/dev/null") == S_IFCHR)
        if FileManager.default.fileExists(atPath: "/dev/full") {
            #expect(throws: OutputFileError.self) { try OutputFile.write("x", to: "/dev/full") }
            #expect(kind("/dev/full") == S_IFCHR)
        }
    }

    @Test func aFIFOIsWrittenThrough() throws {
        let path = TestPaths.scratchDirectory().path + "/pipe"
        #expect(mkfifo(path, 0o600) == 0)
        // The read end, opened first without waiting, lets the writer open the FIFO at once.
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        try OutputFile.write("through the pipe", to: path)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(reader, &buffer, 64)
        #expect(n == 16 && String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == "through the pipe")
        #expect(kind(path) == S_IFIFO)
    }

    @Test func aDirectoryIsRefused() {
        let dir = TestPaths.scratchDirectory().path
        #expect(throws: OutputFileError(path: dir, reason: "is a directory")) { try OutputFile.write("x", to: dir) }
    }

    @Test(arguments: [
        ("grokking-s0", "grokking-s0"), ("x/../../etc/passwd", "x_.._.._etc_passwd"), ("..", "run"), (".hidden", "hidden"),
        ("a b\u{1b}[2J", "a_b__2J"), ("", "run"), (String(repeating: "é", count: 100), String(repeating: "_", count: 64)),
    ])
    func runIDsBecomeOnePathComponent(_ id: String, _ name: String) {
        #expect(FileName.component(id) == name)
    }
}
