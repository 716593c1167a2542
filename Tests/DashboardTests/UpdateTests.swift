import Testing
import Telemetry
import Dashboard
import TerminalUI

@Suite struct UpdateTests {
    @Test func eventsFoldIntoPerRunSeries() {
        var state = DashboardState(width: 80, height: 24)
        _ = update(&state, .telemetry(.run(RunEvent(run: "a", task: "modular", knobs: [KnobSpec(name: "lr", value: .number(0.1))]))))
        for step in 1...3 {
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(step: step, time: Double(step), values: ["loss": 1 / Double(step)]))))
        }
        _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "b", step: 1, values: ["loss": 9]))))
        _ = update(&state, .telemetry(.knob(KnobEvent(run: "a", step: 3, name: "lr", old: .number(0.1), new: .number(0.05)))))
        _ = update(&state, .telemetry(.phase(PhaseEvent(run: "a", step: 3, name: "memorization"))))
        #expect(state.runOrder == ["a", "b"])
        #expect(state.runs["a"]!.series["loss"]!.count == 3 && state.runs["a"]!.series["loss"]!.last! == (3, 1.0 / 3))
        #expect(state.runs["a"]!.latestStep == 3 && state.runs["a"]!.latestTime == 3 && state.runs["a"]!.startTime == 1)
        #expect(state.runs["b"]!.series["loss"]!.last! == (1, 9))
        #expect(state.runs["a"]!.knobs[0].value == .number(0.05))
        #expect(state.runs["a"]!.phases.map(\.name) == ["memorization"])
        #expect(state.log.map(\.text) == ["run a started: modular", "step 3: lr 0.1 → 0.05 by user", "step 3: memorization"])
    }

    @Test func keysResizeAndTicks() {
        var state = DashboardState(width: 80, height: 24)
        #expect(update(&state, .key(" ")) == [.control(ControlMessage(.pause))])
        #expect(state.isPaused)
        #expect(update(&state, .key(" ")) == [.control(ControlMessage(.resume))])
        #expect(update(&state, .resize(width: 120, height: 40)).isEmpty)
        #expect(state.width == 120 && state.height == 40)
        #expect(update(&state, .frameTick(time: 42)).isEmpty && state.now == 42)
        #expect(update(&state, .key("q")) == [.quit])
        #expect(state.isQuitting)
    }

    @Test func sourceErrorsAreLoggedAndTheLogIsBounded() {
        var state = DashboardState(width: 80, height: 24)
        state.logCapacity = 3
        for i in 1...5 { _ = update(&state, .sourceError(source: "run.jsonl", description: "line \(i): bad")) }
        #expect(state.log.map(\.text) == ["run.jsonl: line 3: bad", "run.jsonl: line 4: bad", "run.jsonl: line 5: bad"])
        #expect(state.log.allSatisfy { $0.level == .error })
    }
}

@Suite struct KeymapAndViewTests {
    @Test func everyBindingIsDispatchedByUpdate() {
        for binding in Keymap.bindings {
            var state = DashboardState(width: 80, height: 24)
            let effects = update(&state, .key(binding.key))
            switch binding.action {
            case .quit: #expect(effects == [.quit] && state.isQuitting)
            case .togglePause: #expect(effects == [.control(ControlMessage(.pause))] && state.isPaused)
            case .toggleHelp: #expect(effects.isEmpty && state.isShowingHelp)
            }
        }
        var state = DashboardState(width: 80, height: 24)
        #expect(update(&state, .key("x")).isEmpty && state == DashboardState(width: 80, height: 24))
    }

    @Test func helpOverlayListsTheKeymapAndTooSmallSaysSo() {
        var state = DashboardState(width: 80, height: 24)
        _ = update(&state, .key("?"))
        let screen = DashboardView(theme: Theme.builtIn["default"]!).render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Keys"))
        for binding in Keymap.bindings { #expect(screen.contains(binding.summary), "help lacks \(binding.label)") }
        let tiny = DashboardView(theme: Theme.builtIn["mono"]!).render(DashboardState(width: 30, height: 8)).lines
        #expect(tiny.contains { $0.contains("terminal too small") } && tiny.contains { $0.contains("30×8, needs 40×12") })
    }

    @Test func chartsShowTheRunAtEverySize() {
        var state = DashboardState(width: 120, height: 40)
        _ = update(&state, .telemetry(.run(RunEvent(run: "r", task: "modular"))))
        for step in 1...500 {
            let values = ["train/loss": 5 / Double(step), "train/acc": min(1, Double(step) / 200)]
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(step: step, time: Double(step) / 50, values: values))))
        }
        for (w, h) in [(40, 12), (80, 24), (120, 40), (200, 60)] {
            _ = update(&state, .resize(width: w, height: h))
            let lines = DashboardView(theme: Theme.builtIn["default"]!).render(state).lines
            #expect(lines.count == h && lines[0].contains("run r") && lines[0].contains("step 500"))
            #expect(lines.contains { $0.contains("╭ Loss") } && lines.contains { $0.contains("╭ Accuracy") })
            #expect(lines.joined().unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "\(w)×\(h): no braille")
        }
    }
}
