import Foundation
import JSONCore
import Testing
import Ingest
import Telemetry
import TestSupport

/// The fixtures were written by the `tensorboard` package's own writer and read back by its own
/// loader into expected.json (Tests/IngestTests/Fixtures/tensorboard/make_fixtures.py).
enum TensorBoardFixtures {
    static let root = TestPaths.repositoryRoot.appendingPathComponent("Tests/IngestTests/Fixtures/tensorboard")
    nonisolated(unsafe) static let expected: [String: Any] = {
        // Telemetry's parser reads numbers exactly (Foundation's JSONSerialization does not).
        let bytes = [UInt8](try! Data(contentsOf: root.appendingPathComponent("expected.json")))
        return plain(try! JSONParser.parse(bytes: bytes)) as! [String: Any]
    }()

    /// Integral numbers as Int, others as Double, containers as arrays and dictionaries.
    static func plain(_ value: JSONValue) -> Any {
        switch value {
        case .number(let x): x.rounded() == x && abs(x) < 1e15 ? Int(x) as Any : x as Any
        case .string(let s): s
        case .bool(let b): b
        case .null: NSNull()
        case .array(let a): a.map(plain)
        case .object(let o): Dictionary(o.entries.map { ($0.key, plain($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static func number(_ any: Any?) -> Double {
        if let s = any as? String { return s == "NaN" ? Double.nan : s == "Infinity" ? Double.infinity : -Double.infinity }
        if let n = any as? Double { return n }
        if let n = any as? Int { return Double(n) }
        Issue.record("not a number: \(String(describing: any))")
        return 0
    }

    /// The edges and counts of what TensorBoard itself displays for a `HistogramProto`, from the
    /// fixture's `tensorboard_buckets` ([left, right, count] rows) or, for tensor histograms, the
    /// fixture's own `edges`. TensorBoard rounds to float32, so the edges are compared as floats.
    static func displayed(_ want: [String: Any]) -> (edges: [Float], counts: [Double]) {
        guard let rows = want["tensorboard_buckets"] as? [[Any]] else {
            return ((want["edges"] as! [Any]).map { Float(number($0)) }, (want["counts"] as! [Any]).map(number))
        }
        return (rows.map { Float(number($0[0])) } + [Float(number(rows.last![1]))], rows.map { number($0[2]) })
    }

    /// Every record of a file, decoded, with the reader's problems.
    static func decode(_ path: String, chunk: Int = 1 << 20) -> (events: [TensorBoardEvent], problems: [String]) {
        let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        var reader = TFRecordReader()
        var decoder = TensorBoardEventDecoder()
        var events: [TensorBoardEvent] = [], problems: [String] = []
        let handle: (TFRecordReader.Item) -> Void = { item in
            switch item {
            case .record(_, let payload):
                do { events.append(try decoder.decode(payload)) } catch { problems.append("\(error)") }
            case .error(let offset, let reason): problems.append("offset \(offset): \(reason)")
            }
        }
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            reader.feed(Array(bytes[start..<min(start + chunk, bytes.count)]), handle)
        }
        reader.finish(handle)
        return (events, problems)
    }
}

@Suite struct TensorBoardTests {
    @Test func crc32cMatchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var bitwise: UInt32 = 0xFFFF_FFFF
        for byte in long {
            bitwise ^= UInt32(byte)
            for _ in 0..<8 { bitwise = bitwise & 1 == 1 ? (bitwise >> 1) ^ 0x82F6_3B78 : bitwise >> 1 }
        }
        #expect(CRC32C.checksum(long) == ~bitwise, "slicing-by-8 equals the bit-by-bit definition")
    }

    /// Every scalar (tag, step, wall time, value) and histogram of the real writer's files, exactly.
    @Test(arguments: [1 << 20, 7])
    func everyValueTheRealWriterWroteDecodesExactly(chunk: Int) throws {
        let runs = try #require(TensorBoardFixtures.expected["runs"] as? [String: [[String: Any]]])
        var scalarCount = 0, histogramCount = 0
        for (_, files) in runs {
            for file in files {
                let path = TensorBoardFixtures.root.appendingPathComponent(file["file"] as! String).path
                let (events, problems) = TensorBoardFixtures.decode(path, chunk: chunk)
                #expect(problems.isEmpty, "\(problems)")
                #expect(events.count == file["records"] as? Int)
                #expect(events.first?.fileVersion == "brain.Event:2")
                var scalars: [(String, Int, Double, Double)] = []
                var histograms: [(String, Int, Double, [Double], [Double])] = []
                for event in events {
                    for value in event.values {
                        switch value {
                        case .scalar(let tag, let v, _): scalars.append((tag, event.step, event.wallTime, v))
                        case .histogram(let tag, let edges, let counts): histograms.append((tag, event.step, event.wallTime, edges, counts))
                        case .text, .hparams, .skipped: Issue.record("these fixtures hold scalars and histograms only: \(value)")
                        }
                    }
                }
                let wantScalars = file["scalars"] as! [[String: Any]]
                #expect(scalars.count == wantScalars.count)
                for (got, want) in zip(scalars, wantScalars) {
                    let value = TensorBoardFixtures.number(want["value"])
                    #expect(got.0 == want["tag"] as? String && got.1 == want["step"] as? Int && got.2 == TensorBoardFixtures.number(want["wall_time"]),
                            "\(got) vs \(want)")
                    #expect(got.3 == value || (got.3.isNaN && value.isNaN), "\(got.0)@\(got.1): \(got.3) vs \(value)")
                }
                scalarCount += scalars.count
                let wantHistograms = (file["histograms"] as? [[String: Any]]) ?? []
                #expect(histograms.count == wantHistograms.count)
                for (got, want) in zip(histograms, wantHistograms) {
                    #expect(got.0 == want["tag"] as? String && got.1 == want["step"] as? Int && got.2 == TensorBoardFixtures.number(want["wall_time"]))
                    let displayed = TensorBoardFixtures.displayed(want)
                    #expect(got.3.map(Float.init) == displayed.edges, "\(got.0)@\(got.1) edges")
                    #expect(got.4 == displayed.counts, "\(got.0)@\(got.1) counts")
                }
                histogramCount += histograms.count
            }
        }
        #expect(scalarCount == 160 && histogramCount == 9, "the fixtures hold both kinds (\(scalarCount), \(histogramCount))")
    }

    /// A log directory: one run per sub-directory, a restarted job's second file appended, scalars
    /// of a step merged into one event.
    @Test func aLogDirectoryBecomesOneRunPerSubdirectory() throws {
        let hub = IngestHub(mode: .once, token: nil)
        try hub.open([.logFolder(path: TensorBoardFixtures.root.appendingPathComponent("logs").path)])
        var events: [TelemetryEvent] = [], problems: [SourceProblem] = []
        while case let items = hub.waitAndDrain(), !items.isEmpty {
            for item in items {
                switch item {
                case .event, .scalars: item.forEachEvent { events.append($0) }
                case .problem(let p): problems.append(p)
                case .notice, .skipped, .text, .found: break
                }
            }
        }
        #expect(problems.isEmpty, "\(problems)")
        let runs = events.compactMap { if case .run(let r) = $0 { r.run } else { nil } }
        #expect(Set(runs) == ["train", "validation"] && runs.count == 2)
        let train = events.compactMap { if case .scalars(let s) = $0, s.run == "train" { s } else { nil } }
        #expect(train.map(\.step) == Array(0..<60), "one event per step, the second file after the first")
        #expect(train.allSatisfy { Set($0.values.keys) == ["loss", "acc"] })
        #expect(train[17].values["loss"]!.isNaN && train[31].values["loss"] == .infinity)
        let histograms = events.compactMap { if case .histogram(let h) = $0 { h } else { nil } }
        #expect(histograms.allSatisfy { $0.edges.count == $0.counts.count + 1 } && histograms.count >= 8)
    }

    /// Damaged files: each problem says what and where; every intact record around it survives.
    @Test(arguments: [
        ("clean", [0, 1, 2], [String]()),
        ("bad_magic", [0, 1, 2], ["offset 0: not a TFRecord header (bad magic or corrupt length CRC); scanning for the next valid record"]),
        ("flipped_data_crc", [0, 2], ["offset 128: payload CRC mismatch; 26-byte record skipped"]),
        ("flipped_length_crc", [0, 2], ["offset 128: record header CRC mismatch; scanning for the next valid record"]),
        ("truncated_length", [0, 1], ["offset 170: truncated record: the file ends inside the 12-byte header (4 bytes)"]),
        ("truncated_payload", [0, 1], ["offset 170: truncated record: the file ends 13 bytes into a 26-byte payload"]),
    ])
    func corruptFilesKeepEveryIntactRecord(_ name: String, _ steps: [Int], _ problems: [String]) throws {
        let path = TensorBoardFixtures.root.appendingPathComponent("corrupt/\(name)/events.out.tfevents.\(name)").path
        let cases = (TensorBoardFixtures.expected["corrupt"] as! [String: Any])["cases"] as! [String: [String: Any]]
        let mustRecover = (cases[name]!["must_recover"] as! [Any]).compactMap { $0 as? Int }
        #expect(mustRecover == steps, "the corpus README and this test agree")
        for chunk in [1 << 20, 1, 5] {
            let (events, got) = TensorBoardFixtures.decode(path, chunk: chunk)
            #expect(events.filter { $0.fileVersion == nil }.map(\.step) == steps, "chunk \(chunk)")
            #expect(got == problems, "chunk \(chunk)")
        }
    }

    @Test func runNamesFollowTheDirectoryOfEachFile() {
        #expect(TensorBoardRunName.of(file: "logs/train/events.out.tfevents.1", root: "logs") == "train")
        #expect(TensorBoardRunName.of(file: "logs/a/b/events.out.tfevents.1", root: "logs/") == "a/b")
        #expect(TensorBoardRunName.of(file: "./logs/events.out.tfevents.1", root: "./logs") == "logs")
        #expect(TensorBoardRunName.of(file: "x/train/events.out.tfevents.1", root: "x", prefix: "x") == "x/train")
    }
}
