import Telemetry
import TerminalUI

// MARK: - Keys

func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
    if case .character(let c) = key, let n = c.wholeNumberValue, n >= 1, state.input == nil, !state.isShowingHelp {
        return adopt(branch: n, &state)
    }
    if let run = state.confirmingStop {
        state.confirmingStop = nil
        guard key == .character("y") || key == .character("Y") else {
            appendLog(&state, .info, "stop cancelled; \(run) goes on")
            return []
        }
        state.stoppedRuns.insert(run)
        appendLog(&state, .warning, "asked \(run) to stop")
        return [.control(ControlMessage(.stop, run: run))]
    }
    if state.input != nil { return edit(key, &state) }
    if state.detailsRun != nil {
        // The details box takes the keys: scrolling, closing with Esc or Enter, and quitting.
        switch Keymap.action(for: key, focus: .events) {
        case .selectNext?: state.detailsScroll += 1
        case .selectPrevious?: state.detailsScroll = max(0, state.detailsScroll - 1)
        case .escape?, .zoom?:
            state.detailsRun = nil
            state.detailsScroll = 0
        case .quit?:
            state.isQuitting = true
            return [.quit]
        default: break
        }
        return []
    }
    if state.isShowingHelp {
        // Only closing, quitting and scrolling (the keys of any panel's up/down) work over the help.
        switch Keymap.action(for: key, focus: .events) {
        case .quit?:
            state.isQuitting = true
            return [.quit]
        case .toggleHelp?, .escape?: state.isShowingHelp = false
        case .selectNext?: state.helpScroll = min(state.helpScroll + 1, Keymap.helpLines.count - 1)
        case .selectPrevious?: state.helpScroll = max(0, state.helpScroll - 1)
        default: break
        }
        return []
    }
    guard let action = Keymap.action(for: key, focus: state.focus) else { return [] }
    return perform(action, &state)
}

