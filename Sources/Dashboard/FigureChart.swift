import TerminalUI

/// One chart of a figure (`snapshot --style figure`): what a panel's chart shows, as data at full
/// resolution, for a vector renderer to lay out in pixels. Built by `FigureView` from the same state
/// the terminal panels draw; it holds values, never pixels.
public struct FigureChart {
    /// Names the chart in `--panels PANEL:CHART` (`loss`, `eigenvalues`, `density`, …).
    public var id: String
    /// The panel it comes from.
    public var panel: PanelKind
    public var title: String
    /// A line under the title (phase steps, the estimator's settings), or nil.
    public var subtitle: String?
    public var x: FigureAxis
    public var y: FigureAxis
    /// Bottom to top.
    public var series: [FigureSeries] = []
    /// Horizontal reference lines (chance level).
    public var references: [FigureReference] = []
    /// Vertical lines at an x: phases and knob changes.
    public var markers: [FigureMarker] = []
    /// A grid of cells under everything else (spectrogram, histogram density over steps).
    public var heatmap: FigureHeatmap?
    /// Said in the plot's corner: a value off the scale (`2/η = 40 ↑`), runs left out.
    public var notes: [String] = []

    public init(id: String, panel: PanelKind, title: String, x: FigureAxis, y: FigureAxis) {
        self.id = id; self.panel = panel; self.title = title; self.x = x; self.y = y
    }
}

/// An axis of a figure chart: its title, scale and range. A nil range is taken from the data.
public struct FigureAxis {
    public var title: String
    public var scale: AxisScale
    public var range: ClosedRange<Double>?
    /// Category names at 0, 1, 2, … (a config key of strings on the sweep's x axis).
    public var categories: [String]?

    public init(_ title: String, scale: AxisScale = .linear, range: ClosedRange<Double>? = nil, categories: [String]? = nil) {
        self.title = title; self.scale = scale; self.range = range; self.categories = categories
    }
}

/// The values of one series, in the form the renderer turns into vertices.
public enum FigureData {
    /// A line kept in a store: the renderer asks for its min/max aggregates between pixel-column
    /// edges on x (increasing), so spikes stay and no point is dropped. `points` is how many it holds.
    case columns(points: Int, (_ edges: [Double]) -> [SeriesBucket?])
    /// A few points drawn as they are (a density, a staircase, a scatter).
    case points([(x: Double, y: Double)])
    /// A filled range between `low` and `high` at each x.
    case band([(x: Double, low: Double, high: Double)])
    /// A filled range per pixel column (a run group's min–max or ±1 std band).
    case bandColumns((_ edges: [Double]) -> [ClosedRange<Double>?])
}

/// How a series is drawn.
public enum FigureMark: Equatable {
    /// A polyline (vertices joined across empty columns, broken at values the scale cannot show).
    case line
    /// A polyline filled down to the bottom of the plot (a density).
    case area
    /// A filled band (`FigureData.band`, `.bandColumns`).
    case band
    /// A circle per point, hollow or filled.
    case dots(hollow: Bool)
}

/// One series: its data, mark, colour and line pattern, and its legend label (nil: not in the legend).
public struct FigureSeries {
    public var label: String?
    public var style: Style
    public var pattern: LinePattern
    public var mark: FigureMark
    public var data: FigureData
    /// Drawn light (raw data under a smoothed line, runs other than the selected one).
    public var isFaint: Bool
    /// Drawn thicker (the selected run).
    public var isEmphasized: Bool
    /// A key the tests and readers of the SVG find the series by (`run/metric`).
    public var key: String
    /// Written at the line's right end, above it (a reference that moves, like 2/η).
    public var endLabel: String?

    public init(label: String?, key: String, style: Style, pattern: LinePattern = .solid, mark: FigureMark = .line, data: FigureData,
                isFaint: Bool = false, isEmphasized: Bool = false) {
        self.label = label; self.key = key; self.style = style; self.pattern = pattern; self.mark = mark; self.data = data
        self.isFaint = isFaint; self.isEmphasized = isEmphasized
    }
}

/// A labelled horizontal line at a y value.
public struct FigureReference {
    public var y: Double
    public var label: String
    public var style: Style

    public init(y: Double, label: String, style: Style) { self.y = y; self.label = label; self.style = style }
}

/// A labelled vertical line at an x value.
public struct FigureMarker {
    public var x: Double
    public var label: String
    public var style: Style

    public init(x: Double, label: String, style: Style) { self.x = x; self.label = label; self.style = style }
}

/// Cells over x × y: column `i` spans `xEdges[i]…xEdges[i+1]`, row `j` spans `yEdges[j]…yEdges[j+1]`;
/// each value is 0…1 on the theme's heat ramp, nil where nothing is drawn.
public struct FigureHeatmap {
    public var xEdges: [Double]
    public var yEdges: [Double]
    /// `[columns][rows]`.
    public var values: [[Double?]]
    public var ramp: [Color]
    /// What the colour means, for the colour bar (`log₁₀ density, 4 decades`).
    public var legend: String

    public init(xEdges: [Double], yEdges: [Double], values: [[Double?]], ramp: [Color], legend: String) {
        self.xEdges = xEdges; self.yEdges = yEdges; self.values = values; self.ramp = ramp; self.legend = legend
    }
}

/// A panel of a figure, optionally narrowed to one of its charts (`curves:loss`).
public struct FigurePanelSelection: Sendable, Equatable {
    public var panel: PanelKind
    public var chart: String?

    public init(panel: PanelKind, chart: String? = nil) { self.panel = panel; self.chart = chart }

    /// `PANEL` or `PANEL:CHART`, comma-separated (`curves:loss,hessian,pareto`), or why the list is not one.
    public static func parseList(_ text: String) -> Result<[FigurePanelSelection], FigureSelectionError> {
        var out: [FigurePanelSelection] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(Self.trimmed)
            guard let panel = PanelKind(rawValue: parts[0]) else {
                return .failure(FigureSelectionError(message: "unknown panel '\(parts[0])' in --panels (panels: \(FigureView.chartPanels.map(\.rawValue).joined(separator: ", ")))"))
            }
            guard FigureView.chartPanels.contains(panel) else {
                return .failure(FigureSelectionError(message: "the \(panel.rawValue) panel is a table, not a chart; figures draw \(FigureView.chartPanels.map(\.rawValue).joined(separator: ", "))"))
            }
            let chart = parts.count > 1 ? parts[1] : nil
            if let chart, chart.isEmpty { return .failure(FigureSelectionError(message: "'\(item)' in --panels names no chart after ':'")) }
            out.append(FigurePanelSelection(panel: panel, chart: chart))
        }
        return .success(out)
    }
}

extension FigurePanelSelection {
    /// `text` without the spaces around it (`curves:loss, hessian`).
    private static func trimmed(_ text: Substring) -> String {
        guard let first = text.firstIndex(where: { $0 != " " }), let last = text.lastIndex(where: { $0 != " " }) else { return "" }
        return String(text[first...last])
    }
}

/// A `--panels` list or a chart name that does not fit the data.
public struct FigureSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
