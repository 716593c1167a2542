import JSONCore
import Testing
import Telemetry
import Dashboard
import Snapshot
import TerminalUI

/// A state with one run "r" of `steps` steps: loss, accuracy and lr, knobs lr and optimizer.
func runState(width: Int = 120, height: Int = 40, steps: Int = 200) -> DashboardState {
    var state = DashboardState(width: width, height: height, sourceName: "test")
    let knobs = [KnobSpec(name: "lr", value: .number(0.01), min: 0, max: 10, scale: .log, step: 2),
                 KnobSpec(name: "weight_decay", value: .number(0.5), min: 0, max: 1, scale: .linear, step: 0.1),
                 KnobSpec(name: "optimizer", value: .choice("sgd"), choices: ["sgd", "adam"])]
    var config = JSONObject()
    config["steps"] = .number(Double(steps))
    _ = update(&state, .telemetry(.run(RunEvent(run: "r", task: "modular", config: config, knobs: knobs, time: 0))))
    for step in 1...steps {
        let values = ["train/loss": 5 / Double(step), "test/loss": 6 / Double(step), "train/acc": min(1, Double(step) / 100),
                      "test/acc": min(1, Double(step) / 150), "lr": 0.01]
        _ = update(&state, .telemetry(.scalars(ScalarsEvent(step: step, time: Double(step) / 10, values: values))))
    }
    return state
}

