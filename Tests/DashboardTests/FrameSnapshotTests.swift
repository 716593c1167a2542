import Foundation
import Testing
import Dashboard
import Snapshot
import Telemetry
import TerminalUI
import TestSupport

/// Whole frames built by replaying Samples/runs recordings through `update`, compared byte for byte
/// with the ANSI text in Snapshots/. Record them with TRAINSCOPE_RECORD_SNAPSHOTS=1 (never in CI).
@Suite struct FrameSnapshotTests {
    static let cases: [(sample: String, width: Int, height: Int, theme: String)] = ["grokking", "eos", "pareto", "sweep"].flatMap { sample in
        [(80, 24), (160, 48)].flatMap { size in ["default", "mono"].map { (sample, size.0, size.1, $0) } }
    }

    static func frame(sample: String, width: Int, height: Int, theme: String) throws -> String {
        let recording = try Recording(path: TestPaths.sample("runs/\(sample).jsonl"))
        var state = DashboardState(width: width, height: height, sourceName: "\(sample).jsonl")
        for event in recording.events { _ = update(&state, .telemetry(event)) }
        return TextExport.ansi(DashboardView(theme: Theme.builtIn[theme]!).render(state))
    }

    @Test(arguments: cases)
    func frameMatchesItsSnapshot(_ c: (sample: String, width: Int, height: Int, theme: String)) throws {
        let text = try Self.frame(sample: c.sample, width: c.width, height: c.height, theme: c.theme)
        if let problem = Golden.mismatch(text, "Tests/DashboardTests/Snapshots/\(c.sample)-\(c.width)x\(c.height)-\(c.theme).ansi") {
            Issue.record("\(problem)")
        }
        #expect(try Self.frame(sample: c.sample, width: c.width, height: c.height, theme: c.theme) == text, "rendering is deterministic")
    }

    /// The 20-run sweep (Samples/runs/make_sweep.sh) after each key path of the runs panel.
    static let keyPaths: [(name: String, keys: [Key])] = [
        ("runs", chars("r")),
        ("isolate", chars("rjjji")),
        ("query", chars("r/lr >= 5e-3") + [.enter]),
        ("sort-best-descending", chars("r<<<R")),
        ("hidden", chars("rj jj jj ")),
        ("selected", chars("...")),
        ("details", chars("rjjjj") + [.enter]),
        ("groups", chars("rg")),
        ("sweep-panel", [.tab, .tab] + chars("v")),
        ("groups-std-folded", chars("rgBj ")),
    ]

    static func chars(_ text: String) -> [Key] { text.map { Key.character($0) } }

    @Test(arguments: keyPaths.flatMap { path in [(80, 24), (160, 48)].map { (path.name, path.keys, $0.0, $0.1) } })
    func sweepKeyPathsMatchTheirSnapshots(_ c: (name: String, keys: [Key], width: Int, height: Int)) throws {
        let recording = try Recording(path: TestPaths.sample("runs/sweep.jsonl"))
        var state = DashboardState(width: c.width, height: c.height, sourceName: "sweep.jsonl")
        for event in recording.events { _ = update(&state, .telemetry(event)) }
        for key in c.keys { _ = update(&state, .key(key)) }
        let text = TextExport.ansi(DashboardView(theme: Theme.builtIn["default"]!).render(state))
        if let problem = Golden.mismatch(text, "Tests/DashboardTests/Snapshots/sweep-\(c.name)-\(c.width)x\(c.height).ansi") {
            Issue.record("\(problem)")
        }
    }
}
