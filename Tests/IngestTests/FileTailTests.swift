import Foundation
import Testing
@testable import Ingest
import TestSupport

/// A file in a scratch directory, with helpers that write it the ways loggers do.
private struct ScratchFile {
    let directory: URL
    let path: String

    init(_ name: String = "log.csv") {
        directory = TestPaths.scratchDirectory("filetail")
        path = directory.appendingPathComponent(name).path
    }

    /// Replaces the contents in place (same inode): truncate, then write.
    func overwrite(_ text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func create(_ text: String) throws {
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
    }

    func append(_ text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// Writes a new file beside it and renames it over the old one (a new inode).
    func replace(_ text: String) throws {
        let temporary = path + ".tmp"
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)))
        #expect(rename(temporary, path) == 0)
    }

    func inode() -> UInt {
        var info = stat()
        return stat(path, &info) == 0 ? UInt(info.st_ino) : 0
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Polls once, returning the outcome and the text read.
private func poll(_ tail: inout FileTail) -> (FileTail.Outcome, String) {
    var bytes: [UInt8] = []
    let outcome = tail.poll { bytes.append(contentsOf: $0) }
    return (outcome, String(decoding: bytes, as: UTF8.self))
}

@Suite struct FileTailTests {
    @Test func readsOnlyWhatWasAppendedSinceTheLastPoll() throws {
        let file = ScratchFile()
        defer { file.remove() }
        try file.create("step,loss\n1,0.5\n")
        var tail = FileTail(path: file.path)
        defer { tail.close() }

        var (outcome, text) = poll(&tail)
        #expect(outcome == .read(bytes: 16))
        #expect(text == "step,loss\n1,0.5\n")
        #expect(tail.offset == 16)

        (outcome, text) = poll(&tail)
        #expect(outcome == .read(bytes: 0))
        #expect(text == "")

        try file.append("2,0.25\n3,0.1")
        (outcome, text) = poll(&tail)
        #expect(outcome == .read(bytes: 12))
        #expect(text == "2,0.25\n3,0.1")

        try file.append("25\n")
        (outcome, text) = poll(&tail)
        #expect(outcome == .read(bytes: 3))
        #expect(text == "25\n")
        #expect(tail.offset == 31)
    }

    @Test func aTruncatedFileRestartsAndIsReadFromTheStart() throws {
        let file = ScratchFile()
        defer { file.remove() }
        try file.create("step,loss\n1,0.5\n2,0.25\n")
        var tail = FileTail(path: file.path)
        defer { tail.close() }
        #expect(poll(&tail).0 == .read(bytes: 23))

        let inodeBefore = file.inode()
        try file.overwrite("step,acc\n")
        #expect(file.inode() == inodeBefore, "rewritten in place")
        let (outcome, text) = poll(&tail)
        #expect(outcome == .restarted)
        #expect(text == "", "a restart reads nothing")
        #expect(tail.offset == 0)

        #expect(poll(&tail) == (.read(bytes: 9), "step,acc\n"))
        try file.append("1,0.5\n")
        #expect(poll(&tail) == (.read(bytes: 6), "1,0.5\n"))
    }

    @Test func aFileReplacedByRenameRestarts() throws {
        let file = ScratchFile("trainer_state.json")
        defer { file.remove() }
        try file.create("{\"log_history\": []}\n")
        var tail = FileTail(path: file.path)
        defer { tail.close() }
        #expect(poll(&tail).0 == .read(bytes: 20))

        // Longer than before, so only the inode tells that it is a new file.
        let inodeBefore = file.inode()
        try file.replace("{\"log_history\": [{\"step\": 1}]}\n")
        #expect(file.inode() != inodeBefore)
        #expect(poll(&tail).0 == .restarted)
        #expect(poll(&tail) == (.read(bytes: 31), "{\"log_history\": [{\"step\": 1}]}\n"))
        #expect(poll(&tail) == (.read(bytes: 0), ""))
    }

    @Test func aMissingFileIsMissingUntilItAppears() throws {
        let file = ScratchFile()
        defer { file.remove() }
        var tail = FileTail(path: file.path)
        defer { tail.close() }
        #expect(poll(&tail) == (.missing("No such file or directory"), ""))
        #expect(poll(&tail).0 == .missing("No such file or directory"))

        try file.create("a\n")
        #expect(poll(&tail) == (.read(bytes: 2), "a\n"))
    }

    @Test func aDeletedAndRecreatedFileRestarts() throws {
        let file = ScratchFile()
        defer { file.remove() }
        try file.create("old\n")
        var tail = FileTail(path: file.path)
        defer { tail.close() }
        #expect(poll(&tail).0 == .read(bytes: 4))

        #expect(unlink(file.path) == 0)
        #expect(poll(&tail).0 == .missing("No such file or directory"))
        // The tail still holds the old file open, so the new one cannot reuse its inode.
        try file.create("brand new\n")
        #expect(poll(&tail).0 == .restarted)
        #expect(poll(&tail) == (.read(bytes: 10), "brand new\n"))
    }

    @Test func firstLine() throws {
        let file = ScratchFile()
        defer { file.remove() }
        #expect(FileTail(path: file.path).firstLine() == nil, "missing file")
        try file.create("")
        #expect(FileTail(path: file.path).firstLine() == nil, "empty file")
        try file.create("epoch,step,train_loss\n0,1,0.5\n")
        #expect(FileTail(path: file.path).firstLine() == Array("epoch,step,train_loss".utf8))
        #expect(FileTail(path: file.path).firstLine(limit: 5) == Array("epoch".utf8))
        try file.create("no newline yet")
        #expect(FileTail(path: file.path).firstLine() == Array("no newline yet".utf8))
        try file.create("\nsecond")
        #expect(FileTail(path: file.path).firstLine() == [])
    }
}
