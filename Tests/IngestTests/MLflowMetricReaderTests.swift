import Ingest
import Telemetry
import Testing

@Suite struct MLflowMetricReaderTests {
    func read(_ text: String, chunk: Int = 7) -> (events: [ScalarsEvent], problems: [String]) {
        var reader = MLflowMetricReader(source: "metrics/train/loss", run: "r", key: "train/loss")
        var items: [IngestItem] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { reader.feed($0) { items.append($0) } }
        }
        reader.finish { items.append($0) }
        let events = items.compactMap { if case .event(.scalars(let s)) = $0 { s } else { nil } }
        let problems = items.compactMap { if case .problem(let p) = $0 { p.description } else { nil } }
        return (events, problems)
    }

    @Test func linesOfEveryLayoutMLflowWrote() {
        let (events, problems) = read("1700000000123 0.5 0\n1700000000456 nan 1\n1700000000789 inf 2\n1700000001000 -0.25 3 train abc123\n1700000002000 1e-05\n")
        #expect(problems.isEmpty, "\(problems)")
        #expect(events.map(\.step) == [0, 1, 2, 3, 0], "a line without a step (old stores) is step 0")
        #expect(events[0].values == ["train/loss": 0.5] && events[0].time == 1_700_000_000.123 && events[0].run == "r")
        #expect(events[1].values["train/loss"]!.isNaN && events[2].values["train/loss"] == .infinity)
        #expect(events[3].values["train/loss"] == -0.25 && events[4].values["train/loss"] == 1e-05)
    }

    @Test(arguments: [
        ("1700000000000 0.5 0 extra\n", "metrics/train/loss: line 1: 4 fields, expected `timestamp value step`; line skipped"),
        ("soon 0.5 0\n", "metrics/train/loss: line 1: timestamp 'soon' is not an integer; line skipped"),
        ("1700000000000 lots 0\n", "metrics/train/loss: line 1: value 'lots' is not a number; line skipped"),
        ("1700000000000 0.5 1.5\n", "metrics/train/loss: line 1: step '1.5' is not an integer; line skipped"),
        ("1700000000000\n", "metrics/train/loss: line 1: 1 fields, expected `timestamp value step`; line skipped"),
        (String(repeating: "9", count: 70_000) + "\n", "metrics/train/loss: line 1: line longer than 65536 bytes; skipped"),
    ])
    func badLinesAreReportedAndTheRestKept(_ bad: String, _ message: String) {
        let (events, problems) = read("1700000000000 1 0\n" + bad + "1700000000000 2 2\n")
        #expect(problems == [message.replacingOccurrences(of: "line 1", with: "line 2")])
        #expect(events.map(\.step) == [0, 2])
    }

    /// The fuzzer's find: 10,000 blanks after a record (trimmed on bytes now, in one pass).
    @Test func blanksAroundARecordAreCutWhateverTheirNumber() {
        let padded = "\t 1700000000000 4 9" + String(repeating: " ", count: 10_000) + "\r\n"
        let (events, problems) = read(padded + "1700000000000 5 10\n", chunk: 4096)
        #expect(problems.isEmpty && events.map(\.step) == [9, 10] && events[0].values == ["train/loss": 4])
    }

    @Test func aLastLineWithoutItsNewlineIsRead() {
        #expect(read("1700000000000 3 7").events.map(\.step) == [7])
    }
}
