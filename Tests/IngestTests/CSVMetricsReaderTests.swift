import JSONCore
import Testing
import Ingest
import Telemetry

/// Reads `text` (or raw `bytes`) with a fresh reader fed in chunks of `chunk` bytes (whole when nil).
private func readCSV(_ text: String, source: String = "m.csv", run: String = "r", valueName: String? = nil,
                     chunk: Int? = nil, configure: (inout CSVMetricsReader) -> Void = { _ in }) -> [IngestItem] {
    readCSV(bytes: Array(text.utf8), source: source, run: run, valueName: valueName, chunk: chunk, configure: configure).items
}

private func readCSV(bytes: [UInt8], source: String = "m.csv", run: String = "r", valueName: String? = nil,
                     chunk: Int? = nil, configure: (inout CSVMetricsReader) -> Void = { _ in })
    -> (items: [IngestItem], reader: CSVMetricsReader) {
    var reader = CSVMetricsReader(source: source, run: run, valueName: valueName)
    configure(&reader)
    var items: [IngestItem] = []
    let size = max(1, chunk ?? bytes.count)
    var start = 0
    while start < bytes.count {
        reader.feed(Array(bytes[start..<min(start + size, bytes.count)])) { items.append($0) }
        start += size
    }
    reader.finish { items.append($0) }
    return (items, reader)
}

private func events(_ items: [IngestItem]) -> [TelemetryEvent] {
    items.compactMap { if case .event(let e) = $0 { e } else { nil } }
}

private func problems(_ items: [IngestItem]) -> [String] {
    items.compactMap { if case .problem(let p) = $0 { p.description } else { nil } }
}

/// The `run` event every CSV source announces.
private func runEvent(_ run: String = "r", source: String = "m.csv") -> TelemetryEvent {
    .run(RunEvent(run: run, extra: JSONObject([("source", .string(source))])))
}

private func scalars(_ step: Int, _ values: [String: Double], time: Double? = nil, run: String = "r") -> TelemetryEvent {
    .scalars(ScalarsEvent(run: run, step: step, time: time, values: values))
}

@Suite struct CSVMetricsReaderTests {
    // MARK: - Layouts

