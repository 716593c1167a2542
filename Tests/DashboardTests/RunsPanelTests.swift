import Dashboard
import JSONCore
import Snapshot
import Telemetry
import TerminalUI
import Testing
import TestSupport

@Suite struct RunsPanelTests {
    let view = DashboardView(theme: Theme.builtIn["default"]!)

    @Test func theTableListsRunsWithTheConfigKeysThatDiffer() {
        let state = sweepState()
        let table = state.runTableContent
        #expect(table.configKeys == ["lr", "optimizer", "seed", "model.width"], "steps and tag are the same in every run")
        #expect(table.metric == "test/acc" && table.goal == .maximize)
        #expect(table.rows.map(\.shortName).prefix(3) == ["00-lr0.0001-adamw", "01-lr0.001-sgd", "02-lr0.003-adamw"])
        #expect(table.rows[4].status == .diverged && table.rows[2].status == .done)
        #expect(table.rows[2].best == 1 && table.rows[1].latest.map { abs($0 - 0.45) < 1e-12 } == true)
        var zoomed = focused(state)
        zoomed.layout = .single
        let screen = TextExport.plain(view.render(zoomed))
        #expect(screen.contains("Runs · 12") && screen.contains("optimizer") && screen.contains("model.width") && screen.contains("✗ diverged"),
                "\(screen)")
        #expect(screen.contains("test/acc") && screen.contains("max"))
    }

    @Test func selectHideIsolateAndShowAll() {
        var state = focused(sweepState())
        let ids = state.runOrder
        _ = keys(&state, .character("j"), .character("j"))
        #expect(state.selectedRun == ids[1])
        _ = keys(&state, .character(" "))
        #expect(state.hiddenRuns == [ids[1]] && !state.shownRunIDs.contains(ids[1]) && state.listedRunIDs.contains(ids[1]))
        _ = keys(&state, .character("j"), .character("i"))
        #expect(state.isolatedRun == ids[2] && state.shownRunIDs == [ids[2]])
        _ = keys(&state, .character("i"))
        #expect(state.isolatedRun == nil && state.shownRunIDs.count == 11, "again: what was shown before")
        _ = keys(&state, .character("a"))
        #expect(state.hiddenRuns.isEmpty && state.shownRunIDs == ids)
        _ = keys(&state, .end)
        #expect(state.selectedRun == ids[11])
        _ = keys(&state, .home, .pageDown)
        #expect(state.selectedRun.flatMap { ids.firstIndex(of: $0) }.map { $0 > 1 } == true)
        _ = keys(&state, .escape)
        #expect(state.selectedRun == nil)
    }

    @Test func enterOpensTheRunsDetails() {
        var state = focused(sweepState())
        _ = keys(&state, .character("j"), .character("j"), .character("j"), .character("j"), .character("j"), .enter)
        #expect(state.detailsRun == state.runOrder[4] && state.focus == .runs)
        let screen = TextExport.plain(view.render(state))
        #expect(screen.contains("Run \(state.runOrder[4])") && screen.contains("Config") && screen.contains("model.width") && screen.contains("optimizer")
                && screen.contains("Summary") && screen.contains("Phases") && screen.contains("diverged"), "\(screen)")
        _ = keys(&state, .character("j"))
        #expect(state.detailsScroll == 1)
        _ = keys(&state, .escape)
        #expect(state.detailsRun == nil && !TextExport.plain(view.render(state)).contains("Config"))
    }

    /// `g`: runs that differ only in their seed become one group: a mean line over a band on the
    /// charts, a header row with the members' mean values in the runs panel (space folds it).
    @Test func groupsOfSeedsAreDrawnAsBandsAndFoldInThePanel() throws {
        var state = focused(sweepState())
        _ = keys(&state, .character("g"))
        let groups = try #require(state.runGroups)
        #expect(state.grouping?.except == "seed" && groups.count == 6 && groups.allSatisfy { $0.members.count == 2 })
        #expect(groups[0].name == "lr=0.0001 optimizer=adamw model.width=64" && groups[0].members == [state.runOrder[0], state.runOrder[6]])
        let rows = state.runTableContent.rows
        #expect(rows.count == 18 && rows[0].group == groups[0].id && rows[0].members == 2 && rows[1].depth == 1)
        let best = [state.runs[state.runOrder[0]]!, state.runs[state.runOrder[6]]!].map { $0.bestValue(of: "test/acc", goal: .maximize)! }
        #expect(rows[0].best.map { abs($0 - (best[0] + best[1]) / 2) < 1e-12 } == true, "a header shows the members' mean")
        #expect(TextExport.plain(view.render(state)).contains("6 groups (all but seed) min–max"))
        var alone = state
        alone.layout = .single
        let screen = TextExport.plain(view.render(alone))
        #expect(screen.contains("▾ lr=0.0001 optimizer=adamw model.width=64 ×2"), "\(screen)")
        _ = keys(&state, .home, .character(" "))
        #expect(state.grouping?.collapsed == [groups[0].id] && state.runTableContent.rows.count == 16)
        _ = keys(&state, .character("B"))
        #expect(state.grouping?.band == .std)
        _ = keys(&state, .character("g"))
        #expect(state.grouping == nil && state.runGroups == nil)
    }

    @Test func aGroupsLineIsTheMeanAndItsBandTheSpreadOrOneStd() {
        var grouping = RunGrouping(except: "seed")
        #expect(grouping.aggregate([1, 2, 6])! == (3, 1...6))
        grouping.band = .std
        let (mean, band) = grouping.aggregate([1, 3, .nan])!
        #expect(mean == 2 && band == 1...3, "NaN members are left out; σ of {1, 3} is 1")
        #expect(grouping.aggregate([.infinity]) == nil)
    }

    /// Choices named by numbers sort as numbers on the sweep axis: the quantization study's `bits`.
    @Test func numericChoicesSortAsNumbersOnTheSweepAxis() throws {
        var state = DashboardState(width: 120, height: 40, sourceName: "quantization.jsonl")
        for event in try Recording(path: TestPaths.sample("runs/quantization.jsonl")).events { _ = update(&state, .telemetry(event)) }
        let bits = try #require(state.sweepAxis(config: "bits"))
        #expect(bits.categories == ["1", "1.58", "2", "3", "4", "8", "32"])
    }

    /// `y` in the runs panel puts each run's last value on the sweep panel's y: the double-descent
    /// peak, which the best test loss over training does not show.
    @Test func theSweepPanelCanDrawLastValues() throws {
        var state = DashboardState(width: 140, height: 45, sourceName: "double-descent.jsonl")
        for event in try Recording(path: TestPaths.sample("runs/double-descent.jsonl")).events { _ = update(&state, .telemetry(event)) }
        state.focus = .runs
        let peak = "double-descent-s0-hidden16-weight_decay0"
        let best = try #require(state.sweepMetricAxis)
        _ = keys(&state, .character("y"))
        let last = try #require(state.sweepMetricAxis)
        #expect(best.title == "min test/loss" && last.title == "last test/loss")
        #expect(last.values[peak]! > 2 && best.values[peak]! < 1, "last \(last.values[peak]!), best \(best.values[peak]!)")
        #expect(state.runs[peak]!.latestValue(of: "test/loss") == last.values[peak])
    }

    /// The sweep panel: best test accuracy against the key with the most values (lr), log where
    /// values span decades, text keys as categories; `x` in the runs panel picks the key.
    @Test func theSweepPanelPlotsRunsAgainstAConfigKey() throws {
        var state = focused(sweepState())
        #expect(state.availablePanels.contains(.sweep) && state.sweepXKey == "lr" && state.sweepKeys.last == "seed")
        let lr = try #require(state.sweepAxis(config: "lr"))
        #expect(lr.scale == .linear && lr.range == 1e-4...3e-3, "30× is not two decades")
        let optimizer = try #require(state.sweepAxis(config: "optimizer"))
        #expect(optimizer.categories == ["adamw", "sgd"] && optimizer.values[state.runOrder[1]] == 1 && optimizer.label(0) == "adamw")
        let metric = try #require(state.sweepMetricAxis)
        #expect(metric.title == "max test/acc" && metric.values.count == 12)
        _ = keys(&state, .character("x"))
        #expect(state.sweepX == "optimizer" && state.sweepXKey == "optimizer")
        state.layout = .single
        state.focus = .sweep
        let screen = TextExport.plain(view.render(state))
        #expect(screen.contains("max test/acc vs optimizer") && screen.contains("x: adamw · sgd") && screen.contains("●"), "\(screen)")
        #expect(screen.contains("model.width") && screen.contains("seed"), "parallel axes of every differing key")
        var wide = DashboardState(width: 160, height: 48)
        for id in ["a", "b", "c"] {
            var config = JSONObject()
            config["lr"] = .number(id == "a" ? 1e-5 : id == "b" ? 1e-3 : 1e-1)
            _ = update(&wide, .telemetry(.run(RunEvent(run: id, config: config))))
            _ = update(&wide, .telemetry(.scalars(ScalarsEvent(run: id, step: 1, values: ["test/acc": 0.5]))))
        }
        #expect(wide.sweepAxis(config: "lr")?.scale == .log)
    }

    @Test func sortByAnyColumnAndReverse() {
        var state = focused(sweepState())
        _ = keys(&state, .character(">"))
        #expect(state.runTable.sort == .name)
        _ = keys(&state, .character(">"), .character(">"), .character(">"))
        #expect(state.runTable.sort == .config("lr"))
        #expect(state.runTableContent.rows.map { $0.config[0]?.number } == [1e-4, 1e-4, 1e-4, 1e-4, 1e-3, 1e-3, 1e-3, 1e-3, 3e-3, 3e-3, 3e-3, 3e-3])
        _ = keys(&state, .character("R"))
        #expect(state.runTableContent.rows.first?.config[0]?.number == 3e-3)
        _ = keys(&state, .character("<"), .character("<"), .character("<"), .character("<"), .character("<"))
        // The last columns are the phases: some of these runs reach 99% test accuracy.
        #expect(state.runTable.sort == .phase("generalization"), "left of the first column is the last")
        _ = keys(&state, .character("b"))
        #expect(state.goal(of: "test/acc") == .minimize && state.runTableContent.goal == .minimize)
        _ = keys(&state, .character("m"))
        #expect(state.tableMetric == "train/loss")
    }

    @Test func aQueryTypedInThePanelFiltersEveryViewAndErrorsSayWhere() {
        var state = focused(sweepState())
        _ = keys(&state, .character("/"))
        for c in "lr >= " { _ = keys(&state, .character(c)) }
        _ = keys(&state, .enter)
        #expect(state.input?.error == "column 7: expected a value after '>='" && state.runQuery == nil)
        for c in "3e-3" { _ = keys(&state, .character(c)) }
        _ = keys(&state, .enter)
        #expect(state.input == nil && state.runQuery?.text == "lr >= 3e-3")
        #expect(state.listedRunIDs.count == 4 && state.shownRunIDs.count == 4)
        #expect(TextExport.plain(view.render(state)).contains("Runs · 4 of 12 · test/acc · /lr >= 3e-3/"))
        _ = keys(&state, .character("/"))
        for _ in 0..<10 { _ = keys(&state, .backspace) }
        _ = keys(&state, .enter)
        #expect(state.runQuery == nil && state.shownRunIDs.count == 12)
    }

    @Test func aSelectedRunIsDrawnOnTopAndTheOthersFaint() {
        var state = sweepState(runs: 3)
        _ = keys(&state, .character("."))
        let selected = state.selectedRun!
        let frame = view.render(state)
        let lines = TextExport.plain(frame)
        let name = RunNames.shortened(state.shownRunIDs)[selected]!
        #expect(lines.contains("━ \(name)"), "the selected run comes first in each legend")
        var dim = 0, bright = 0
        for y in 0..<frame.height {
            for x in 0..<frame.width where (0x2801...0x28FF).contains(frame[x, y].character.unicodeScalars.first!.value) {
                if frame[x, y].style.dim { dim += 1 } else { bright += 1 }
            }
        }
        #expect(dim > 0 && bright > 0)
    }

    /// A run keeps its slot whatever arrives after it; 40 runs are 40 different (colour, pattern) lines.
    @Test func coloursStayWithTheirRunsAndFortyRunsStayApart() {
        var a = DashboardState(width: 160, height: 48), b = a
        let ids = (0..<40).map { "run-\($0)" }
        for id in ids { _ = update(&a, .telemetry(.scalars(ScalarsEvent(run: id, step: 1, values: ["loss": 1])))) }
        for id in ids.prefix(20) { _ = update(&b, .telemetry(.scalars(ScalarsEvent(run: id, step: 1, values: ["loss": 1])))) }
        let before = ids.prefix(20).map { b.runs[$0]!.slot }
        for id in ids.suffix(20).reversed() { _ = update(&b, .telemetry(.scalars(ScalarsEvent(run: id, step: 2, values: ["loss": 1])))) }
        #expect(ids.prefix(20).map { b.runs[$0]!.slot } == before && ids.prefix(20).map { a.runs[$0]!.slot } == before,
                "runs arriving later never move an earlier run's colour")
        let view = DashboardView(theme: Theme.builtIn["default"]!)
        let looks = ids.map { view.runSwatch(a.runs[$0]!) }
        #expect(Set(looks.map { "\($0.style)|\($0.pattern)" }).count == 40)
        for name in ["default", "mono"] { #expect(Theme.builtIn[name]!.series.count >= (name == "mono" ? 6 : 12)) }
    }

    @Test func runNamesLoseTheirSharedPrefixAndSuffixAtWordBoundaries() {
        #expect(RunNames.shortened(["sweep-07-lr0.003-wd0-w128", "sweep-08-lr0.01-wd0-w128"]) ==
                ["sweep-07-lr0.003-wd0-w128": "07-lr0.003", "sweep-08-lr0.01-wd0-w128": "08-lr0.01"])
        #expect(RunNames.shortened(["pareto-s0", "pareto-s0-hidden8"]) == ["pareto-s0": "pareto-s0", "pareto-s0-hidden8": "hidden8"])
        #expect(RunNames.shortened(["run10", "run11"]) == ["run10": "run10", "run11": "run11"], "no cut inside a word")
        #expect(RunNames.shortened(["only"]) == ["only": "only"])
        #expect(RunNames.shortened(["w64-lr0.003-s0", "w64-lr0.01-s1"]) == ["w64-lr0.003-s0": "lr0.003-s0", "w64-lr0.01-s1": "lr0.01-s1"],
                "a decimal point is not a place to cut")
    }

    /// Sources and parents get columns when they tell runs apart (parents once the tree is sorted away).
    @Test func sourceAndParentColumns() {
        var state = DashboardState(width: 160, height: 30)
        for (id, source, parent) in [("a", "/logs/tb/train", nil), ("b", "/logs/lightning/version_0/metrics.csv", nil), ("a/lr×2", "/logs/tb/train", "a")] {
            _ = update(&state, .telemetry(.run(RunEvent(run: id, parent: parent, extra: JSONObject([("source", .string(source))])))))
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: id, step: 1, values: ["loss": 1]))))
        }
        _ = keys(&state, .character("r"))
        state.layout = .single
        #expect(state.runTableContent.hasSources)
        var screen = TextExport.plain(view.render(state))
        #expect(screen.contains("source") && screen.contains("version_0/metrics.csv") && screen.contains("tb/train") && !screen.contains("parent"))
        _ = keys(&state, .character(">"), .character(">"), .character(">"))
        screen = TextExport.plain(view.render(state))
        #expect(state.runTable.sort == .step && screen.contains("parent"), "\(screen)")
    }

    /// A view keeps line columns between frames; new points, smoothing, scales and zoom are always
    /// drawn as a fresh view draws them.
    @Test func linesKeptBetweenFramesNeverGoStale() {
        var state = sweepState(runs: 4)
        let view = DashboardView(theme: Theme.builtIn["default"]!)
        func same() -> Bool { view.render(state).lines == DashboardView(theme: Theme.builtIn["default"]!).render(state).lines }
        #expect(same())
        for step in 101...140 {
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: state.runOrder[1], step: step, values: ["train/loss": 0.5, "test/acc": 0.9]))))
        }
        #expect(same(), "new points")
        _ = keys(&state, .character("s"))
        #expect(same(), "smoothing on")
        _ = keys(&state, .character("]"), .character("]"))
        #expect(same(), "stronger smoothing")
        _ = keys(&state, .character("L"))
        #expect(same(), "log x")
        _ = keys(&state, .character("+"), .character("<"))
        #expect(same(), "zoomed and panned")
        _ = keys(&state, .character("g"))
        #expect(same(), "grouped")
    }

    /// `M`: one chart per metric, then per group; sections are case-insensitive.
    @Test func chartsSplitPerMetricOrPerGroup() {
        var state = runState()
        #expect(state.curveGroups.first { $0.name == "loss" }?.metrics == ["train/loss", "test/loss"])
        _ = keys(&state, .character("M"))
        #expect(state.curves.split == .perMetric && state.curveGroups.allSatisfy { $0.metrics.count == 1 } && state.curveGroups.count == 5)
        #expect(TextExport.plain(view.render(state)).contains("per metric"))
        _ = keys(&state, .character("M"))
        #expect(state.curves.split == .perGroup && state.curveGroups.first { $0.name == "loss" }?.metrics.count == 2)
        var sections = DashboardState(width: 120, height: 40)
        _ = update(&sections, .telemetry(.scalars(ScalarsEvent(run: "a", step: 1, values: ["Eval/F1": 0.5, "eval/precision": 0.4, "Train/Loss": 2]))))
        #expect(sections.curveGroups.map(\.name) == ["loss", "eval"] && sections.curveGroups[1].metrics.count == 2)
    }

    /// A 2.7e15 `total_flos` and a 5e-5 learning rate in one group never share an axis.
    @Test func metricsWhoseMagnitudesDifferBy100xGetTheirOwnCharts() {
        var state = DashboardState(width: 120, height: 40)
        for step in 1...5 {
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: "hf", step: step,
                values: ["train/total_flos": 2.7e15, "train/learning_rate": 5e-5, "train/epoch": Double(step)]))))
        }
        let groups = state.curveGroups.map(\.metrics)
        #expect(groups.contains(["train/total_flos"]) && !groups.contains { $0.contains("train/total_flos") && $0.count > 1 })
        #expect(groups.contains { $0.contains("train/learning_rate") } && !groups.contains { $0.contains("train/learning_rate") && $0.contains("train/total_flos") })
    }

    private func focused(_ state: DashboardState) -> DashboardState {
        var state = state
        _ = keys(&state, .character("r"))
        return state
    }
}
