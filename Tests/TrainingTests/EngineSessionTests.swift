import Testing
import Telemetry
import Training

@Suite struct EngineSessionTests {
    func session() throws -> (EngineSession, Trainer) {
        let trainer = Trainer(config: try smallConfig("grokking", ["log_every": "1", "batch_size": "16"]), runID: "m", clock: fixedClock)
        let session = EngineSession(main: trainer)
        _ = session.openingEvents()
        for _ in 0..<3 { _ = session.step(stepMain: true) }
        return (session, trainer)
    }

    @Test func forkAnnouncesBranchesThatStepInTurnWithTheMainRun() throws {
        let (session, _) = try session()
        let events = try session.perform(.fork(knob: nil, factors: nil, steps: 2), by: "user")
        let runs = events.compactMap { if case .run(let r) = $0 { r } else { nil } }
        #expect(runs.map(\.run) == ["m/lr×0.5", "m/lr×1", "m/lr×2"] && runs.allSatisfy { $0.parent == "m" && $0.preview })
        #expect(runs.map(\.factor) == [0.5, 1, 2])
        let knobs = events.compactMap { if case .knob(let k) = $0 { k } else { nil } }
        #expect(knobs.map(\.new) == [.number(0.0015), .number(0.006)] && knobs.allSatisfy { $0.by == "fork" && $0.step == 3 })
        let round = session.step(stepMain: true).compactMap { if case .scalars(let s) = $0 { "\(s.run!)@\(s.step)" } else { nil } }
        #expect(round == ["m/lr×0.5@4", "m/lr×1@4", "m/lr×2@4", "m@4"], "each branch, then the main run, one step each")
        _ = session.step(stepMain: false)
        let after = session.step(stepMain: true).compactMap { if case .scalars(let s) = $0 { s.run } else { nil } }
        #expect(after == ["m"], "branches stop after their steps; the main run was paused for a round")
        #expect(throws: ControlRefusal("a fork preview is running: adopt a branch or discard them first")) {
            try session.perform(.fork(knob: nil, factors: nil, steps: nil), by: "user")
        }
    }

    @Test func adoptingABranchContinuesExactlyFromIt() throws {
        let (session, main) = try session()
        _ = try session.perform(.fork(knob: "lr", factors: [1, 3], steps: 5), by: "user")
        for _ in 0..<5 { _ = session.step(stepMain: false) }
        let branch = session.branches[1].trainer
        let twin = branch.fork(runID: "twin")
        let adopted = try session.perform(.adopt(run: "m/lr×3"), by: "user")
        guard case .run(let run)? = adopted.first else { Issue.record("no run event"); return }
        #expect(run.run == "m/lr×3" && run.parent == "m" && run.adopted)
        #expect(session.branches.isEmpty && (session.main as? Trainer) === branch && main.state.step == 3)
        let continued = scalarSeries(session.step(stepMain: true) + session.step(stepMain: true))
        let expected = scalarSeries(twin.step() + twin.step())
        #expect(continued.map(\.0) == expected.map(\.0) && continued.map(\.1) == expected.map(\.1))
        #expect(throws: ControlRefusal("no fork branch 'x' (branches: )")) { try session.perform(.adopt(run: "x"), by: "user") }
    }

    @Test func discardEndsTheBranchesAndRefusalsChangeNothing() throws {
        let (session, main) = try session()
        _ = try session.perform(.fork(knob: nil, factors: [2], steps: 10), by: "user")
        #expect(try session.perform(.discard, by: "user") == [.control(ControlMessage(.discard, run: "m"))])
        #expect(session.branches.isEmpty)
        #expect(throws: ControlRefusal("no fork branches to discard")) { try session.perform(.discard, by: "user") }
        #expect(throws: ControlRefusal("'optimizer' is not a numeric knob of this run")) {
            try session.perform(.fork(knob: "optimizer", factors: nil, steps: nil), by: "user")
        }
        #expect(throws: ControlRefusal("fork needs 1–9 non-negative factors and at least one step")) {
            try session.perform(.fork(knob: nil, factors: [-1], steps: nil), by: "user")
        }
        #expect(throws: ControlRefusal.self) { try session.perform(.rollback(to: 2), by: "user") }
        #expect(throws: ControlRefusal("nothing to undo: no knob change since the start or the last undo")) {
            try session.perform(.rollback(to: nil), by: "user")
        }
        let before = main.state
        #expect(throws: ControlRefusal.self) { try session.perform(.set(knob: "lr", value: .number(-1)), by: "user") }
        #expect(main.state == before)
        _ = try session.perform(.set(knob: "lr", value: .number(0.01)), by: "user")
        _ = try session.perform(.fork(knob: nil, factors: [2], steps: 10), by: "user")
        let undone = try session.perform(.rollback(to: nil), by: "user")
        #expect(undone.first == .control(ControlMessage(.discard, run: "m")) && undone.count == 2, "branches of the abandoned state end")
        #expect(session.branches.isEmpty && main.state == before)
    }

    @Test func aSweepCannotBeForked() throws {
        let base = try smallConfig("grokking", ["steps": "2"])
        let sweep = Study(id: "s", base: base, plan: try SweepPlan(base: base, key: "hidden", values: [.int(4)]), clock: fixedClock)
        let session = EngineSession(main: sweep)
        #expect(throws: ControlRefusal("fork previews need a single run (not a sweep)")) {
            try session.perform(.fork(knob: nil, factors: nil, steps: nil), by: "user")
        }
    }
}
