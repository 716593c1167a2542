import Testing
import Dashboard
import Telemetry
import TerminalUI
import TestSupport

/// A view keeps what it drew between frames (line columns, drawn lines, whole charts and panels of
/// unchanged runs). Whatever happens between two frames, it must draw exactly what a fresh view
/// draws from the same state.
@Suite struct FrameMemoryTests {
    static func chars(_ text: String) -> [Key] { text.map { Key.character($0) } }

    /// The 20-run sweep arriving in chunks, with keys, resizes and clock ticks between frames.
    @Test(arguments: [(80, 24), (160, 48)])
    func aViewThatRemembersDrawsWhatAFreshViewDraws(_ size: (Int, Int)) throws {
        let events = try Recording(path: TestPaths.sample("runs/sweep.jsonl")).events
        let theme = Theme.builtIn["default"]!
        let remembering = DashboardView(theme: theme)
        var state = DashboardState(width: size.0, height: size.1, sourceName: "sweep.jsonl")
        let steps: [[Message]] = [
            [], [.key(.character("r"))], [.key(.character("j"))], [.key(.character(" "))], [.frameTick(time: 3)], [],
            [.key(.character("<"))], [.key(.character("l"))], [.key(.character("g"))], [.key(.character("g"))],
            [.key(.character("."))], [.key(.character("i"))], [.key(.character("i"))], [.resize(width: size.0 - 7, height: size.1 - 3)],
            [.key(.tab)], [.key(.character("s"))], [.frameTick(time: 10)], [.key(.character("a"))],
        ]
        let chunk = events.count / 12 + 1
        var frames = 0
        for (n, start) in stride(from: 0, to: events.count, by: chunk).enumerated() {
            for event in events[start..<min(events.count, start + chunk)] { _ = update(&state, .telemetry(event)) }
            for message in steps[n % steps.count] + steps[(n * 5 + 3) % steps.count] {
                _ = update(&state, message)
                for _ in 0..<2 {
                    let kept = remembering.render(state), fresh = DashboardView(theme: theme).render(state)
                    frames += 1
                    #expect(kept == fresh, "frame \(frames) after \(message) at event \(start): differs at \(kept.changes(from: fresh).first.map { "\($0.x),\($0.y)" } ?? "-")")
                }
            }
            let kept = remembering.render(state), fresh = DashboardView(theme: theme).render(state)
            #expect(kept == fresh, "after events up to \(start + chunk)")
        }
        #expect(frames > 20)
    }

    /// Five runs, one of them (not the newest, not the main run) still logging: its lines change
    /// under lines that do not; the cursor moves over unchanged lines; the clock ticks.
    @Test func aRunInTheMiddleChangingRedrawsWhatItMust() {
        let theme = Theme.builtIn["default"]!
        let remembering = DashboardView(theme: theme)
        var state = DashboardState(width: 120, height: 40, sourceName: "memory")
        func log(_ run: String, _ steps: ClosedRange<Int>, _ scale: Double) {
            for step in steps {
                _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: run, step: step, values: ["train/loss": scale / Double(step), "test/acc": 1 - scale / Double(step + 1)]))))
            }
        }
        for (i, id) in ["a", "b", "c", "d", "e"].enumerated() {
            _ = update(&state, .telemetry(.run(RunEvent(run: id))))
            log(id, 1...(id == "c" ? 100 : 300), Double(i + 1))
        }
        var checked = 0
        func check(_ what: String) {
            let kept = remembering.render(state), fresh = DashboardView(theme: theme).render(state)
            checked += 1
            #expect(kept == fresh, "\(what): differs at \(kept.changes(from: fresh).first.map { "\($0.x),\($0.y)" } ?? "-")")
        }
        check("first frame")
        check("nothing changed")
        for n in 0..<5 {
            log("c", (101 + 20 * n)...(120 + 20 * n), 3)
            check("run c logged up to \(120 + 20 * n)")
            check("again")
        }
        for key in [Key.character("c"), .right, .right, .left, .character("c")] {
            _ = update(&state, .key(key))
            check("after \(key)")
        }
        _ = update(&state, .frameTick(time: 5))
        check("a clock tick")
        #expect(checked == 18)
    }
}
