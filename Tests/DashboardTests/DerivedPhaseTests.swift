import Testing
import Dashboard
import Telemetry

/// Phases for sources that report none: the dashboard runs `PhaseDetector` on every run.
@Suite struct DerivedPhaseTests {
    let rows: [(Int, Double, Double)] = [(100, 0.5, 0.1), (200, 0.995, 0.2), (300, 1, 0.6), (900, 1, 0.992)]

    @Test func aLightningRunGetsTheGrokkingPanelFromItsOwnNames() {
        var state = DashboardState(width: 120, height: 40, sourceName: "logs")
        for (step, train, val) in rows {
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "version_0", step: step, values: ["train_acc": train, "val_acc": val]))))
        }
        let phases = state.runs["version_0"]!.phases
        #expect(phases.map(\.name) == ["memorization", "generalization"] && phases.map(\.step) == [200, 900])
        #expect(phases.allSatisfy { $0.isDerived })
        #expect(phases[1].evidence["delay_steps"] == .number(700))
        #expect(state.availablePanels.contains(.grokking))
        #expect(state.log.contains { $0.text == "step 900: generalization — test accuracy reached 99% at step 900, 700 steps (4.5×) after memorization" })
    }

    @Test func columnsFromABlockFindTheSamePhasesAsEvents() {
        var byEvents = DashboardState(width: 120, height: 40, sourceName: "x")
        var byBlock = byEvents
        var block = ScalarsBlock(run: "r", names: ["test/acc", "train/acc", "train/loss"], timed: false)
        for (step, train, test) in rows {
            let values = ["test/acc": test, "train/acc": train, "train/loss": 1 / Double(step)]
            _ = update(&byEvents, .telemetry(.scalars(ScalarsEvent(run: "r", step: step, values: values))))
            [test, train, 1 / Double(step)].withUnsafeBufferPointer { block.append(step: step, time: nil, row: $0) }
        }
        _ = update(&byBlock, .scalars(block))
        #expect(byBlock.runs["r"]!.phases == byEvents.runs["r"]!.phases)
        #expect(byBlock.runs["r"]!.phases.count == 2)
    }

    @Test func thePhaseTheSourceReportsReplacesTheDerivedOneAndIsLoggedOnce() {
        var state = DashboardState(width: 120, height: 40, sourceName: "engine")
        _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "g", step: 40, values: ["train/acc": 1]))))
        _ = update(&state, .telemetry(.phase(PhaseEvent(run: "g", step: 40, name: "memorization", message: "train accuracy reached 99% at step 40"))))
        let phases = state.runs["g"]!.phases
        #expect(phases.count == 1 && !phases[0].isDerived)
        #expect(state.log.filter { $0.text.contains("memorization") }.count == 1)
        _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "g", step: 50, values: ["train/acc": 1, "train/loss": .nan]))))
        #expect(state.runs["g"]!.phases.map(\.name) == ["memorization", "diverged"])
        #expect(state.status(of: "g") == .diverged)
    }
}
