import Foundation
import Ingest
import JSONCore
import Telemetry
import Testing
import TestSupport

/// Logs written by the real writers users have (torch's `SummaryWriter`, Lightning's `CSVLogger`,
/// a Hugging Face `Trainer`, MLflow's file store; Fixtures/writers/make_fixtures.sh), read as one
/// folder and compared with what those libraries' own readers give (expected.json).
@Suite struct WriterFixtureTests {
    static let root = TestPaths.repositoryRoot.appendingPathComponent("Tests/IngestTests/Fixtures/writers")
    nonisolated(unsafe) static let expected: [String: Any] = {
        let bytes = [UInt8](try! Data(contentsOf: root.appendingPathComponent("expected.json")))
        return TensorBoardFixtures.plain(try! JSONParser.parse(bytes: bytes)) as! [String: Any]
    }()

    /// Everything the folder gives, read once.
    struct Read {
        var scalars: [(run: String, tag: String, step: Int, value: Double)] = []
        var histograms: [HistogramEvent] = []
        var runs: [String: RunEvent] = [:]
        /// The config each run was last announced with (a log's hparams come after its first announcement).
        var configs: [String: JSONObject] = [:]
        var skipped: [String: [String: Int]] = [:]
        var texts: [(run: String, step: Int, tag: String, text: String)] = []
        var found: [String] = []
        var problems: [String] = []
    }

    static let read: Read = {
        var read = Read()
        let hub = IngestHub(mode: .once, token: nil)
        try! hub.open([.logFolder(path: root.path)])
        while case let items = hub.waitAndDrain(), !items.isEmpty {
            for item in items {
                switch item {
                case .event, .scalars:
                    item.forEachEvent { event in
                        switch event {
                        case .scalars(let s): for (tag, v) in s.values { read.scalars.append((s.run ?? "", tag, s.step, v)) }
                        case .histogram(let h): read.histograms.append(h)
                        case .run(let r):
                            read.runs[r.run] = r
                            if !r.config.isEmpty { read.configs[r.run] = r.config }
                        default: break
                        }
                    }
                case .skipped(let run, let kind, let count): read.skipped[run, default: [:]][kind, default: 0] += count
                case .text(let run, let step, let tag, let text): read.texts.append((run, step, tag, text))
                case .found(let text): read.found.append(text)
                case .problem(let p): read.problems.append(p.description)
                case .notice: break
                }
            }
        }
        return read
    }()

    static func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

    @Test func theFolderIsRecognizedAsEveryKindItHolds() {
        #expect(Self.read.problems.isEmpty, "\(Self.read.problems)")
        #expect(Self.read.found == ["\(Self.root.path): 3 TensorBoard runs, 1 Hugging Face run, 2 Lightning runs, 2 MLflow runs"])
    }