private func perform(_ action: KeyAction, _ state: inout DashboardState) -> [Effect] {
    switch action {
    case .quit:
        state.isQuitting = true
        return [.quit]
    case .togglePause:
        state.isPaused.toggle()
        return [.control(ControlMessage(state.isPaused ? .pause : .resume))]
    case .stepOnce:
        guard state.isPaused else {
            appendLog(&state, .warning, "\(Keymap.label(of: .stepOnce)) steps once while paused (\(Keymap.label(of: .togglePause)) pauses)")
            return []
        }
        return [.control(ControlMessage(.step(count: 1)))]
    case .snapshot: return [.snapshot]
    case .undo:
        guard let run = state.currentRun else { return [] }
        return [.control(ControlMessage(.rollback(to: nil), run: run.id))]
    case .fork:
        guard let run = state.currentRun else { return [] }
        return [.control(ControlMessage(.fork(knob: nil, factors: nil, steps: nil), run: run.id))]
    case .adoptBranch:
        return []  // digits are dispatched with their number in `handle`
    case .stopRun:
        guard let run = state.currentRun, !state.stoppedRuns.contains(run.id) else { return [] }
        state.confirmingStop = run.id
    case .discardBranches:
        guard !state.previewRuns.isEmpty else {
            appendLog(&state, .warning, "no fork branches to discard (\(Keymap.label(of: .fork)) forks)")
            return []
        }
        return [.control(ControlMessage(.discard, run: state.currentRunID))]
    case .toggleHelp:
        state.isShowingHelp.toggle()
        state.helpScroll = 0
    case .escape:
        if state.pendingKnob != nil {
            state.pendingKnob = nil
        } else if state.isZoomed {
            state.isZoomed = false
        } else if state.curves.cursor != nil {
            state.curves.cursor = nil
        } else {
            state.selectedRun = nil
        }
    case .focusNext, .focusPrevious:
        let panels = state.focusablePanels
        let index = panels.firstIndex(of: state.focus) ?? 0
        let step = action == .focusNext ? 1 : panels.count - 1
        state.focus = panels[(index + step) % panels.count]
        if state.focus != .curves { state.companion = state.focus }
    case .zoom: state.isZoomed.toggle()
    case .cycleLayout:
        state.layout = state.layout.next
        state.isZoomed = false
        keepFocusOnScreen(&state)
    case .startFilter: state.input = TextInput(purpose: .filter, text: state.curves.filter ?? "")
    case .cycleSmoothing: setSmoothing(Smoothing(kind: state.curves.smoothing.kind.next, level: state.curves.smoothing.level), &state)
    case .smoothLess, .smoothMore:
        let level = state.curves.smoothing.level + (action == .smoothMore ? 1 : -1)
        setSmoothing(Smoothing(kind: state.curves.smoothing.kind, level: level), &state)
    case .cycleYScale:
        let groups = state.curveGroups
        guard !groups.isEmpty else { return [] }
        let group = groups[min(state.curves.selectedGroup, groups.count - 1)].name
        state.curves.yScales[group] = state.yScale(ofGroup: group).next
    case .cycleXScale:
        state.curves.xScale = state.curves.xScale.next
        state.curves.xWindow = nil
    case .cycleXAxis:
        let names = state.metricNames
        let axes: [XAxis] = [.step, .wallTime] + names.sorted().map { .metric($0) }
        let index = axes.firstIndex(of: state.curves.xAxis) ?? 0
        state.curves.xAxis = axes[(index + 1) % axes.count]
        state.curves.xWindow = nil
        state.curves.cursor = nil
    case .toggleClip: state.curves.clipOutliers.toggle()
    case .toggleCursor:
        state.curves.cursor = state.curves.cursor == nil ? state.curvesPlotWidth.map { $0 - 1 } : nil
    case .cursorLeft, .cursorRight, .cursorFarLeft, .cursorFarRight:
        guard let width = state.curvesPlotWidth, width > 0 else { return [] }
        let delta = [KeyAction.cursorLeft: -1, .cursorRight: 1, .cursorFarLeft: -10, .cursorFarRight: 10][action]!
        state.curves.cursor = min(width - 1, max(0, (state.curves.cursor ?? width - 1) + delta))
    case .zoomIn, .zoomOut, .panLeft, .panRight: moveWindow(action, &state)
    case .resetView: state.curves.xWindow = nil
    case .selectPrevious, .selectNext: select(action == .selectNext ? 1 : -1, &state)
    case .nudgeDown, .nudgeUp:
        guard let spec = state.selectedKnobSpec else { return [] }
        let current = state.pendingKnob?.name == spec.name ? state.pendingKnob!.value : spec.value
        state.pendingKnob = PendingKnob(name: spec.name, value: spec.nudged(current, up: action == .nudgeUp))
    case .editKnob:
        guard let spec = state.selectedKnobSpec else { return [] }
        state.input = TextInput(purpose: .knobValue(spec.name))
    case .applyKnob:
        guard let pending = state.pendingKnob else {
            state.isZoomed.toggle()
            return []
        }
        state.pendingKnob = nil
        return apply(pending, &state)
    case .focusRuns, .selectPreviousRun, .selectNextRun, .pageUp, .pageDown, .selectFirst, .selectLast, .toggleRunVisibility, .isolateRun,
         .showAllRuns, .startRunQuery, .sortLeft, .sortRight, .reverseSort, .nextMetric, .flipGoal, .showRunDetails, .toggleGrouping,
         .cycleBand, .sweepOnX, .sweepLast, .cycleChartSplit:
        performRunAction(action, &state)
    case .earlierRound, .laterRound:
        guard let count = state.shownParetoRun?.paretoRounds.count, count > 0 else { return [] }
        let shown = state.paretoRound ?? count - 1
        let next = shown + (action == .laterRound ? 1 : -1)
        state.paretoRound = next >= count ? nil : max(0, next)
        state.paretoPoint = nil
    }
    return []
}

/// Digit N: adopt the N-th fork branch.
private func adopt(branch n: Int, _ state: inout DashboardState) -> [Effect] {
    guard n <= state.previewRuns.count else {
        let have = state.previewRuns.isEmpty ? "no fork branches (\(Keymap.label(of: .fork)) forks)" : "\(state.previewRuns.count) fork branches"
        appendLog(&state, .warning, "no branch \(n): \(have)")
        return []
    }
    return [.control(ControlMessage(.adopt(run: state.previewRuns[n - 1]), run: state.currentRunID))]
}

/// Keys while a line is being typed: text, Backspace, Enter to commit, Esc to cancel.
private func edit(_ key: Key, _ state: inout DashboardState) -> [Effect] {
    var input = state.input!
    input.error = nil
    switch key {
    case .escape:
        state.input = nil
        return []
    case .backspace:
        if !input.text.isEmpty { input.text.removeLast() }
    case .character(let c) where !c.isNewline && c != "\t":
        input.text.append(c)
    case .enter:
        switch input.purpose {
        case .runQuery:
            if input.text.allSatisfy(\.isWhitespace) {
                state.setRunQuery(nil)
            } else {
                do throws(RunQueryError) {
                    state.setRunQuery(try RunQuery(input.text))
                } catch {
                    input.error = error.description
                    state.input = input
                    return []
                }
            }
            state.input = nil
            return []
        case .filter:
            if input.text.isEmpty {
                state.curves.filter = nil
            } else {
                do { _ = try Regex(input.text) } catch {
                    input.error = "not a regular expression"
                    state.input = input
                    return []
                }
                state.curves.filter = input.text
            }
            state.curves.selectedGroup = 0
            state.input = nil
            return []
        case .knobValue(let name):
            guard let spec = state.currentRun?.knobs.first(where: { $0.name == name }) else {
                state.input = nil
                return []
            }
            switch spec.parse(input.text) {
            case .success(let value):
                state.input = nil
                return apply(PendingKnob(name: name, value: value), &state)
            case .failure(let reason):
                input.error = reason.message
            }
        }
    default:
        break
    }
    state.input = input
    return []
}