    @Test func lightningCSVLoggerLayoutGivesOneEventPerRowWithOnlyTheFilledCells() {
        let text = """
        epoch,step,train_loss,val_loss
        0,0,2.5,
        0,9,1.75,
        0,9,,1.875
        1,19,1.25,
        1,19,,1.5

        """
        let items = readCSV(text)
        #expect(items == [
            .event(runEvent()),
            .event(scalars(0, ["epoch": 0, "train_loss": 2.5])),
            .event(scalars(9, ["epoch": 0, "train_loss": 1.75])),
            .event(scalars(9, ["epoch": 0, "val_loss": 1.875])),
            .event(scalars(19, ["epoch": 1, "train_loss": 1.25])),
            .event(scalars(19, ["epoch": 1, "val_loss": 1.5])),
        ])
    }

    @Test func theRunEventComesFirstAndCarriesTheSource() throws {
        let items = readCSV("step,loss\n1,0.5\n", source: "logs/version_0/metrics.csv", run: "version_0")
        let first = try #require(events(items).first)
        #expect(first == runEvent("version_0", source: "logs/version_0/metrics.csv"))
        #expect(events(items).dropFirst().allSatisfy { $0.typeName == "scalars" })
        #expect(problems(items).isEmpty)
    }

    @Test func aGlobalStepColumnIsTheStep() {
        let items = readCSV("global_step,loss\n40,0.5\n80,0.25\n")
        #expect(events(items) == [runEvent(), scalars(40, ["loss": 0.5]), scalars(80, ["loss": 0.25])])
    }

    @Test(arguments: ["time", "timestamp", "wall_time", "Time"])
    func aTimeColumnBecomesTheEventTimeNotAMetric(column: String) {
        let items = readCSV("step,\(column),loss\n1,1700000000.5,0.5\n2,1700000001.25,0.25\n")
        #expect(events(items) == [
            runEvent(),
            scalars(1, ["loss": 0.5], time: 1_700_000_000.5),
            scalars(2, ["loss": 0.25], time: 1_700_000_001.25),
        ])
        #expect(problems(items).isEmpty)
    }

    @Test func tensorBoardCSVExportNamesItsMetricAfterValueName() {
        let text = "Wall time,Step,Value\n1700000000.5,10,0.75\n1700000002,20,0.5\n"
        let items = readCSV(text, source: "run-train-tag-loss.csv", run: "run-train", valueName: "run-train-tag-loss")
        #expect(items == [
            .event(runEvent("run-train", source: "run-train-tag-loss.csv")),
            .event(scalars(10, ["run-train-tag-loss": 0.75], time: 1_700_000_000.5, run: "run-train")),
            .event(scalars(20, ["run-train-tag-loss": 0.5], time: 1_700_000_002, run: "run-train")),
        ])
        // Without a value name the run's name is used.
        #expect(events(readCSV(text, run: "exported")).last == scalars(20, ["exported": 0.5], time: 1_700_000_002, run: "exported"))
    }

    @Test func aValueColumnOutsideTheTensorBoardExportLayoutKeepsItsName() {
        let items = readCSV("step,value,other\n1,0.5,2\n", valueName: "renamed")
        #expect(events(items).last == scalars(1, ["value": 0.5, "other": 2]))
    }

    @Test func withoutAStepColumnRowsAreNumberedAndAProblemSaysSo() {
        let items = readCSV("loss,acc\n0.5,0.25\n0.375,0.5\n0.25,0.75\n")
        #expect(problems(items) == ["m.csv: line 1: no 'step' column; rows are numbered 1, 2, 3, …"])
        #expect(events(items) == [
            runEvent(),
            scalars(1, ["loss": 0.5, "acc": 0.25]),
            scalars(2, ["loss": 0.375, "acc": 0.5]),
            scalars(3, ["loss": 0.25, "acc": 0.75]),
        ])
    }

    @Test func aByteOrderMarkBeforeTheHeaderIsDropped() {
        let (items, reader) = readCSV(bytes: [0xEF, 0xBB, 0xBF] + Array("step,loss\n3,0.5\n".utf8))
        #expect(reader.header == ["step", "loss"])
        #expect(problems(items).isEmpty)
        #expect(events(items) == [runEvent(), scalars(3, ["loss": 0.5])])
    }

    @Test func crlfLineEndingsReadLikeLF() {
        let lf = readCSV("step,loss,acc\n1,0.5,\n2,,0.75\n")
        let crlf = readCSV("step,loss,acc\r\n1,0.5,\r\n2,,0.75\r\n")
        #expect(crlf == lf)
        #expect(events(crlf) == [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["acc": 0.75])])
    }

    @Test func rfc4180QuotingInHeaderAndCells() {
        // A header name with a comma, one with doubled quotes, one spanning two lines; quoted numbers.
        let text = "step,\"loss, smoothed\",\"say \"\"hi\"\"\",\"two\nlines\"\n\"1\",\"0.5\",2,3\n2,\"abc\",4,5\n"
        let (items, reader) = readCSV(bytes: Array(text.utf8))
        #expect(reader.header == ["step", "loss, smoothed", "say \"hi\"", "two\nlines"])
        // The record after the two-line header starts on line 3, so the bad cell is on line 4.
        #expect(problems(items) == ["m.csv: line 4, column 2: 'abc' in column 'loss, smoothed' is not a number; cell skipped"])
        #expect(events(items) == [
            runEvent(),
            scalars(1, ["loss, smoothed": 0.5, "say \"hi\"": 2, "two\nlines": 3]),
            scalars(2, ["say \"hi\"": 4, "two\nlines": 5]),
        ])
    }

    @Test func aQuotedCellWithACommaIsOneCell() {
        let items = readCSV("step,note,loss\n1,\"a,b\",0.5\n")
        #expect(problems(items) == ["m.csv: line 2, column 2: 'a,b' in column 'note' is not a number; cell skipped"])
        #expect(events(items).last == scalars(1, ["loss": 0.5]))
    }

    @Test func nanAndInfinityCellsAreValues() throws {
        let items = readCSV("step,a,b,c,d,e\n1,nan,inf,-inf,NaN,Infinity\n")
        #expect(problems(items).isEmpty)
        guard case .scalars(let event) = try #require(events(items).last) else {
            Issue.record("expected scalars"); return
        }
        #expect(event.values.count == 5)
        #expect(event.values["a"]?.isNaN == true)
        #expect(event.values["b"] == .infinity)
        #expect(event.values["c"] == -.infinity)
        #expect(event.values["d"]?.isNaN == true)
        #expect(event.values["e"] == .infinity)
    }

    @Test func blankLinesAreIgnored() {
        let items = readCSV("\nstep,loss\n\n1,0.5\n   \n2,0.25\n")
        #expect(problems(items).isEmpty)
        #expect(events(items) == [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["loss": 0.25])])
    }

    @Test func aLastRowWithoutNewlineIsRead() {
        let items = readCSV("step,loss\n1,0.5\n2,0.25")
        #expect(events(items) == [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["loss": 0.25])])
    }

    // MARK: - Bad input: exact problem, and the rows around it survive

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var maxRecordBytes: Int? = nil
        var problems: [String]
        var events: [TelemetryEvent]
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "too many cells",
                text: "epoch,step,train_loss,val_loss\n0,1,0.5,\n0,2,0.25,0.75,9\n0,3,0.125,\n",
                problems: ["m.csv: line 3: 5 cells, the header has 4; row skipped"],
                events: [runEvent(), scalars(1, ["epoch": 0, "train_loss": 0.5]), scalars(3, ["epoch": 0, "train_loss": 0.125])]),
        BadCase(name: "too few cells",
                text: "epoch,step,train_loss,val_loss\n0,1,0.5,\n0,2\n0,3,0.125,\n",
                problems: ["m.csv: line 3: 2 cells, the header has 4; row skipped"],
                events: [runEvent(), scalars(1, ["epoch": 0, "train_loss": 0.5]), scalars(3, ["epoch": 0, "train_loss": 0.125])]),
        BadCase(name: "non-numeric cell",
                text: "epoch,step,train_loss,val_loss\n0,1,0.5,\n0,2,0.25,\n0,3,,0.75\n0,4,abc,0.625\n0,5,0.125,\n",
                problems: ["m.csv: line 5, column 3: 'abc' in column 'train_loss' is not a number; cell skipped"],
                events: [runEvent(), scalars(1, ["epoch": 0, "train_loss": 0.5]), scalars(2, ["epoch": 0, "train_loss": 0.25]),
                         scalars(3, ["epoch": 0, "val_loss": 0.75]), scalars(4, ["epoch": 0, "val_loss": 0.625]),
                         scalars(5, ["epoch": 0, "train_loss": 0.125])]),
        BadCase(name: "non-integer step",
                text: "step,loss\n1,0.5\n1.5,0.25\n2,0.125\n",
                problems: ["m.csv: line 3, column 1: step '1.5' is not an integer; row skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["loss": 0.125])]),
        BadCase(name: "non-numeric step",
                text: "loss,step\n0.5,1\n0.25,ten\n0.125,2\n",
                problems: ["m.csv: line 3, column 2: step 'ten' is not an integer; row skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["loss": 0.125])]),
        BadCase(name: "missing step",
                text: "epoch,step,loss\n0,1,0.5\n0, ,0.25\n0,2,0.125\n",
                problems: ["m.csv: line 3, column 2: no step in column 'step'; row skipped"],
                events: [runEvent(), scalars(1, ["epoch": 0, "loss": 0.5]), scalars(2, ["epoch": 0, "loss": 0.125])]),
        BadCase(name: "unclosed quote at end of file",
                text: "step,loss\n1,0.5\n2,0.25\n3,\"0.125\n",
                problems: ["m.csv: line 4: a quoted cell is never closed; the row is skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["loss": 0.25])]),
        BadCase(name: "duplicate column",
                text: "step,loss,acc,loss\n1,0.5,0.25,0.75\n",
                problems: ["m.csv: line 1: column 'loss' appears 2 times; the last one wins"],
                events: [runEvent(), scalars(1, ["loss": 0.75, "acc": 0.25])]),
        BadCase(name: "over-long record",
                text: "step,loss\n1,0.5\n2,0.123456789012345678\n3,0.25\n",
                maxRecordBytes: 16,
                problems: ["m.csv: line 3: row longer than 16 bytes; skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5]), scalars(3, ["loss": 0.25])]),
        BadCase(name: "over-long quoted record spanning lines",
                text: "step,loss\n1,0.5\n2,\"0.1\n23456789012345678\"\n3,0.25\n",
                maxRecordBytes: 16,
                problems: ["m.csv: line 3: row longer than 16 bytes; skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5]), scalars(3, ["loss": 0.25])]),
        // A quote inside an unquoted cell is an ordinary byte, also past the limit: it must not open
        // a quoted cell that swallows the rows after it.
        BadCase(name: "over-long record with a quote inside a cell",
                text: "step,loss\n1,0.5\n2,0.12345678901234567\"x\n3,0.25\n4,0.125\n",
                maxRecordBytes: 16,
                problems: ["m.csv: line 3: row longer than 16 bytes; skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5]), scalars(3, ["loss": 0.25]), scalars(4, ["loss": 0.125])]),
        // The file ends inside an over-long last row (a writer killed mid-row): reported, not dropped silently.
        BadCase(name: "over-long last record without newline",
                text: "step,loss\n1,0.5\n2,0.123456789012345678",
                maxRecordBytes: 16,
                problems: ["m.csv: line 3: row longer than 16 bytes; skipped"],
                events: [runEvent(), scalars(1, ["loss": 0.5])]),
    ]

    @Test(arguments: badCases)
    func badInputGivesOneExactProblemAndKeepsTheRest(_ bad: BadCase) {
        for chunk in [nil, 1, 7] as [Int?] {
            let items = readCSV(bad.text, chunk: chunk) { if let limit = bad.maxRecordBytes { $0.maxRecordBytes = limit } }
            #expect(problems(items) == bad.problems, "chunk \(String(describing: chunk))")
            #expect(events(items) == bad.events, "chunk \(String(describing: chunk))")
        }
    }

    // MARK: - Chunking and rewrites

    @Test(arguments: [1, 2, 3, 7, 64])
    func anyChunkingGivesTheSameItemsAsFeedingWhole(chunk: Int) {
        let text = "\u{FEFF}epoch,\"step\",\"train, loss\",\"val \"\"loss\"\"\",\"two\r\nlines\",time\r\n"
            + "0,1,0.5,,1,1700000000\r\n0,1,,\"0.75\",2,1700000001\r\n"
            + "0,2,oops,0.5,3,\r\n0,2.5,1,1,1,1\r\n0,3,1\r\n\r\n1,4,nan,-inf,\"4\",1700000004\r\n1,5,\"0.25"
        let whole = readCSV(text)
        #expect(readCSV(text, chunk: chunk) == whole)
        // The corpus exercises every path: events, cell problems, row problems, the unclosed quote.
        #expect(events(whole).count == 5)
        #expect(problems(whole) == [
            "m.csv: line 5, column 3: 'oops' in column 'train, loss' is not a number; cell skipped",
            "m.csv: line 6, column 2: step '2.5' is not an integer; row skipped",
            "m.csv: line 7: 3 cells, the header has 6; row skipped",
            "m.csv: line 10: a quoted cell is never closed; the row is skipped",
        ])
    }

    @Test func skipRowsLeavesOutRowsAlreadyShown() {
        let text = "step,loss\n1,0.5\n2,0.25\n3,0.125\n4,0.0625\n"
        let (items, reader) = readCSV(bytes: Array(text.utf8)) { $0.skipRows = 2 }
        #expect(events(items) == [runEvent(), scalars(3, ["loss": 0.125]), scalars(4, ["loss": 0.0625])])
        #expect(reader.rowsRead == 4)
    }

    @Test func skipRowsCountsOnlyRowsThatWereRead() {
        // A ragged row is not a row shown, so it does not use up a skip.
        let text = "step,loss\n1,0.5\n2\n3,0.125\n4,0.0625\n"
        let (items, reader) = readCSV(bytes: Array(text.utf8)) { $0.skipRows = 2 }
        #expect(events(items) == [runEvent(), scalars(4, ["loss": 0.0625])])
        #expect(problems(items) == ["m.csv: line 3: 1 cells, the header has 2; row skipped"])
        #expect(reader.rowsRead == 3)
    }

    @Test func rowsReadCountsRowsAsTheyComplete() {
        var reader = CSVMetricsReader(source: "m.csv", run: "r")
        var items: [IngestItem] = []
        reader.feed(Array("step,loss\n1,0.5\n2,0.2".utf8)) { items.append($0) }
        #expect(reader.rowsRead == 1)
        #expect(reader.header == ["step", "loss"])
        reader.feed(Array("5\n".utf8)) { items.append($0) }
        #expect(reader.rowsRead == 2)
        #expect(events(items) == [runEvent(), scalars(1, ["loss": 0.5]), scalars(2, ["loss": 0.25])])
    }
}

/// CR, CRLF and LF line ends read alike, whatever the chunking (a CRLF may be split between reads).
@Suite struct CSVLineEndTests {
    @Test(arguments: [1, 2, 3, 1000])
    func crOnlyCrlfAndLfGiveTheSameRows(_ chunk: Int) {
        let lf = readCSV("step,loss\n1,0.5\n2,0.25\n", chunk: chunk)
        #expect(events(lf).count == 3 && problems(lf).isEmpty)
        #expect(readCSV("step,loss\r1,0.5\r2,0.25\r", chunk: chunk) == lf)
        #expect(readCSV("step,loss\r\n1,0.5\r\n2,0.25\r\n", chunk: chunk) == lf)
        #expect(readCSV("step,loss\r1,0.5\n2,0.25", chunk: chunk) == lf)
    }

    @Test func lineNumbersCountCarriageReturns() {
        let items = readCSV("step,loss\r1,0.5\r2,x\r")
        #expect(problems(items).first?.hasPrefix("m.csv: line 3") == true, "\(problems(items))")
    }
}
