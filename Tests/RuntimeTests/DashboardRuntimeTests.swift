import Dashboard
import Foundation
import Runtime
import Telemetry
import TerminalUI
import Testing
import TestSupport

/// A source that hands out scripted messages one poll at a time and remembers what it was asked to do.
final class ScriptedSource: MessageSource {
    var polls: [[Message]]
    var performed: [ControlMessage] = []
    var closed = false
    var failure: Error?

    init(_ polls: [[Message]]) { self.polls = polls }

    func poll(elapsed: Double) throws -> [Message] {
        if let failure { throw failure }
        return polls.isEmpty ? [] : polls.removeFirst()
    }

    func perform(_ control: ControlMessage) { performed.append(control) }

    func close() { closed = true }
}

struct SourceFailed: Error {}

/// The runtime loop itself, on a `TestBackend`: keys in, frames out, effects performed, the
/// terminal given back — with time as a value and no sleeping.
@Suite struct DashboardRuntimeTests {
    let theme = Theme.builtIn["default"]!

    /// A clock that advances a thirtieth of a second per reading.
    final class SteppingClock: @unchecked Sendable {
        var now = 1_763_800_000.0
        func read() -> Double {
            defer { now += 1.0 / 30 }
            return now
        }
    }

    func runtime(_ backend: TestBackend, _ source: MessageSource, directory: String = NSTemporaryDirectory()) -> DashboardRuntime {
        let clock = SteppingClock()
        return DashboardRuntime(backend: backend, source: source, theme: theme, sourceName: "test",
                                snapshotDirectory: directory, clock: clock.read, wait: { _ in })
    }

    @Test func aReplayWithScriptedKeysDrawsTheRunAndQuits() throws {
        let events = try Recording(path: TestPaths.sample("runs/grokking.jsonl")).events
        // Speed so high that the whole recording is due by the second frame (the first is at time 0).
        let source = ReplaySource(events: events, speed: 1e12)
        let backend = TestBackend(width: 120, height: 40, keys: [])
        let loop = runtime(backend, source)
        #expect(try loop.frame())
        #expect(try loop.frame())
        let lines = try #require(backend.lastFrameLines)
        #expect(lines.count == 40 && backend.frames.count == 2)
        #expect(lines.joined().contains("train/loss"), "the curves panel draws the replayed run")
        let runID = try #require(events.compactMap { if case .run(let r) = $0 { r.run } else { nil } }.first)
        #expect(loop.state.currentRun?.id == runID)
        // `?` opens the help overlay, Esc closes it, `q` quits: the loop ends and gives the terminal back.
        backend.keys = [.character("?")]
        #expect(try loop.frame())
        #expect(backend.lastFrameLines!.joined().contains("quit"), "the help overlay lists the keys")
        backend.keys = [.escape, .character("q")]
        #expect(try loop.run() == nil)
        #expect(!backend.isStarted && backend.stopCount == 1)
    }

    @Test func everyEffectIsPerformedWhateverMessageReturnsIt() throws {
        let run = RunEvent(run: "r", knobs: [KnobSpec(name: "lr", value: .number(0.1), min: 1e-4, max: 1, scale: .log, step: 2)])
        let source = ScriptedSource([[.telemetry(.run(run))]])
        let backend = TestBackend(width: 100, height: 30, keys: [.character(" ")])
        let loop = runtime(backend, source)
        #expect(try loop.frame())
        #expect(source.performed.map(\.command) == [.pause], "space pauses the run through the source")
        #expect(loop.state.isPaused)
        // A refusal from the source comes back as a message and takes the pause back.
        source.polls = [[.controlRefused(ControlMessage(.pause), reason: "no producer")]]
        #expect(try loop.frame())
        #expect(!loop.state.isPaused && loop.state.log.last?.text.contains("no producer") == true)
    }

