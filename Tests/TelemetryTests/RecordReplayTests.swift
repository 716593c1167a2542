import Foundation
import Testing
import Telemetry
import TestSupport

@Suite struct RecordReplayTests {
    func scalars(_ step: Int, time: Double? = nil) -> TelemetryEvent {
        .scalars(ScalarsEvent(run: "r", step: step, time: time, values: ["loss": 1.0 / Double(step)]))
    }

    @Test func recordThenReadBack() throws {
        let path = TestPaths.scratchDirectory().appendingPathComponent("run.jsonl").path
        let recorder = try EventRecorder(path: path)
        let events = (1...100).map { scalars($0, time: 1000 + Double($0)) }
        for e in events { try recorder.record(e) }
        recorder.close()
        let recording = try Recording(path: path)
        #expect(recording.errors.isEmpty)
        #expect(recording.events == events)
    }

    @Test func killedMidWriteLosesOnlyTheLastLine() throws {
        let path = TestPaths.scratchDirectory().appendingPathComponent("run.jsonl").path
        let recorder = try EventRecorder(path: path)
        for step in 1...20 { try recorder.record(scalars(step)) }
        recorder.close()
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        let lineStarts = [0] + full.indices.filter { full[$0] == 0x0A }.map { $0 + 1 }.dropLast()
        // Cut inside every line of the file (as a kill during write(2) would), and at each boundary.
        for (index, start) in lineStarts.enumerated() {
            for cut in [start, start + 1, start + 17] where cut <= full.count {
                try full.prefix(cut).write(to: URL(fileURLWithPath: path))
                let recording = try Recording(path: path)
                #expect(recording.events == (0..<index).map { scalars($0 + 1) }, "cut at \(cut)")
                if cut == start {
                    #expect(recording.errors.isEmpty)
                } else {
                    #expect(recording.errors.map(\.kind) == [.truncatedLine])
                    #expect(recording.errors.first?.line == index + 1)
                }
            }
        }
    }

    @Test func recorderAppendsToAnExistingFile() throws {
        let path = TestPaths.scratchDirectory().appendingPathComponent("run.jsonl").path
        do { let r = try EventRecorder(path: path); try r.record(scalars(1)) }
        do { let r = try EventRecorder(path: path); try r.record(scalars(2)) }
        #expect(try Recording(path: path).events == [scalars(1), scalars(2)])
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: RecordingIOError.self) { try Recording(path: "/nonexistent/run.jsonl") }
        do { _ = try Recording(path: "/nonexistent/run.jsonl") } catch {
            #expect(error.description == "/nonexistent/run.jsonl: open failed: No such file or directory")
        }
    }
}

@Suite struct MailboxTests {
    @Test func dropOldestKeepsTheNewestAndCounts() {
        let box = Mailbox<Int>(capacity: 3, policy: .dropOldest)
        for i in 1...5 { box.post(i) }
        #expect(box.drain() == [3, 4, 5])
        #expect(box.droppedCount == 2)
        #expect(box.drain().isEmpty)
    }

    @Test func blockingProducerLosesNothing() {
        let box = Mailbox<Int>(capacity: 4, policy: .block)
        let producer = Thread {
            for i in 0..<1000 { box.post(i) }
            box.close()
        }
        producer.start()
        var received: [Int] = []
        while true {
            let batch = box.waitAndDrain()
            if batch.isEmpty { break }
            received += batch
        }
        #expect(received == Array(0..<1000))
        #expect(box.droppedCount == 0)
    }

    @Test func closedMailboxRefusesPosts() {
        let box = Mailbox<Int>(capacity: 2)
        box.post(1)
        box.close()
        #expect(box.post(2) == false)
        #expect(box.drain() == [1])
        #expect(box.isClosed)
    }
}
