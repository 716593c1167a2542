import Foundation
import Testing
import Ingest
import Telemetry
import TestSupport

/// `watch` follows files: appended lines, new TensorBoard files and a CSV rewritten with a wider
/// header all reach the dashboard once, while the hub keeps running. The test waits on the hub's
/// queue (it blocks until items come), never on a clock.
@Suite struct IngestHubFollowTests {
    /// Drains until `done` holds for everything gathered so far (or the hub stops).
    func gather(_ hub: IngestHub, into items: inout [IngestItem], until done: ([IngestItem]) -> Bool) {
        while !done(items) {
            let next = hub.waitAndDrain()
            if next.isEmpty { return }
            items += next
        }
    }

    func scalars(_ items: [IngestItem], run: String) -> [ScalarsEvent] {
        var found: [ScalarsEvent] = []
        for item in items { item.forEachEvent { if case .scalars(let s) = $0, s.run == run { found.append(s) } } }
        return found
    }

    /// `watch logs/` before the writer made it: it says it is waiting, and the runs appear when
    /// the folder does; runs created later (a new Lightning version) appear too.
    @Test func aMissingFolderIsWaitedForAndNewRunsAppear() throws {
        let dir = TestPaths.scratchDirectory()
        let logs = dir.appendingPathComponent("lightning_logs").path
        let hub = IngestHub(mode: .follow, token: nil)
        hub.pollInterval = 0.01
        try hub.open([.logFolder(path: logs)])
        defer { hub.stop() }
        var items: [IngestItem] = []
        gather(hub, into: &items) { $0.contains(.notice("\(logs): does not exist yet; waiting for it")) }
        for version in 0..<2 {
            try FileManager.default.createDirectory(atPath: logs + "/version_\(version)", withIntermediateDirectories: true)
            try "lr: 0.\(version + 1)\n".write(toFile: logs + "/version_\(version)/hparams.yaml", atomically: true, encoding: .utf8)
            try "epoch,step,train_loss\n0,0,1.5\n0,1,1.25\n".write(toFile: logs + "/version_\(version)/metrics.csv", atomically: true, encoding: .utf8)
            gather(hub, into: &items) { scalars($0, run: "version_\(version)").count == 2 }
        }
        #expect(items.contains(.notice("\(logs): appeared")))
        #expect(items.contains(.found("\(logs): 1 Lightning run")) && items.contains(.notice("\(logs): new: 1 Lightning run")))
        let runs = items.compactMap { if case .event(.run(let r)) = $0 { r } else { nil } }
        #expect(runs.map(\.run) == ["version_0", "version_1"])
        #expect(runs.map { $0.config["lr"] } == [.number(0.1), .number(0.2)], "hparams.yaml is the run's config")
        #expect(scalars(items, run: "version_1").map(\.values) == [["epoch": 0, "train_loss": 1.5], ["epoch": 0, "train_loss": 1.25]])
    }

    @Test func appendedLinesNewEventFilesAndRewrittenCSVsArriveOnce() throws {
        let dir = TestPaths.scratchDirectory()
        let jsonl = dir.appendingPathComponent("live.jsonl").path
        let logs = dir.appendingPathComponent("logs")
        let csv = dir.appendingPathComponent("version_0/metrics.csv").path
        try FileManager.default.createDirectory(at: logs.appendingPathComponent("train"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (csv as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #"{"v":1,"type":"run","run":"live"}"#.appending("\n").write(toFile: jsonl, atomically: false, encoding: .utf8)
        try "step,train_loss\n0,1.5\n".write(toFile: csv, atomically: false, encoding: .utf8)
        let fixtures = TestPaths.repositoryRoot.appendingPathComponent("Tests/IngestTests/Fixtures/tensorboard/logs/train")
        let eventFiles = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.contains("tfevents") }.sorted()
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(eventFiles[0]), to: logs.appendingPathComponent("train/\(eventFiles[0])"))

        let hub = IngestHub(mode: .follow, token: nil)
        hub.pollInterval = 0.01
        try hub.open([.ndjsonFile(path: jsonl), .tensorBoard(path: logs.path), .csvFile(path: csv)])
        defer { hub.stop() }
        var items: [IngestItem] = []
        gather(hub, into: &items) { scalars($0, run: "train").count == 50 && scalars($0, run: "version_0").count == 1 }
        #expect(scalars(items, run: "train").map(\.step) == Array(0..<50))

        // A line written in two pieces arrives once it is complete.
        let handle = try #require(FileHandle(forWritingAtPath: jsonl))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"v":1,"type":"scalars","step":1,"values":{"#.utf8))
        handle.write(Data(#""loss":0.5}}"#.utf8) + Data("\n".utf8))
        try handle.close()
        // The restarted job's second event file appears in the same run directory.
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(eventFiles[1]), to: logs.appendingPathComponent("train/\(eventFiles[1])"))
        // Lightning rewrites the file with a wider header when a metric appears.
        try "step,train_loss,val_loss\n0,1.5,\n1,1.2,1.4\n".write(toFile: csv, atomically: false, encoding: .utf8)

        gather(hub, into: &items) {
            scalars($0, run: "live").count == 1 && scalars($0, run: "train").count == 60 && scalars($0, run: "version_0").count == 2
        }
        #expect(scalars(items, run: "live").map(\.values) == [["loss": 0.5]])
        #expect(scalars(items, run: "train").map(\.step) == Array(0..<60), "the second file's steps follow, none twice")
        #expect(scalars(items, run: "version_0").map(\.values) == [["train_loss": 1.5], ["train_loss": 1.2, "val_loss": 1.4]],
                "the rewritten CSV's old row is not shown again")
        let problems = items.compactMap { if case .problem(let p) = $0 { p } else { nil } }
        #expect(problems.isEmpty, "\(problems)")
    }
}
