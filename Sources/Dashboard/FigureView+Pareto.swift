import Telemetry
import TerminalUI

extension FigureView {
    /// The shown Pareto round: dominated points hollow, the front filled and joined by its
    /// staircase (the boundary of what it dominates); the hypervolume over rounds when there are
    /// several. A round with a scaling fit draws the law, its band, the points and the prediction instead.
    func paretoCharts(_ state: DashboardState) -> [FigureChart] {
        guard let run = state.shownParetoRun, let round = state.shownParetoRound, round.objectives.count >= 2 else { return [] }
        let (xo, yo) = (round.objectives[0], round.objectives[1])
        func better(_ o: ParetoObjective) -> String { o.direction == .minimize ? "\(o.name) (lower is better)" : "\(o.name) (higher is better)" }
        let points = round.points.map { (x: $0.values[0], y: $0.values[1]) }
        // A fitted law's curve, band and prediction share the axes with the points (as in the panel).
        let fitted = (round.fit?.curve ?? []) + (round.fit?.prediction.map { [$0] } ?? [])
        let xs = points.map(\.x) + fitted.map(\.size), ys = points.map(\.y) + fitted.flatMap { [$0.low, $0.high] }.filter { $0 > 0 }
        func scale(_ values: [Double]) -> AxisScale { DashboardView.isLogAxis(values) ? .log : .linear }
        var chart = FigureChart(id: "front", panel: .pareto, title: round.fit == nil ? "Pareto front @ step \(round.step)" : "scaling law @ step \(round.step)",
                                x: FigureAxis(better(xo), scale: scale(xs)), y: FigureAxis(better(yo), scale: scale(ys)))
        let front = round.points.indices.filter { round.onFront[$0] }.map { points[$0] }.sorted { $0.x < $1.x }
        let dominated = round.points.indices.filter { !round.onFront[$0] }.map { points[$0] }
        var subtitle = "\(round.points.count) points · \(front.count) on the front"
        if let hv = round.hypervolume, round.fit == nil { subtitle += " · hypervolume \(NumberFormat.short(hv))" }
        if round.objectives.count > 2 { subtitle += " · 3rd objective \(round.objectives[2].name) not drawn" }
        if run.id != state.currentRun?.id { subtitle = "\(run.id) · " + subtitle }
        if let fit = round.fit { subtitle = DashboardView.fitSummary(fit) }
        chart.subtitle = subtitle
        let colour = lineStyle(0)
        if let fit = round.fit {
            // The measured sizes as points (no staircase: the law, not dominance, joins them).
            chart.series = [
                FigureSeries(label: "5–95% band", key: "\(run.id)/fit#band", style: lineStyle(1), mark: .band,
                             data: .band(fit.curve.map { (x: $0.size, low: $0.low, high: $0.high) }), isFaint: true),
                FigureSeries(label: "fit \(fit.law)", key: "\(run.id)/fit", style: lineStyle(1), data: .points(fit.curve.map { (x: $0.size, y: $0.loss) })),
            ]
            // The prediction and its interval under the points, so the held-out size's result shows inside its ring.
            if let p = fit.prediction {
                chart.series += [
                    FigureSeries(label: nil, key: "\(run.id)/prediction#interval", style: theme.markerKnob, data: .points([(p.size, p.low), (p.size, p.high)])),
                    FigureSeries(label: "predicted before training", key: "\(run.id)/prediction", style: theme.markerKnob, mark: .dots(hollow: true),
                                 data: .points([(p.size, p.loss)])),
                ]
            }
            chart.series.append(FigureSeries(label: "measured", key: "\(run.id)/front", style: colour, mark: .dots(hollow: false), data: .points(points)))
            return [chart]
        }
        chart.series = [
            FigureSeries(label: "dominated", key: "\(run.id)/dominated", style: theme.dimText, mark: .dots(hollow: true), data: .points(dominated)),
            FigureSeries(label: nil, key: "\(run.id)/staircase", style: colour,
                         data: .points(Self.staircase(front, horizontalFirst: xo.direction == .minimize))),
            FigureSeries(label: "front", key: "\(run.id)/front", style: colour, mark: .dots(hollow: false), data: .points(front)),
        ]
        var charts = [chart]
        let volumes = run.paretoRounds.compactMap { r in r.hypervolume.map { (x: Double(r.step), y: $0) } }
        if volumes.count > 1 {
            var history = FigureChart(id: "hypervolume", panel: .pareto, title: "hypervolume over training", x: FigureAxis("step"),
                                      y: FigureAxis("hypervolume"))
            history.series = [FigureSeries(label: nil, key: "\(run.id)/hypervolume", style: lineStyle(1), data: .points(volumes)),
                              FigureSeries(label: nil, key: "\(run.id)/hypervolume#rounds", style: lineStyle(1), mark: .dots(hollow: false),
                                           data: .points(volumes))]
            charts.append(history)
        }
        return charts
    }

    /// The staircase through front points sorted by x: the boundary of the region they dominate.
    /// It runs across, then up or down, when x is minimized, and the other way when x is maximized.
    static func staircase(_ front: [(x: Double, y: Double)], horizontalFirst: Bool) -> [(x: Double, y: Double)] {
        guard var previous = front.first else { return [] }
        var out = [previous]
        for p in front.dropFirst() {
            out.append(horizontalFirst ? (x: p.x, y: previous.y) : (x: previous.x, y: p.y))
            out.append(p)
            previous = p
        }
        return out
    }
}
