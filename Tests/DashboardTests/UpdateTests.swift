import Testing
import Telemetry
import Dashboard

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
