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

@Suite struct KeyPathTests {
    @Test func pauseStepAndQuit() {
        var state = runState()
        #expect(keys(&state, .character("n")).isEmpty && state.log.last!.level == .warning, "n does nothing while running")
        #expect(keys(&state, .character(" ")) == [.control(ControlMessage(.pause))] && state.isPaused)
        #expect(keys(&state, .character("n")) == [.control(ControlMessage(.step(count: 1)))])
        #expect(keys(&state, .character(" ")) == [.control(ControlMessage(.resume))] && !state.isPaused)
        #expect(keys(&state, .character("q")) == [.quit] && state.isQuitting)
    }

    /// A pause the source could not perform (no producer connected) is taken back, and said.
    @Test func aRefusedPauseIsTakenBack() {
        var state = runState()
        let sent = keys(&state, .character(" "))
        #expect(sent == [.control(ControlMessage(.pause))] && state.isPaused)
        _ = update(&state, .controlRefused(ControlMessage(.pause), reason: "no producer is connected to steer"))
        #expect(!state.isPaused)
        #expect(state.log.last!.level == .error && state.log.last!.text == "pause refused: no producer is connected to steer")
        _ = update(&state, .controlRefused(ControlMessage(.set(knob: "lr", value: .number(1))), reason: "read-only"))
        #expect(!state.isPaused && state.log.last!.text == "set refused: read-only")
    }

    @Test func snapshotKeyAsksTheRuntimeAndTheNoticeIsLogged() {
        var state = runState()
        #expect(keys(&state, .character("S")) == [.snapshot])
        _ = update(&state, .notice("snapshot: /tmp/a.svg and .json"))
        #expect(state.log.last == LogEntry(level: .info, text: "snapshot: /tmp/a.svg and .json"))
    }

