import TerminalUI

/// What a key does in the dashboard.
public enum KeyAction: Sendable, Equatable, CaseIterable {
    case quit, togglePause, stepOnce, toggleHelp, escape, snapshot, undo, fork, adoptBranch, discardBranches, stopRun
    case focusNext, focusPrevious, zoom, cycleLayout
    case startFilter, cycleSmoothing, smoothLess, smoothMore, cycleYScale, cycleXScale, cycleXAxis, toggleClip
    case toggleCursor, cursorLeft, cursorRight, cursorFarLeft, cursorFarRight, zoomIn, zoomOut, panLeft, panRight, resetView
    case selectPrevious, selectNext
    case nudgeDown, nudgeUp, editKnob, applyKnob
    case earlierRound, laterRound
    case focusRuns, selectPreviousRun, selectNextRun, pageUp, pageDown, selectFirst, selectLast
    case toggleRunVisibility, isolateRun, showAllRuns, startRunQuery, sortLeft, sortRight, reverseSort, nextMetric, flipGoal
    case showRunDetails, toggleGrouping, cycleBand, sweepOnX, sweepLast, cycleChartSplit
}

/// Where a binding applies: everywhere, or only while a panel has the focus (it then wins over a
/// global binding of the same key).
public enum KeyContext: String, Sendable, Equatable, CaseIterable {
    case global, curves, runs, knobs, pareto, distributions, events

    /// The heading of the context's section in the help overlay.
    public var title: String {
        switch self {
        case .global: "Everywhere"
        case .curves: "Curves panel"
        case .runs: "Runs panel"
        case .knobs: "Knobs panel"
        case .pareto: "Pareto panel"
        case .distributions: "Distributions panel"
        case .events: "Events panel"
        }
    }

    /// The context of a focused panel.
    public init(focus: PanelKind) {
        switch focus {
        case .curves: self = .curves
        case .runs: self = .runs
        case .knobs: self = .knobs
        case .pareto: self = .pareto
        case .distributions: self = .distributions
        case .events: self = .events
        case .grokking, .hessian, .sweep, .fourier: self = .global
        }
    }
}

/// One binding: its keys, where it applies, its action, and its line in the help overlay.
public struct KeyBinding: Sendable, Equatable {
    public let keys: [Key]
    public let context: KeyContext
    public let action: KeyAction
    public let summary: String

    /// How the keys are written in the help: `j ↓`, or `1…9` for a run of digits.
    public var label: String {
        let digits = keys.compactMap { if case .character(let c) = $0 { c.wholeNumberValue } else { nil } }
        if digits.count == keys.count, digits.count > 2, digits == Array(digits[0]...digits[digits.count - 1]) {
            return "\(digits[0])…\(digits[digits.count - 1])"
        }
        return keys.map(\.description).joined(separator: " ")
    }
}

/// The dashboard's keys: `update` dispatches through this table and the help overlay and status-bar
/// hints are generated from it, so a binding is never described by hand in a second place.
public enum Keymap {
    private static func bind(_ keys: [Key], _ context: KeyContext, _ action: KeyAction, _ summary: String) -> KeyBinding {
        KeyBinding(keys: keys, context: context, action: action, summary: summary)
    }

    private static func chars(_ s: String) -> [Key] { s.map { Key.character($0) } }

