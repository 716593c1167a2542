import ArgumentParser
import Dashboard
import FileOutput
import Foundation
import Rules
import Snapshot
import Telemetry
import TerminalUI

/// `trainscope snapshot`: the dashboard rendered headless to a file.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Render the dashboard headless: txt, ansi, svg, json (the data behind the panels) or csv (scalars, wide).",
        discussion: """
        The same input always gives the same bytes. Examples:
          trainscope snapshot Samples/runs/grokking.jsonl --format svg -o grokking.svg
          trainscope snapshot Samples/runs/eos.jsonl --panel hessian --size 100x30
          trainscope snapshot --preset eos --steps 600 --format json -o eos.json
          trainscope snapshot Samples/runs/grokking.jsonl --style figure -o grokking-figure.svg
          trainscope snapshot Samples/runs/eos.jsonl --style figure --panels curves:loss,hessian:eigenvalues --width 7in
        A figure (--style figure, SVG only) draws the chart panels as vector charts from the data at full
        resolution, without the status bar, key hints or tables; the paper theme is its default.
        For LaTeX: rsvg-convert -f pdf figure.svg -o figure.pdf; for a PNG: rsvg-convert figure.svg -o figure.png.
        """
    )

    @OptionGroup var input: EventSourceOptions

    @Option(help: "txt, ansi, svg, json or csv (default: from the -o extension, which must name one of them; without one, txt, or svg for a figure).")
    var format: SnapshotFormat?

    @Option(help: ArgumentHelp("Terminal size to render (default 120x40).", valueName: "WxH"), transform: CellSize.parse)
    var size = CellSize(width: 120, height: 40)

    @Option(help: "Layout: grid, pair (curves + --panel) or single (--panel alone).")
    var layout: LayoutPreset?

    @Option(help: "Panel to focus: curves, runs, sweep, grokking, hessian, distributions, pareto, knobs or events (alone unless --layout says otherwise).")
    var panel: PanelKind?

    @OptionGroup var selection: RunSelection

    @Option(help: "Colour theme: default, mono, light, okabe-ito, paper or your own NAME (from ~/.config/trainscope/themes/NAME.theme), or a path to a .theme file.")
    var theme: String?

    @Option(help: "Only events up to this step.")
    var at: Int?

    @Option(help: ArgumentHelp("Curve smoothing: none, ema, twema or gaussian, optionally with a level 0-6 (default none).", valueName: "KIND[:LEVEL]"),
            transform: Smoothing.parse)
    var smoothing = Smoothing.none

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Option(help: "SVG style: terminal (the cell grid, as on screen; the default) or figure (vector charts for papers).")
    var style: SnapshotStyle?

    @Option(help: ArgumentHelp("Figure panels in a grid, each optionally narrowed to one chart: curves:loss,hessian,pareto.",
                               valueName: "PANEL[:CHART],…"))
    var panels: String?

    @Option(help: ArgumentHelp("Figure width in pixels (800) or inches (3.3in, at --dpi).", valueName: "LENGTH"), transform: FigureLength.parse)
    var width: FigureLength?

    @Option(help: ArgumentHelp("Figure height in pixels or inches.", valueName: "LENGTH"), transform: FigureLength.parse)
    var height: FigureLength?

    @Option(help: "Pixels per inch for --width/--height in inches (default 96).")
    var dpi: Double = 96

    func validate() throws {
        let figure = style == .figure
        if !figure {
            for (given, name) in [(panels != nil, "--panels"), (width != nil, "--width"), (height != nil, "--height")] where given {
                throw usageError("\(name) is an option of figures: add --style figure")
            }
        }
        guard dpi.isFinite, (10...2400).contains(dpi) else { throw usageError("--dpi must be between 10 and 2400") }
        if figure, let panels, case .failure(let error) = FigurePanelSelection.parseList(panels) { throw usageError(error.message) }
        if figure, let panel, !FigureView.chartPanels.contains(panel) {
            throw usageError("the \(panel.rawValue) panel is a table, not a chart; figures draw \(FigureView.chartPanels.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let format: SnapshotFormat
        do { format = try SnapshotFormat.resolve(self.format, output: output, default: style == .figure ? .svg : .txt) } catch { throw usageError(error.message) }
        if style == .figure && format != .svg { throw usageError("--style figure writes SVG: use --format svg or an -o name ending in .svg") }
        let dashboardTheme: Theme
        do { dashboardTheme = try loadTheme(theme ?? (style == .figure ? "paper" : nil)) } catch { throw usageError("\(error)") }
        var options = SnapshotOptions(width: size.width, height: size.height, layout: layout ?? (panel == nil ? .grid : .single),
                                      panel: panel, atStep: at, smoothing: smoothing)
        options.runQuery = try selection.query()
        // Events are folded into the frame as the sources deliver them, while the readers go on.
        var state = SnapshotFrame.start(options)
        let (events, name, errors) = try input.load(keepingEvents: format == .csv, eachBlock: { SnapshotFrame.fold($0, into: &state, options) },
                                                    eachNote: { _ = update(&state, $0) }) {
            SnapshotFrame.fold($0, into: &state, options)
        }
        for error in errors { printError(error) }
        var resolved = options
        resolved.sourceName = name
        state.sourceName = name
        SnapshotFrame.finish(&state, resolved)
        let text: String
        switch format {
        case .csv: text = CSVExport.wide(events, state: state)
        case .json: text = JSONExport.document(state, resolved)
        case .txt: text = TextExport.plain(DashboardView(theme: dashboardTheme).render(state))
        case .ansi: text = TextExport.ansi(DashboardView(theme: dashboardTheme).render(state))
        case .svg where style == .figure: text = try figure(state, theme: dashboardTheme)
        case .svg: text = SVGExport.render(DashboardView(theme: dashboardTheme).render(state), theme: dashboardTheme)
        }
        do throws(OutputFileError) { try OutputFile.write(text, to: output ?? "-") } catch {
            printError("trainscope: error: \(error)")
            throw ExitCode(2)
        }
        if !errors.isEmpty { throw ExitCode(1) }
    }
}

extension SnapshotCommand {
    /// The figure SVG of the `--panels` (else the layout's chart panels) at `--width` × `--height`.
    private func figure(_ state: DashboardState, theme: Theme) throws -> String {
        let selections: [FigurePanelSelection]
        if let panels, case .success(let parsed) = FigurePanelSelection.parseList(panels) {
            selections = parsed
        } else {
            selections = FigureView.defaultPanels(state)
        }
        let charts: [FigureChart]
        switch FigureView(theme: theme).charts(state, selections) {
        case .success(let built): charts = built
        case .failure(let error): throw usageError(error.message)
        }
        let size = FigureExport.defaultSize(charts: charts.count)
        return FigureExport.render(charts, width: width?.pixels(dpi: dpi) ?? size.width, height: height?.pixels(dpi: dpi) ?? size.height,
                                   theme: theme)
    }
}

/// `trainscope check`: rule assertions over a run, for CI.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Evaluate rules over a run (e.g. \"phase generalization before 3000\"); exit 0 only if all hold.",
        discussion: """
        Rules compare expressions of metrics, numbers and aggregates, optionally over steps:
          max(train/loss) < 10            mean(test/acc) >= 0.9 between 2000 and 3000
          sharpness <= 2.2/lr after 500   test/loss <= 1.5 * min(test/loss) after 2000
          phase generalization before 3000    phase generalization delay < 2000    no phase diverged
        A comparison with bare metric names must hold at every step of its window (each name keeps
        its latest value); aggregates are taken over the window. `a/b` is one metric name: write
        `a / b` to divide. Names: scalar metrics, and sharpness, lambda1…, trace from spectra.
        Exit status: 0 all rules hold, 1 one fails (or the source had bad lines), 2 a rule or the source cannot be read.
        """
    )

    @OptionGroup var input: EventSourceOptions

    @Option(name: .customLong("rule"), help: "A rule to check; repeatable.")
    var rules: [String] = []

    @Option(name: .customLong("run"), help: "The run to check (default: the run with the most data; with --runs, every run the query selects).")
    var runID: String?

    @OptionGroup var selection: RunSelection

    func validate() throws {
        guard !rules.isEmpty else { throw usageError("give at least one --rule") }
    }

    func run() throws {
        var parsed: [CheckRule] = []
        var syntaxErrors = false
        for (index, text) in rules.enumerated() {
            do throws(CheckRuleError) { parsed.append(try CheckRule.parse(text)) } catch {
                printError("trainscope: rule \(index + 1): \(error)\n  \(text)\n  \(String(repeating: " ", count: error.column - 1))^")
                syntaxErrors = true
            }
        }
        if syntaxErrors { throw ExitCode(2) }
        let (events, name, errors) = try input.load()
        for error in errors { printError(error) }
        let data = CheckData(events: events)
        let ids = try runsToCheck(data, events: events, source: name)
        var report = ""
        var failed = false
        for id in ids {
            let outcomes = parsed.map { $0.evaluate(data, run: id) }
            report += "check \(name), run \(id)\n"
            for outcome in outcomes { report += outcome.line + "\n" }
            let held = outcomes.filter(\.holds).count
            report += "\(held) of \(outcomes.count) rules hold\n"
            failed = failed || held < outcomes.count
        }
        if ids.count > 1 { report += "\(ids.count) runs checked\n" }
        printReport(report)
        if failed || !errors.isEmpty { throw ExitCode(1) }
    }

    /// `--run`, else every run `--runs` selects, else the run with the most scalar points (never
    /// one without any while another has some: a TensorBoard hparams-only folder is not the run).
    private func runsToCheck(_ data: CheckData, events: [TelemetryEvent], source name: String) throws -> [String] {
        let known = "(runs: \(data.runs.joined(separator: ", ")))"
        if let id = runID {
            guard data.runs.contains(id) else {
                printError("trainscope: error: no run '\(id)' in \(name) \(known)")
                throw ExitCode(2)
            }
            return [id]
        }
        if let query = try selection.query() {
            var options = SnapshotOptions()
            options.runQuery = query
            let selected = SnapshotFrame.state(events, options).listedRunIDs.filter(data.runs.contains)
            guard !selected.isEmpty else {
                printError("trainscope: error: no run in \(name) matches --runs \(query.text) \(known)")
                throw ExitCode(2)
            }
            return selected
        }
        func points(_ id: String) -> Int { data.series[id]!.values.reduce(0) { $0 + $1.count } }
        guard let first = data.runs.first else {
            printError("trainscope: error: \(name) has no run to check")
            throw ExitCode(2)
        }
        return [data.runs.dropFirst().reduce(first) { points($1) > points($0) ? $1 : $0 }]
    }
}