    @Test func undoAsksForARollbackAndTheAbandonedRunIsDrawnFaintly() {
        var state = runState()
        _ = update(&state, .telemetry(.phase(PhaseEvent(run: "r", step: 80, name: "memorization"))))
        _ = update(&state, .telemetry(.knob(KnobEvent(run: "r", step: 100, name: "lr", new: .number(1)))))
        #expect(keys(&state, .character("u")) == [.control(ControlMessage(.rollback(to: nil), run: "r"))])
        _ = update(&state, .telemetry(.run(RunEvent(run: "r~1", parent: "r", rolledBackTo: 100))))
        for step in 101...150 {
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "r~1", step: step, values: ["train/loss": 1, "test/loss": 1]))))
        }
        #expect(state.abandonedRuns == ["r"] && state.currentRun?.id == "r~1")
        #expect(state.currentRun?.phases.map(\.name) == ["memorization"] && state.currentRun?.knobChanges.isEmpty == true,
                "the history before the undone change carries over")
        #expect(state.log.last?.text == "undo: r rolled back to step 100; it goes on as r~1")
        let frame = DashboardView(theme: Theme.builtIn["default"]!).render(state)
        let lines = frame.lines
        // The run that goes on and the one the undo left are one line in one colour: labelled by metric.
        #expect(lines.contains { $0.contains("━ train/loss 1") } && !lines.contains { $0.contains("@r") },
                "the abandoned run is drawn but not listed")
        let faint = (0..<frame.height).contains { y in (0..<frame.width).contains { x in
            frame[x, y].style.dim && (0x2801...0x28FF).contains(frame[x, y].character.unicodeScalars.first!.value) } }
        #expect(faint, "the abandoned segment is drawn in a dim style")
    }

    @Test func forkPreviewsAreOverlaidAdoptedOrDiscarded() {
        var state = runState()
        #expect(keys(&state, .character("f")) == [.control(ControlMessage(.fork(knob: nil, factors: nil, steps: nil), run: "r"))])
        #expect(keys(&state, .character("2")).isEmpty && state.log.last?.text == "no branch 2: no fork branches (f forks)")
        for factor in ["0.5", "2"] {
            _ = update(&state, .telemetry(.run(RunEvent(run: "r/lr×\(factor)", parent: "r", preview: true))))
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "r/lr×\(factor)", step: 201, values: ["train/loss": 0.01]))))
        }
        #expect(state.previewRuns == ["r/lr×0.5", "r/lr×2"] && state.currentRun?.id == "r", "branches are not the main run")
        // One chart per metric while several runs are drawn; runs are named without their shared prefix.
        let frame = DashboardView(theme: Theme.builtIn["default"]!).render(state).lines
        #expect(frame.contains { $0.contains("train/loss [log]") && $0.contains("━ r 0.025  +2 more") }, "\(frame.joined(separator: "\n"))")
        _ = keys(&state, .character("r"))
        #expect(state.focus == .runs && DashboardView(theme: Theme.builtIn["default"]!).render(state).lines.contains { $0.contains("└ lr×2") },
                "the runs panel lists the branch under its parent")
        #expect(keys(&state, .character("2")) == [.control(ControlMessage(.adopt(run: "r/lr×2"), run: "r"))])
        _ = update(&state, .telemetry(.run(RunEvent(run: "r/lr×2", parent: "r", adopted: true))))
        #expect(state.currentRun?.id == "r/lr×2" && state.previewRuns.isEmpty && state.endedRuns == ["r/lr×0.5"] && state.abandonedRuns == ["r"])
        #expect(!DashboardView(theme: Theme.builtIn["default"]!).render(state).lines.contains { $0.contains("train/loss@r/lr×0.5") }, "ended branches are not drawn")

        var other = runState()
        _ = update(&other, .telemetry(.run(RunEvent(run: "r/lr×1", parent: "r", preview: true))))
        #expect(keys(&other, .character("D")) == [.control(ControlMessage(.discard, run: "r"))])
        _ = update(&other, .telemetry(.control(ControlMessage(.discard, run: "r"))))
        #expect(other.previewRuns.isEmpty && other.endedRuns == ["r/lr×1"] && other.currentRun?.id == "r")
        #expect(keys(&other, .character("D")).isEmpty && other.log.last?.level == .warning)
    }

    @Test func tabCyclesFocusAndEnterZooms() {
        var state = runState()
        #expect(state.focusablePanels == [.curves, .grokking, .knobs, .events])
        _ = keys(&state, .tab)
        #expect(state.focus == .grokking && state.companion == .grokking)
        _ = keys(&state, .backTab, .backTab)
        #expect(state.focus == .events)
        _ = keys(&state, .enter)
        #expect(state.isZoomed && state.panelRects().map(\.panel) == [.events])
        _ = keys(&state, .escape)
        #expect(!state.isZoomed)
        _ = keys(&state, .character("v"))
        #expect(state.layout == .pair && state.panelRects().map(\.panel) == [.curves, .events])
        _ = keys(&state, .character("v"))
        #expect(state.layout == .single && state.panelRects().map(\.panel) == [.events])
        _ = keys(&state, .character("v"))
        #expect(state.layout == .grid)
    }

    @Test func helpOpensScrollsAndCloses() {
        var state = runState(width: 80, height: 24)
        _ = keys(&state, .character("?"))
        #expect(state.isShowingHelp)
        _ = keys(&state, .character("j"), .character("j"), .down, .character("k"))
        #expect(state.helpScroll == 2)
        _ = keys(&state, .character(" "))
        #expect(!state.isPaused, "other keys do nothing over the help")
        _ = keys(&state, .escape)
        #expect(!state.isShowingHelp)
    }

    @Test func smoothingCyclesAndChangesStrength() {
        var state = runState()
        _ = keys(&state, .character("s"))
        #expect(state.curves.smoothing.kind == .ema && state.currentRun!.series["train/loss"]!.smoothed != nil)
        _ = keys(&state, .character("]"), .character("]"))
        #expect(state.curves.smoothing.level == 5 && state.currentRun!.series["train/loss"]!.smoothing.emaWeight == 0.99)
        _ = keys(&state, .character("["))
        #expect(state.curves.smoothing.level == 4)
        _ = keys(&state, .character("s"), .character("s"))
        #expect(state.curves.smoothing.kind == .gaussian)
        _ = keys(&state, .character("s"))
        #expect(state.curves.smoothing.kind == .none && state.currentRun!.series["train/loss"]!.smoothed == nil)
    }

    @Test func scalesAxesClipAndSelection() {
        var state = runState()
        #expect(state.curveGroups.map(\.name) == ["loss", "acc", "lr"])
        #expect(state.yScale(ofGroup: "loss") == .log && state.yScale(ofGroup: "acc") == .linear)
        _ = keys(&state, .character("l"))
        #expect(state.yScale(ofGroup: "loss") == .symlog)
        _ = keys(&state, .character("j"), .down, .down)
        #expect(state.curves.selectedGroup == 2, "selection stops at the last chart")
        _ = keys(&state, .character("k"), .character("l"))
        #expect(state.yScale(ofGroup: "acc") == .log)
        _ = keys(&state, .character("L"))
        #expect(state.curves.xScale == .log && state.curvesXDomain == 1...200)
        _ = keys(&state, .character("x"))
        #expect(state.curves.xAxis == .wallTime && state.curvesXDomain == 1...19.9, "seconds since the first scalars (from 1 on a log axis)")
        _ = keys(&state, .character("x"))
        #expect(state.curves.xAxis == .metric("lr"))
        _ = keys(&state, .character("o"))
        #expect(state.curves.clipOutliers)
    }

    @Test func cursorZoomAndPanStayInsideTheData() {
        var state = runState()
        let width = state.curvesPlotWidth!
        _ = keys(&state, .character("c"))
        #expect(state.curves.cursor == width - 1)
        _ = keys(&state, .right)
        #expect(state.curves.cursor == width - 1, "the cursor stops at the right edge")
        _ = keys(&state, .shiftLeft, .left)
        #expect(state.curves.cursor == width - 12)
        _ = keys(&state, .character("c"), .character("+"))
        #expect(state.curves.xWindow == 100.5...200, "without the cursor, zoom keeps the live edge")
        _ = keys(&state, .character("<"))
        #expect(state.curves.xWindow == 75.625...175.125)
        _ = keys(&state, .character("<"), .character("<"), .character("<"), .character("<"))
        #expect(state.curves.xWindow == 1...100.5, "panning stops at the first step")
        _ = keys(&state, .character("-"))
        #expect(state.curves.xWindow == nil, "zooming out past the data follows the whole run again")
        _ = keys(&state, .character("+"), .character("0"))
        #expect(state.curves.xWindow == nil)
    }

    @Test func filterTakesARegexAndRefusesABadOne() {
        var state = runState()
        _ = keys(&state, .character("/"))
        #expect(state.input == TextInput(purpose: .filter))
        _ = keys(&state, .character("a"), .character("c"), .character("x"), .backspace, .character("c"), .enter)
        #expect(state.curves.filter == "acc" && state.input == nil && state.curveGroups.map(\.name) == ["acc"])
        _ = keys(&state, .character("/"), .backspace, .backspace, .backspace, .character("("), .enter)
        #expect(state.input?.error == "not a regular expression" && state.curves.filter == "acc")
        _ = keys(&state, .escape)
        #expect(state.input == nil && state.curves.filter == "acc")
        _ = keys(&state, .character("/"), .backspace, .backspace, .backspace, .enter)
        #expect(state.curves.filter == nil)
    }

    /// Tab to the knobs panel of `runState` (curves → grokking → knobs).
    func focusKnobs(_ state: inout DashboardState) { _ = keys(&state, .tab, .tab) }

    @Test func knobsNudgeOnTheirScaleAndApplyOnEnter() {
        var state = runState()
        focusKnobs(&state)
        #expect(state.focus == .knobs)
        _ = keys(&state, .right)
        #expect(state.pendingKnob == PendingKnob(name: "lr", value: .number(0.02)), "log knobs nudge by their factor")
        let effects = keys(&state, .enter)
        #expect(effects == [.control(ControlMessage(.set(knob: "lr", value: .number(0.02)), run: "r"))])
        #expect(state.pendingKnob == nil && !state.isZoomed)
        _ = keys(&state, .down, .left, .left)
        #expect(state.pendingKnob == PendingKnob(name: "weight_decay", value: .number(0.3)), "linear knobs nudge by their step")
        _ = keys(&state, .escape)
        #expect(state.pendingKnob == nil)
        _ = keys(&state, .down, .right)
        #expect(state.pendingKnob == PendingKnob(name: "optimizer", value: .choice("adam")))
        _ = keys(&state, .character("k"))
        #expect(state.pendingKnob == nil && state.selectedKnob == 1, "moving the selection drops the edit")
        #expect(keys(&state, .enter).isEmpty && state.isZoomed, "Enter without an edit zooms")
    }

    @Test func typedKnobValuesAreCheckedBeforeTheyAreSent() {
        var state = runState()
        focusKnobs(&state)
        _ = keys(&state, .character("e"))
        #expect(state.input == TextInput(purpose: .knobValue("lr")))
        for c in "-1" { _ = keys(&state, .character(c)) }
        #expect(keys(&state, .enter).isEmpty && state.input?.error == "-1 is below the minimum 0")
        _ = keys(&state, .backspace, .backspace)
        for c in "nan" { _ = keys(&state, .character(c)) }
        #expect(keys(&state, .enter).isEmpty && state.input?.error == "nan is not a finite number")
        _ = keys(&state, .backspace, .backspace, .backspace)
        for c in "0.0015" { _ = keys(&state, .character(c)) }
        #expect(keys(&state, .enter) == [.control(ControlMessage(.set(knob: "lr", value: .number(0.0015)), run: "r"))])
        _ = keys(&state, .down, .down, .character("="))
        for c in "lion" { _ = keys(&state, .character(c)) }
        #expect(keys(&state, .enter).isEmpty && state.input?.error == "'lion' is not one of sgd, adam")
    }

    @Test func paretoScrubberAndPointSelection() {
        var state = runState()
        let objectives = [ParetoObjective(name: "bits", direction: .minimize), ParetoObjective(name: "acc", direction: .maximize)]
        for step in [10, 20, 30] {
            let points = [ParetoPoint(values: [1, 0.5], label: "a"), ParetoPoint(values: [2, 0.4], label: "b"), ParetoPoint(values: [3, 0.9], label: "c")]
            _ = update(&state, .telemetry(.pareto(ParetoEvent(step: step, objectives: objectives, points: points))))
        }
        _ = keys(&state, .tab, .tab)
        #expect(state.focus == .pareto)
        _ = keys(&state, .left)
        #expect(state.paretoRound == 1 && state.shownParetoRound?.step == 20)
        _ = keys(&state, .left, .left, .left)
        #expect(state.paretoRound == 0)
        _ = keys(&state, .right, .right, .right)
        #expect(state.paretoRound == nil, "past the newest round follows live")
        _ = keys(&state, .down)
        #expect(state.paretoPoint == 0)
        _ = keys(&state, .down)
        #expect(state.paretoPoint == 2, "selection walks the front only (b is dominated)")
        _ = keys(&state, .down)
        #expect(state.paretoPoint == 0)
    }

    @Test func theStopKeyAsksFirstThenStopsTheRunOrCancels() {
        var state = runState()
        #expect(keys(&state, .character("X")).isEmpty && state.confirmingStop == "r")
        let screen = TextExport.plain(DashboardView(theme: Theme.builtIn["mono"]!).render(state))
        #expect(screen.contains("Stop r? Its job ends") && screen.contains("y stops it · any other key cancels"))
        #expect(keys(&state, .character("n")).isEmpty && state.confirmingStop == nil && state.stoppedRuns.isEmpty)
        #expect(state.log.last?.text == "stop cancelled; r goes on")
        _ = keys(&state, .character("X"))
        #expect(keys(&state, .character("y")) == [.control(ControlMessage(.stop, run: "r"))])
        #expect(state.stoppedRuns == ["r"] && state.log.last?.text == "asked r to stop")
        #expect(TextExport.plain(DashboardView(theme: Theme.builtIn["mono"]!).render(state)).contains("■ stopped"))
        #expect(keys(&state, .character("X")).isEmpty && state.confirmingStop == nil, "a stopped run is not asked again")
        // A source that cannot stop it (read-only, no producer) takes the mark back.
        _ = update(&state, .controlRefused(ControlMessage(.stop, run: "r"), reason: "control is disabled (--read-only)"))
        #expect(state.stoppedRuns.isEmpty)
    }

    @Test func eventsScrollBackAndForward() {
        var state = runState()
        for i in 0..<10 { _ = update(&state, .sourceError(source: "s", description: "e\(i)")) }
        _ = keys(&state, .backTab)
        #expect(state.focus == .events)
        _ = keys(&state, .character("k"), .up, .character("j"))
        #expect(state.eventsScroll == 1)
        _ = keys(&state, .character("j"), .character("j"))
        #expect(state.eventsScroll == 0)
    }

    @Test func everyBindingIsReachableAndUnboundKeysChangeNothing() {
        for binding in Keymap.bindings {
            #expect(Keymap.action(for: binding.keys[0], focus: [KeyContext.global: .curves, .curves: .curves, .runs: .runs, .knobs: .knobs,
                                                                .pareto: .pareto, .distributions: .distributions, .events: .events][binding.context]!) == binding.action,
                    "\(binding.label) in \(binding.context)")
        }
        var state = runState()
        let before = state
        #expect(keys(&state, .character("Z"), .pageUp, .home).isEmpty && state == before)
    }

    @Test func resizeKeepsTheFocusOnAPanelOnScreen() {
        var state = runState()
        _ = keys(&state, .tab, .tab)
        #expect(state.focus == .knobs)
        _ = update(&state, .resize(width: 80, height: 24))
        #expect(state.focusablePanels == [.curves, .grokking, .events] && state.focus == .curves)
    }
}