    public static let bindings: [KeyBinding] = [
        bind(chars(" "), .global, .togglePause, "pause or resume the run"),
        bind(chars("n"), .global, .stepOnce, "one step while paused"),
        bind(chars("u"), .global, .undo, "undo the last knob change (the run before it continues)"),
        bind(chars("f"), .global, .fork, "fork preview: lr ×0.5, ×1, ×2 for 200 steps (run --fork)"),
        bind(chars("123456789"), .global, .adoptBranch, "adopt fork branch N (it becomes the main run)"),
        bind(chars("D"), .global, .discardBranches, "discard the fork branches"),
        bind(chars("X"), .global, .stopRun, "stop the run's job (asks first; quitting never stops it)"),
        bind([.tab], .global, .focusNext, "focus the next panel"),
        bind([.backTab], .global, .focusPrevious, "focus the previous panel"),
        bind([.enter], .global, .zoom, "zoom the focused panel (again to return)"),
        bind(chars("v"), .global, .cycleLayout, "layout: grid → curves + panel → one panel"),
        bind(chars("/"), .global, .startFilter, "filter series by regular expression"),
        bind(chars("s"), .global, .cycleSmoothing, "smoothing: none → ema → twema → gaussian"),
        bind(chars("["), .global, .smoothLess, "lighter smoothing"),
        bind(chars("]"), .global, .smoothMore, "stronger smoothing"),
        bind(chars("l"), .global, .cycleYScale, "y scale of the selected chart: lin → log → symlog"),
        bind(chars("L"), .global, .cycleXScale, "x scale: lin → log → symlog"),
        bind(chars("x"), .global, .cycleXAxis, "x axis: step → seconds → each metric"),
        bind(chars("o"), .global, .toggleClip, "clip outliers from the y range (2nd–98th percentile)"),
        bind(chars("c"), .global, .toggleCursor, "value cursor on or off"),
        bind(chars("+"), .global, .zoomIn, "zoom in on x (at the cursor)"),
        bind(chars("-"), .global, .zoomOut, "zoom out on x"),
        bind(chars("<"), .global, .panLeft, "pan x left"),
        bind(chars(">"), .global, .panRight, "pan x right"),
        bind(chars("0"), .global, .resetView, "whole run on x, following live"),
        bind(chars("r"), .global, .focusRuns, "the runs panel (beside the curves when the grid has no room)"),
        bind(chars("."), .global, .selectNextRun, "select the next run: drawn on top, the others faint"),
        bind(chars(","), .global, .selectPreviousRun, "select the previous run"),
        bind(chars("M"), .global, .cycleChartSplit, "charts: auto → one per metric → one per group"),
        bind(chars("g"), .global, .toggleGrouping, "group runs by config but seed (or the sorted key): mean, band"),
        bind(chars("B"), .global, .cycleBand, "group bands: min–max ↔ ±1 std"),
        bind(chars("S"), .global, .snapshot, "write the screen as SVG and its data as JSON"),
        bind(chars("?"), .global, .toggleHelp, "show or hide this help"),
        bind([.escape], .global, .escape, "close help, cancel typing or an edit, unzoom"),
        bind(chars("q"), .global, .quit, "quit (the terminal is restored)"),
        bind([.character("j"), .down], .curves, .selectNext, "select the next chart"),
        bind([.character("k"), .up], .curves, .selectPrevious, "select the previous chart"),
        bind([.left], .curves, .cursorLeft, "move the cursor left (turns it on)"),
        bind([.right], .curves, .cursorRight, "move the cursor right"),
        bind([.shiftLeft], .curves, .cursorFarLeft, "move the cursor 10 columns left"),
        bind([.shiftRight], .curves, .cursorFarRight, "move the cursor 10 columns right"),
        bind([.character("j"), .down], .runs, .selectNextRun, "select the next run (highlighted on every chart)"),
        bind([.character("k"), .up], .runs, .selectPreviousRun, "select the previous run"),
        bind([.pageDown], .runs, .pageDown, "a page down"),
        bind([.pageUp], .runs, .pageUp, "a page up"),
        bind([.home], .runs, .selectFirst, "the first run"),
        bind([.end], .runs, .selectLast, "the last run"),
        bind([.enter], .runs, .showRunDetails, "details: config, source, summary, phases, knob changes"),
        bind(chars(" "), .runs, .toggleRunVisibility, "hide or show the selected run"),
        bind(chars("i"), .runs, .isolateRun, "show only the selected run (again: all that were shown)"),
        bind(chars("a"), .runs, .showAllRuns, "show every run"),
        bind(chars("/"), .runs, .startRunQuery, "run query: regex on id, or lr >= 1e-3 and test/acc > 0.9"),
        bind(chars("<"), .runs, .sortLeft, "sort by the column to the left"),
        bind(chars(">"), .runs, .sortRight, "sort by the column to the right"),
        bind(chars("R"), .runs, .reverseSort, "reverse the order"),
        bind(chars("m"), .runs, .nextMetric, "the next metric in the latest and best columns"),
        bind(chars("x"), .runs, .sweepOnX, "sweep panel: the sorted config column (or the next key) on x"),
        bind(chars("b"), .runs, .flipGoal, "best is the minimum or the maximum of that metric"),
        bind(chars("y"), .runs, .sweepLast, "sweep panel: each run's last value on y (again: its best)"),
        bind([.character("j"), .down], .knobs, .selectNext, "select the next knob"),
        bind([.character("k"), .up], .knobs, .selectPrevious, "select the previous knob"),
        bind([.left], .knobs, .nudgeDown, "nudge down (÷ factor on log knobs, − step, previous choice)"),
        bind([.right], .knobs, .nudgeUp, "nudge up (× factor on log knobs, + step, next choice)"),
        bind([.character("e"), .character("=")], .knobs, .editKnob, "type an exact value"),
        bind([.enter], .knobs, .applyKnob, "apply the edited value (zoom when there is none)"),
        bind([.left], .pareto, .earlierRound, "earlier front (step scrubber)"),
        bind([.right], .pareto, .laterRound, "later front; past the newest follows live"),
        bind([.character("j"), .down], .pareto, .selectNext, "next point on the front (its label)"),
        bind([.character("k"), .up], .pareto, .selectPrevious, "previous point on the front"),
        bind([.character("j"), .down], .distributions, .selectNext, "next histogram tag"),
        bind([.character("k"), .up], .distributions, .selectPrevious, "previous histogram tag"),
        bind([.character("k"), .up], .events, .selectPrevious, "scroll back"),
        bind([.character("j"), .down], .events, .selectNext, "scroll forward"),
    ]

    /// The action bound to `key` with `focus` focused: the panel's own binding first, then the global one.
    public static func action(for key: Key, focus: PanelKind) -> KeyAction? {
        let context = KeyContext(focus: focus)
        if context != .global, let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.action }
        return bindings.first { $0.context == .global && $0.keys.contains(key) }?.action
    }

    /// The help text: a heading per context, then `label  summary` lines.
    public static var helpLines: [(text: String, isHeading: Bool)] {
        let labelWidth = bindings.map(\.label.count).max() ?? 0
        var lines: [(String, Bool)] = []
        for context in KeyContext.allCases {
            let section = bindings.filter { $0.context == context }
            guard !section.isEmpty else { continue }
            lines.append((context.title, true))
            for b in section { lines.append(("  " + b.label + String(repeating: " ", count: labelWidth - b.label.count + 2) + b.summary, false)) }
        }
        return lines
    }

    /// The label of the first binding of `action` (for hints: `? help`).
    public static func label(of action: KeyAction) -> String { bindings.first { $0.action == action }?.label ?? "" }
}