func keys(_ state: inout DashboardState, _ keys: Key...) -> [Effect] { keys.flatMap { update(&state, .key($0)) } }

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
        #expect(state.runs["a"]!.series["loss"]!.raw.count == 3 && state.runs["a"]!.series["loss"]!.raw.last! == (3, 1.0 / 3))
        #expect(state.runs["a"]!.latestStep == 3 && state.runs["a"]!.latestTime == 3 && state.runs["a"]!.startTime == 1)
        #expect(state.runs["b"]!.series["loss"]!.raw.last! == (1, 9))
        #expect(state.runs["a"]!.knobs[0].value == .number(0.05))
        #expect(state.runs["a"]!.stabilityThreshold.last! == (3, 40), "2/η follows the knob change")
        #expect(state.runs["a"]!.phases.map(\.name) == ["memorization"])
        #expect(state.log.map(\.text) == ["run a started: modular", "step 3: lr 0.1 → 0.05 by user", "step 3: memorization"])
    }

    @Test func spectraFeedEigenvalueSeriesAndTheDensityHistory() {
        var state = DashboardState(width: 80, height: 24)
        for step in [10, 20] {
            let e = SpectrumEvent(step: step, top: [3, 2], density: SpectralDensity(grid: [0, 1, 2], values: [1, 2, 1]))
            _ = update(&state, .telemetry(.spectrum(e)))
        }
        _ = update(&state, .telemetry(.spectrum(SpectrumEvent(step: 30, top: [9], block: "fc1"))))
        let run = state.currentRun!
        #expect(run.eigenvalues.count == 2 && run.eigenvalues[0].count == 2 && run.eigenvalues[1].last! == (20, 2))
        #expect(run.densities.entries.map(\.step) == [10, 20] && run.latestSpectrum?.step == 20, "a block's spectrum is not the model's")
        #expect(state.availablePanels.contains(.hessian))
    }

    @Test func paretoEventsBecomeRoundsWithFrontAndHypervolume() {
        var state = DashboardState(width: 80, height: 24)
        let objectives = [ParetoObjective(name: "params", direction: .minimize), ParetoObjective(name: "acc", direction: .maximize)]
        var extra = JSONObject()
        extra["reference"] = .array([.number(10), .number(0)])
        let points = [ParetoPoint(values: [1, 0.5]), ParetoPoint(values: [2, 0.9]), ParetoPoint(values: [3, 0.8])]
        _ = update(&state, .telemetry(.pareto(ParetoEvent(step: 5, objectives: objectives, points: points, extra: extra))))
        let round = state.currentRun!.paretoRounds[0]
        #expect(round.onFront == [true, true, false])
        // (10−1)·0.5 + (10−2)·(0.9−0.5) = 4.5 + 3.2
        #expect(abs(round.hypervolume! - 7.7) < 1e-12)
        _ = update(&state, .telemetry(.pareto(ParetoEvent(step: 6, objectives: objectives, points: [ParetoPoint(values: [.nan, 1])]))))
        #expect(state.currentRun!.paretoRounds.count == 1 && state.log.last!.level == .warning && state.log.last!.text.contains("non-finite"))
    }

    /// A sweep's front grows one point a round: each point beyond the reference moves it, and
    /// every round's hypervolume is recomputed so the history is measured against one reference.
    @Test func aGrowingFrontMovesTheReferenceAndRecomputesEarlierHypervolumes() {
        var state = DashboardState(width: 80, height: 24)
        let objectives = [ParetoObjective(name: "bytes", direction: .minimize), ParetoObjective(name: "loss", direction: .minimize)]
        let sweep: [[Double]] = [[0, 5], [1, 1], [2, 0.1]]
        for n in 1...3 {
            _ = update(&state, .telemetry(.pareto(ParetoEvent(step: n, objectives: objectives, points: sweep.prefix(n).map { ParetoPoint(values: $0) }))))
        }
        let run = state.currentRun!
        // Spans 2 and 4.9 pushed out by 10%: the reference is (2.2, 5.49).
        #expect(run.paretoReference!.map { ($0 * 1e9).rounded() / 1e9 } == [2.2, 5.49])
        // (2.2−0)·(5.49−5) = 1.078; + (2.2−1)·(5−1) = 4.8; + (2.2−2)·(1−0.1) = 0.18.
        let expected = [1.078, 5.878, 6.058]
        #expect(zip(run.paretoRounds.map { $0.hypervolume! }, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(run.paretoRounds.map(\.hypervolume))")
        // A point inside the reference leaves it (and the history) alone.
        _ = update(&state, .telemetry(.pareto(ParetoEvent(step: 4, objectives: objectives, points: (sweep + [[1.5, 0.5]]).map { ParetoPoint(values: $0) }))))
        #expect(state.currentRun!.paretoReference == run.paretoReference && state.currentRun!.paretoRounds.prefix(3).map(\.hypervolume) == run.paretoRounds.map(\.hypervolume))
    }

    @Test func theParetoPanelFollowsTheRunThatSentTheLatestFront() {
        var state = DashboardState(width: 160, height: 48)
        let objectives = [ParetoObjective(name: "parameters", direction: .minimize), ParetoObjective(name: "test/acc", direction: .maximize)]
        _ = update(&state, .telemetry(.run(RunEvent(run: "sweep"))))
        _ = update(&state, .telemetry(.run(RunEvent(run: "sweep-h8", parent: "sweep"))))
        _ = update(&state, .telemetry(.pareto(ParetoEvent(run: "sweep-h8", step: 5, objectives: objectives, points: [ParetoPoint(values: [1, 0.5])]))))
        #expect(state.paretoRun == "sweep-h8" && state.availablePanels.contains(.pareto))
        state.paretoRound = 0
        _ = update(&state, .telemetry(.pareto(ParetoEvent(run: "sweep", step: 1, objectives: objectives, points: [ParetoPoint(values: [100, 0.9])]))))
        #expect(state.paretoRun == "sweep" && state.paretoRound == nil && state.currentRun?.id == "sweep-h8")
        #expect(state.shownParetoRound?.points == [ParetoPoint(values: [100, 0.9])])
        state.layout = .single
        state.focus = .pareto
        #expect(DashboardView(theme: Theme.builtIn["mono"]!).render(state).lines[2].contains("sweep · step 1 · 1 points"))
    }

    @Test func resizeTicksAndSourceErrors() {
        var state = DashboardState(width: 80, height: 24)
        #expect(update(&state, .resize(width: 120, height: 40)).isEmpty && state.width == 120 && state.height == 40)
        #expect(update(&state, .frameTick(time: 42)).isEmpty && state.now == 42)
        state.logCapacity = 3
        for i in 1...5 { _ = update(&state, .sourceError(source: "run.jsonl", description: "line \(i): bad")) }
        #expect(state.log.map(\.text) == ["run.jsonl: line 3: bad", "run.jsonl: line 4: bad", "run.jsonl: line 5: bad"])
        #expect(state.log.allSatisfy { $0.level == .error })
    }
}
