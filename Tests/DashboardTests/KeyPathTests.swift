import JSONCore
import Testing
import Telemetry
import Dashboard
import Snapshot
import TerminalUI

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
