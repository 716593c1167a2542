import Telemetry
import TerminalUI

/// The dashboard's charts as figures: for each chart panel, the charts it shows, built from the same
/// state and with the same run colours, short names and markers as the terminal view, but holding
/// the data at full resolution (`FigureChart`). Tables (runs, knobs, events) are not figures.
public struct FigureView {
    public var theme: Theme

    /// The panels that are charts, in the order a figure of the whole dashboard shows them.
    public static let chartPanels: [PanelKind] = [.curves, .grokking, .fourier, .hessian, .distributions, .pareto, .sweep]

    public init(theme: Theme) { self.theme = theme }

    /// The chart panels a figure of `state` shows without `--panels`: the focused panel alone
    /// (`single`), curves and it (`pair`), else every chart panel the grid has data for.
    public static func defaultPanels(_ state: DashboardState) -> [FigurePanelSelection] {
        let panels: [PanelKind]
        switch state.layout {
        case .single: panels = [state.focus]
        case .pair: panels = [.curves, state.focus == .curves ? state.companion : state.focus]
        case .grid: panels = state.availablePanels
        }
        var seen: Set<PanelKind> = []
        return panels.filter { chartPanels.contains($0) && seen.insert($0).inserted }.map { FigurePanelSelection(panel: $0) }
    }

    /// The charts of `selections` in order; a selection naming a chart the panel does not have is
    /// an error that lists the ones it has.
    public func charts(_ state: DashboardState, _ selections: [FigurePanelSelection]) -> Result<[FigureChart], FigureSelectionError> {
        var out: [FigureChart] = []
        for selection in selections {
            let charts = self.charts(of: selection.panel, state)
            guard let wanted = selection.chart else {
                out += charts
                continue
            }
            let matching = charts.filter { $0.id.lowercased() == wanted.lowercased() }
            guard !matching.isEmpty else {
                let known = charts.isEmpty ? "it has no data" : "its charts: " + charts.map(\.id).joined(separator: ", ")
                return .failure(FigureSelectionError(message: "no chart '\(wanted)' in the \(selection.panel.rawValue) panel (\(known))"))
            }
            out += matching
        }
        return .success(out)
    }

    /// The charts one panel shows (none when it has no data).
    public func charts(of panel: PanelKind, _ state: DashboardState) -> [FigureChart] {
        switch panel {
        case .curves: curveCharts(state)
        case .grokking: state.currentRun.map(grokkingCharts) ?? []
        case .fourier: state.currentRun.map(fourierCharts) ?? []
        case .hessian: state.currentRun.map(hessianCharts) ?? []
        case .distributions: distributionCharts(state)
        case .pareto: paretoCharts(state)
        case .sweep: sweepCharts(state)
        case .runs, .knobs, .events: []
        }
    }

    // MARK: - Shared pieces

    /// A metric's line from its store: every point the view holds, aggregated per pixel column.
    static func storeData(_ store: SeriesStore) -> FigureData {
        .columns(points: store.count) { store.columns(edges: $0).columns }
    }

    /// Phase and knob-change markers of a run (`memorization`, `lr 0.01→0.003`).
    func markers(_ run: RunState, phasesOnly: Bool = false) -> [FigureMarker] {
        let phases = run.phases.map { FigureMarker(x: Double($0.step), label: $0.name, style: theme.markerPhase) }
        guard !phasesOnly else { return phases }
        let knobs = run.knobChanges.map { k in
            FigureMarker(x: Double(k.step), label: "\(k.name) \(k.old.map { "\($0)→" } ?? "")\(k.new)", style: theme.markerKnob)
        }
        return phases + knobs
    }

    /// The chance level of an accuracy chart, as a labelled reference line.
    func chance(_ run: RunState?, group: String) -> [FigureReference] {
        guard DashboardState.groupName(of: group) == "acc", let level = run?.chanceAccuracy else { return [] }
        return [FigureReference(y: level, label: "chance", style: theme.reference)]
    }

    /// The colour of the i-th line of a chart whose lines differ by colour alone.
    func lineStyle(_ i: Int) -> Style { theme.series.isEmpty ? .plain : theme.series[i % theme.series.count] }

    /// `(metric)`'s axis title, with the unit where one is known.
    static func axisTitle(metric: String) -> String {
        let last = metric.split(separator: "/").last.map(String.init) ?? metric
        switch last {
        case "lr", "learning_rate": return "\(metric) (learning rate)"
        case "seconds", "time", "step_time": return "\(metric) (s)"
        default: return metric
        }
    }
}