/// Checks a chosen knob value against its spec and, when valid, asks the source to set it.
private func apply(_ pending: PendingKnob, _ state: inout DashboardState) -> [Effect] {
    guard let run = state.currentRun, let spec = run.knobs.first(where: { $0.name == pending.name }) else { return [] }
    if case .failure(let reason) = spec.check(pending.value) {
        appendLog(&state, .error, "\(pending.name): \(reason.message); not applied")
        return []
    }
    appendLog(&state, .info, "asked \(run.id) to set \(pending.name) = \(pending.value)")
    return [.control(ControlMessage(.set(knob: pending.name, value: pending.value), run: run.id))]
}

private func setSmoothing(_ smoothing: Smoothing, _ state: inout DashboardState) {
    state.curves.smoothing = smoothing
    for id in state.runOrder {
        for name in state.runs[id]!.series.keys { state.runs[id]!.series[name]!.resmooth(smoothing) }
    }
}

private func select(_ delta: Int, _ state: inout DashboardState) {
    switch state.focus {
    case .curves:
        let count = state.curveGroups.count
        state.curves.selectedGroup = max(0, min(count - 1, state.curves.selectedGroup + delta))
    case .knobs:
        let count = state.currentRun?.knobs.count ?? 0
        state.selectedKnob = max(0, min(count - 1, state.selectedKnob + delta))
        state.pendingKnob = nil
    case .pareto:
        guard let round = state.shownParetoRound else { return }
        let front = round.onFront.indices.filter { round.onFront[$0] }
        guard !front.isEmpty else { return }
        let position = state.paretoPoint.flatMap { front.firstIndex(of: $0) } ?? (delta > 0 ? -1 : 0)
        state.paretoPoint = front[(position + delta + front.count) % front.count]
    case .distributions:
        guard let shown = state.shownHistogram, let count = state.currentRun?.distributionNames.count else { return }
        state.selectedHistogram = (shown.index + delta + count) % count
    case .events:
        state.eventsScroll = max(0, min(state.log.count - 1, state.eventsScroll - delta))
    case .grokking, .hessian, .runs, .sweep, .fourier:
        break
    }
}

/// Zooms or pans the curves' x window (step or time axes), keeping it inside the data.
private func moveWindow(_ action: KeyAction, _ state: inout DashboardState) {
    guard let domain = state.curvesXDomain, domain.upperBound > domain.lowerBound else { return }
    let window = state.curves.xWindow ?? domain
    let width = window.upperBound - window.lowerBound
    var low = window.lowerBound, high = window.upperBound
    switch action {
    case .zoomIn:
        // Around the cursor when it is on, else keep the right end (the live edge) in view.
        var anchor = high
        if let cursor = state.curves.cursor, let plot = state.curvesPlotWidth, plot > 0 {
            anchor = low + width * (Double(cursor) + 0.5) / Double(plot)
        }
        let f = (anchor - low) / width
        low = anchor - width / 2 * f
        high = low + width / 2
    case .zoomOut:
        let wider = min(2 * width, domain.upperBound - domain.lowerBound)
        low = (low + high - wider) / 2
        high = low + wider
    case .panLeft, .panRight:
        let shift = width / 4 * (action == .panRight ? 1 : -1)
        low += shift
        high += shift
    default: return
    }
    // Slid back inside the data, keeping the width.
    if low < domain.lowerBound { (low, high) = (domain.lowerBound, domain.lowerBound + (high - low)) }
    if high > domain.upperBound { (low, high) = (domain.upperBound - (high - low), domain.upperBound) }
    low = max(domain.lowerBound, low)
    high = min(domain.upperBound, high)
    state.curves.xWindow = (low <= domain.lowerBound && high >= domain.upperBound) || high <= low ? nil : low...high
}

/// After a layout or size change, moves the focus to a panel that is on screen.
func keepFocusOnScreen(_ state: inout DashboardState) {
    let panels = state.focusablePanels
    if !panels.contains(state.focus) { state.focus = panels.first ?? .curves }
}