    /// torch.utils.tensorboard: every scalar (add_scalar, add_scalars' sub-runs, add_hparams'
    /// metric) exactly, histograms with their edges and counts, text as text, the rest counted.
    @Test func summaryWriterLogsArriveExactly() {
        let section = Self.expected["summarywriter"] as! [String: Any]
        // add_hparams's session folder is the config of the run above it: its values land there.
        let sessions = Set((section["hparams"] as! [[String: Any]]).map { $0["run"] as! String })
        func run(_ name: String) -> String { name == "." || sessions.contains(name) ? "summarywriter" : "summarywriter/\(name)" }
        let want = (section["scalars"] as! [[String: Any]]).map {
            (run($0["run"] as! String), $0["tag"] as! String, $0["step"] as! Int, TensorBoardFixtures.number($0["value"]))
        }
        let got = Self.read.scalars.filter { $0.run.hasPrefix("summarywriter") }
        func key(_ s: (String, String, Int, Double)) -> String { "\(s.0) \(s.1) \(s.2)" }
        #expect(got.count == want.count && want.count == 121)
        #expect(got.map(key).sorted() == want.map(key).sorted())
        let values = Dictionary(got.map { (key($0), $0.3) }, uniquingKeysWith: { a, _ in a })
        for w in want { #expect(values[key(w)].map { Self.same($0, w.3) } == true, "\(key(w)): \(String(describing: values[key(w)])) vs \(w.3)") }

        let histograms = section["histograms"] as! [[String: Any]]
        #expect(histograms.contains { $0["edges_nondecreasing"] as? Bool == false }, "the fixture holds the backwards case")
        #expect(Self.read.histograms.count == histograms.count)
        for (h, w) in zip(Self.read.histograms, histograms) {
            #expect(h.run == run(w["run"] as! String) && h.name == w["tag"] as? String && h.step == w["step"] as? Int)
            // torch's default bins put the leading empty bucket's limit below `min` (the raw edges
            // run backwards); what arrives is what TensorBoard displays, with ordered edges.
            let displayed = TensorBoardFixtures.displayed(w)
            #expect(h.edges.map(Float.init) == displayed.edges && h.counts == displayed.counts, "\(h.name)@\(h.step)")
            #expect(zip(h.edges, h.edges.dropFirst()).allSatisfy { $0 <= $1 })
        }
        let texts = (section["texts"] as! [[String: Any]]).map { "\(run($0["run"] as! String)) \($0["step"]!) \($0["tag"]!) \($0["text"]!)" }
        #expect(Self.read.texts.map { "\($0.run) \($0.step) \($0.tag) \($0.text)" } == texts)

        // Each kind the dashboard does not draw, counted per run as the writer's records say.
        let names = ["tagged_run_metadata": "run_metadata"]
        for (name, kinds) in section["counts"] as! [String: [String: Int]] {
            var wantSkipped: [String: Int] = [:]
            for (kind, count) in kinds where !["file_version", "text", "scalars", "histograms", "hparams"].contains(kind) {
                wantSkipped[names[kind] ?? kind] = count
            }
            if sessions.contains(name) { continue }
            #expect(Self.read.skipped[run(name)] ?? [:] == wantSkipped, "\(name)")
        }

        // The hparams: the run's config, exactly as the session start holds them; no run of their own.
        let start = (section["hparams"] as! [[String: Any]]).first { $0["kind"] as? String == "session_start_info" }!
        let hparams = start["hparams"] as! [String: Any]
        let config = Self.read.configs["summarywriter"] ?? JSONObject()
        #expect(config.count == hparams.count && hparams.count == 4)
        for (key, value) in hparams {
            if let text = value as? String { #expect(config[key] == .string(text), "\(key)") } else {
                #expect(config[key] == .number(TensorBoardFixtures.number(value)), "\(key)")
            }
        }
        #expect(!Self.read.runs.keys.contains { sessions.contains(String($0.split(separator: "/").last ?? "")) })
    }

    /// What `--record` writes of these histograms replays: each line decodes to the same event.
    @Test func histogramsSurviveRecordAndReplay() {
        #expect(!Self.read.histograms.isEmpty)
        let lines = Self.read.histograms.map { TelemetryEvent.histogram($0).jsonLine }.joined(separator: "\n")
        let replayed = NDJSONDecoder.decodeAll(lines)
        #expect(replayed == Self.read.histograms.enumerated().map { .event(.histogram($0.element), line: $0.offset + 1) })
    }

    /// Lightning's CSVLogger: each version a run, every cell of metrics.csv, hparams.yaml as config.
    @Test func lightningVersionsArriveWithTheirHParams() {
        for (version, section) in Self.expected["lightning_logs"] as! [String: [String: Any]] {
            let run = "lightning_logs/\(version)"
            for (metric, rows) in section["metrics"] as! [String: [[String: Any]]] {
                let got = Self.read.scalars.filter { $0.run == run && $0.tag == metric }
                let want = rows.map { ($0["step"] as! Int, TensorBoardFixtures.number($0["value"])) }
                #expect(got.map(\.step) == want.map(\.0) && zip(got, want).allSatisfy { Self.same($0.value, $1.1) }, "\(run) \(metric)")
            }
            var flat: [String: Any] = [:]
            func flatten(_ value: Any, _ prefix: String) {
                if let object = value as? [String: Any] { for (k, v) in object { flatten(v, prefix.isEmpty ? k : prefix + "." + k) } } else { flat[prefix] = value }
            }
            flatten(section["hparams"]!, "")
            let config = Self.read.runs[run]?.config ?? JSONObject()
            #expect(Set(config.keys) == Set(flat.keys), "\(run): \(config.keys) vs \(flat.keys)")
            for (key, value) in flat {
                switch value {
                case let b as Bool: #expect(config[key] == .bool(b), "\(key)")
                case let s as String: #expect(config[key] == .string(s), "\(key)")
                case let list as [Any]: #expect(config[key] == .array(list.map { .string("\($0)") }), "\(key)")
                default: #expect(config[key]?.number == TensorBoardFixtures.number(value), "\(key)")
                }
            }
        }
    }

    /// A Trainer output folder: the newest trainer_state.json's log history, named as the Trainer's
    /// TensorBoard callback names it.
    @Test func aHuggingFaceOutputFolderGivesItsWholeLogHistory() {
        let states = (Self.expected["hf_output"] as! [String: Any])["trainer_states"] as! [[String: Any]]
        let newest = states[0]
        #expect(newest["file"] as? String == "hf_output/trainer_state.json")
        let history = newest["log_history"] as! [[String: Any]]
        var want: [String] = []
        for entry in history {
            guard let step = entry["step"] as? Int else { continue }
            for (key, value) in entry where key != "step" && (value is Int || value is Double) {
                let name = key.hasPrefix("eval_") ? "eval/" + key.dropFirst(5) : key.hasPrefix("test_") ? "test/" + key.dropFirst(5) : "train/" + key
                want.append("\(name) \(step) \(TensorBoardFixtures.number(value))")
            }
        }
        let got = Self.read.scalars.filter { $0.run == "hf_output" }.map { "\($0.tag) \($0.step) \($0.value)" }
        #expect(got.sorted() == want.sorted())
        #expect(Self.read.runs["hf_output"]?.config["global_step"] == .number(Double(newest["global_step"] as! Int)))
    }

    /// An MLflow file store: each run by its name, every metric's history, params as config.
    @Test func mlflowRunsArriveByNameWithEveryMetric() {
        let experiments = (Self.expected["mlruns"] as! [String: Any])["experiments"] as! [[String: Any]]
        let runs = experiments.flatMap { $0["runs"] as! [[String: Any]] }
        #expect(runs.count == 2)
        for run in runs {
            let name = run["run_name"] as! String
            for (metric, history) in run["metrics"] as! [String: [[String: Any]]] {
                let got = Self.read.scalars.filter { $0.run == name && $0.tag == metric }
                let want = history.map { ($0["step"] as! Int, TensorBoardFixtures.number($0["value"])) }
                #expect(got.map(\.step) == want.map(\.0) && zip(got, want).allSatisfy { Self.same($0.value, $1.1) }, "\(name) \(metric)")
            }
            let config = Self.read.runs[name]?.config ?? JSONObject()
            for (key, value) in run["params"] as! [String: String] {
                #expect(config[key] == (Double(value).map(JSONValue.number) ?? .string(value)), "\(name) \(key)")
            }
            #expect(config["mlflow.run_id"] == .string(run["run_id"] as! String))
        }
    }
}