    @Test func theSnapshotKeyWritesTheScreenTheFigureAndTheDataAndSaysWhere() throws {
        let directory = TestPaths.scratchDirectory().path
        let source = ScriptedSource([[.telemetry(.run(RunEvent(run: "r"))),
                                      .telemetry(.scalars(ScalarsEvent(run: "r", step: 3, values: ["train/loss": 0.5])))]])
        let backend = TestBackend(width: 100, height: 30, keys: [.character("S")])
        let loop = runtime(backend, source, directory: directory)
        #expect(try loop.frame())
        let note = try #require(loop.state.log.last?.text)
        #expect(note == "snapshot: \(directory)/trainscope-r-step3.svg, .figure.svg and .json")
        #expect(FileManager.default.fileExists(atPath: "\(directory)/trainscope-r-step3.svg"))
        #expect(FileManager.default.fileExists(atPath: "\(directory)/trainscope-r-step3.json"))
        let figure = try String(contentsOfFile: "\(directory)/trainscope-r-step3.figure.svg", encoding: .utf8)
        #expect(figure.contains("data-key=\"r/train/loss\"") && figure.contains("class=\"axis-title\""), "the figure draws the curve as a chart")
        #expect(!figure.contains("trainscope") && !figure.contains("help"), "a figure has no status bar or key hints")
    }

    /// A producer's run id cannot place the snapshot elsewhere, even when the folder it names exists.
    @Test func theSnapshotKeyBuildsFileNamesFromASafeRunID() throws {
        let directory = TestPaths.scratchDirectory().path
        try FileManager.default.createDirectory(atPath: directory + "/trainscope-x", withIntermediateDirectories: true)
        let id = "x/../../escaped"
        let source = ScriptedSource([[.telemetry(.run(RunEvent(run: id))),
                                      .telemetry(.scalars(ScalarsEvent(run: id, step: 1, values: ["loss": 1])))]])
        let loop = runtime(TestBackend(width: 100, height: 30, keys: [.character("S")]), source, directory: directory)
        #expect(try loop.frame())
        #expect(FileManager.default.fileExists(atPath: "\(directory)/trainscope-x_.._.._escaped-step1.svg"))
        #expect(!FileManager.default.fileExists(atPath: (directory as NSString).deletingLastPathComponent + "/escaped-step1.svg"))
    }

    @Test func aResizeRedrawsAtTheNewSizeAndForgetsTheLastFrame() throws {
        let backend = TestBackend(width: 100, height: 30)
        let loop = runtime(backend, ScriptedSource([]))
        #expect(try loop.frame())
        backend.size = (60, 12)
        #expect(try loop.frame())
        #expect(backend.invalidations == 1 && backend.frames.last?.width == 60 && backend.frames.last?.height == 12)
        #expect(loop.state.width == 60 && loop.state.height == 12)
    }

    @Test func aThrownErrorGivesTheTerminalBackAndClosesTheSource() throws {
        let source = ScriptedSource([])
        source.failure = SourceFailed()
        let backend = TestBackend(width: 80, height: 24)
        #expect(throws: SourceFailed.self) { try runtime(backend, source).run() }
        #expect(!backend.isStarted && backend.stopCount == 1 && source.closed)
    }

    @Test func blocksOfScalarsFoldLikeTheirRowsAsEvents() throws {
        var block = ScalarsBlock(run: "r", names: ["train/loss", "lr"], timed: true)
        let values: [[Double]] = [[1.0, 0.1], [0.5, 0.1], [0.25, 0.05]]
        for (i, row) in values.enumerated() {
            row.withUnsafeBufferPointer { block.append(step: i + 1, time: 100 + Double(i), row: $0) }
        }
        var byBlock = DashboardState(width: 100, height: 30, sourceName: "t")
        var byRow = byBlock
        _ = update(&byBlock, .scalars(block))
        block.forEachEvent { _ = update(&byRow, .telemetry(.scalars($0))) }
        #expect(byBlock == byRow)
        #expect(byBlock.runs["r"]?.series["train/loss"]?.recent.count == 3)
    }
}
