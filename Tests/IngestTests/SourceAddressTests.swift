import Testing
import Ingest

@Suite struct SourceAddressTests {
    let nothing: (String) -> (exists: Bool, isDirectory: Bool) = { _ in (false, false) }

    @Test(arguments: [
        ("-", SourceAddress.standardInput),
        ("unix:/tmp/ts.sock", .unixSocket(path: "/tmp/ts.sock")),
        ("unix:", .unixSocket(path: "")),
        ("tcp://127.0.0.1:7070", .tcp(host: "127.0.0.1", port: 7070)),
        ("tcp://[::1]:7070", .tcp(host: "::1", port: 7070)),
        ("runs/a.jsonl", .ndjsonFile(path: "runs/a.jsonl")),
        ("a.NDJSON", .ndjsonFile(path: "a.NDJSON")),
        ("logs/metrics.csv", .csvFile(path: "logs/metrics.csv")),
        ("out/trainer_state.json", .trainerState(path: "out/trainer_state.json")),
        ("logs/events.out.tfevents.1700000000.host", .tensorBoard(path: "logs/events.out.tfevents.1700000000.host")),
    ])
    func goodAddresses(_ text: String, _ expected: SourceAddress) throws {
        #expect(try SourceAddress.parse(text, fileExists: nothing) == expected)
        #expect(try SourceAddress.parse(text, fileExists: nothing).description == text)
    }

    @Test func directoriesAndMissingPathsWithoutExtensionAreLogFolders() throws {
        #expect(try SourceAddress.parse("logs", fileExists: { _ in (true, true) }) == .logFolder(path: "logs"))
        #expect(try SourceAddress.parse("out/bert.run", fileExists: { _ in (true, true) }) == .logFolder(path: "out/bert.run"))
        // Not there yet: `watch` waits for the writer to create it.
        #expect(try SourceAddress.parse("lightning_logs", fileExists: nothing) == .logFolder(path: "lightning_logs"))
    }

    @Test(arguments: [
        ("tcp://localhost", "tcp://localhost: tcp:// needs HOST:PORT, e.g. tcp://127.0.0.1:7070"),
        ("tcp://:80", "tcp://:80: tcp:// needs a host before the port"),
        ("tcp://127.0.0.1:99999", "tcp://127.0.0.1:99999: port must be a number in 1…65535"),
        ("tcp://127.0.0.1:0", "tcp://127.0.0.1:0: port must be a number in 1…65535"),
        ("http://example.org/run", "http://example.org/run: unknown scheme; use -, unix:PATH, tcp://HOST:PORT or a file"),
        ("missing.bin", "missing.bin: no such file or directory"),
    ])
    func badAddressesAreOneLine(_ text: String, _ message: String) {
        do {
            _ = try SourceAddress.parse(text, fileExists: nothing)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func unknownFormatOfAnExistingFile() {
        #expect(throws: SourceAddressError.self) { try SourceAddress.parse("model.bin", fileExists: { _ in (true, false) }) }
    }
}