@Suite struct ViewTests {
    let view = DashboardView(theme: Theme.builtIn["default"]!)

    @Test func helpOverlayListsTheKeymapAndTooSmallSaysSo() {
        var state = DashboardState(width: 160, height: 60)
        _ = update(&state, .key(.character("?")))
        let screen = view.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Keys"))
        for binding in Keymap.bindings { #expect(screen.contains(binding.summary), "help lacks \(binding.label)") }
        let tiny = DashboardView(theme: Theme.builtIn["mono"]!).render(DashboardState(width: 30, height: 8)).lines
        #expect(tiny.contains { $0.contains("terminal too small") } && tiny.contains { $0.contains("30×8, needs 40×12") })
    }

    @Test func panelsShowTheRunAtEverySize() {
        var state = runState()
        for (w, h) in [(40, 12), (80, 24), (120, 40), (200, 60), (41, 100), (300, 13)] {
            _ = update(&state, .resize(width: w, height: h))
            for layout in LayoutPreset.allCases {
                state.layout = layout
                let lines = view.render(state).lines
                #expect(lines.count == h && lines[0].contains("r │ step 200/200"), "\(w)×\(h)")
                #expect(lines.joined().unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "\(w)×\(h) \(layout): no braille")
            }
            state.layout = .grid
        }
    }

    @Test func anySizeRendersWithoutCrashing() {
        var state = runState(steps: 20)
        _ = keys(&state, .character("c"), .character("s"), .character("L"), .character("?"))
        for w in stride(from: 0, through: 90, by: 7) {
            for h in stride(from: 0, through: 40, by: 5) {
                _ = update(&state, .resize(width: w, height: h))
                #expect(view.render(state).lines.count == h)
            }
        }
    }

    @Test func statusBarSaysRateEtaSourceAndLiveness() {
        var state = runState(steps: 100)
        var config = JSONObject()
        config["steps"] = .number(400)
        state.runs["r"]!.config = config
        _ = update(&state, .frameTick(time: 1))
        let bar = view.render(state).lines[0]
        // 100 steps in 10 s of event time (the run event came at 0); 300 to go at 10 steps/s.
        #expect(bar.contains("step 100/400") && bar.contains("10 steps/s") && bar.contains("10 s · ETA 30 s") && bar.contains("test"))
        #expect(bar.contains("● live"))
        _ = update(&state, .frameTick(time: 10))
        #expect(view.render(state).lines[0].contains("○ idle"))
        _ = keys(&state, .character(" "))
        #expect(view.render(state).lines[0].contains("⏸ paused"))
    }

    @Test func paretoAndHessianPanelsDrawTheirData() {
        var state = runState(width: 160, height: 48)
        let objectives = [ParetoObjective(name: "bits", direction: .minimize), ParetoObjective(name: "test/acc", direction: .maximize)]
        for step in [100, 200] {
            let points = [ParetoPoint(values: [32, 0.99], label: "dense"), ParetoPoint(values: [4, 0.97], label: "4-bit"),
                          ParetoPoint(values: [8, 0.9], label: "8-bit bad")]
            _ = update(&state, .telemetry(.pareto(ParetoEvent(step: step, objectives: objectives, points: points))))
        }
        var estimator = JSONObject()
        estimator["method"] = .string("lanczos")
        estimator["top_k"] = .number(2)
        for step in stride(from: 10, through: 200, by: 10) {
            let density = SpectralDensity(grid: [0, 1, 2, 3], values: [5, 1, 0.1, 0.01], moments: [0.5, 1], momentStderr: [0.01, 0.02])
            _ = update(&state, .telemetry(.spectrum(SpectrumEvent(step: step, top: [1.5 + Double(step) / 100, 1], density: density,
                                                                  estimator: estimator,
                                                                  cost: SpectrumCost(hvps: 14, seconds: 0.25)))))
        }
        state.layout = .single
        state.focus = .pareto
        _ = keys(&state, .down)
        var screen = view.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("step 200 · 3 points · 2 on front · HV") && screen.contains("◀ 2/2 ▶ live"))
        #expect(screen.contains("◆ dense: bits 32, test/acc 0.99") && screen.contains("hypervolume"))
        state.focus = .hessian
        screen = view.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("lanczos k=2 · 14 HVPs · paused 0.25 s") && screen.contains("━ λ₁ 3.5") && screen.contains("━ 2/η 200"))
        #expect(screen.contains("density @ 200 · mean λ 0.5 ± 0.01") && screen.contains("spectrogram") && screen.contains("▀"))
        // 2/η = 200 is far above λ₁ = 3.5: not drawn on the top edge as if it were 3.5, but named there.
        #expect(screen.contains("2/η = 200 ↑"))
        let chartRows = view.render(state).lines.filter { $0.contains("┤") }
        #expect(!(chartRows.first ?? "").contains("⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉"), "no line pinned along the top row")
        // The 2/η line is plain gradient descent's threshold: other optimizers say what it ignores.
        state.runs["r"]!.knobs[2].value = .choice("adam")
        #expect(view.render(state).lines.joined().contains("━ 2/η (unpreconditioned) 200"))
    }
}
