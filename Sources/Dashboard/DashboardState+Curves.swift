import Telemetry
import TerminalUI

extension DashboardState {
    /// Cell columns of the curves' plots with the current layout (nil when the panel is not shown).
    public var curvesPlotWidth: Int? {
        guard let rect = panelRects().first(where: { $0.panel == .curves })?.rect else { return nil }
        return Swift.max(0, rect.width - 2 - LineChart.gutter)
    }

    /// The whole x extent of the curves' data on the current x axis (steps or seconds); nil for a
    /// metric axis or before any data.
    public var curvesXDomain: ClosedRange<Double>? {
        var low = Double.infinity, high = -Double.infinity
        for id in runOrder {
            let run = runs[id]!
            switch curves.xAxis {
            case .step:
                for s in run.series.values {
                    guard let r = s.raw.xRange else { continue }
                    low = Swift.min(low, r.lowerBound)
                    high = Swift.max(high, r.upperBound)
                }
            case .wallTime:
                guard let last = run.clock.samples.last, let first = run.clock.samples.first else { continue }
                low = 0
                high = Swift.max(high, last.time - first.time)
            case .metric:
                return nil
            }
        }
        guard low.isFinite, high.isFinite else { return nil }
        if curves.xScale == .log { low = Swift.max(low, Swift.min(1, high)) }
        return low...Swift.max(high, low + 1)
    }

    /// The x range the curves show: the zoom window inside the domain, or the whole domain.
    public var curvesXRange: ClosedRange<Double>? {
        guard let domain = curvesXDomain else { return nil }
        guard let w = curves.xWindow else { return domain }
        let low = Swift.max(domain.lowerBound, w.lowerBound), high = Swift.min(domain.upperBound, w.upperBound)
        return high > low ? low...high : domain
    }

    /// The knob the knobs panel has selected.
    public var selectedKnobSpec: KnobSpec? {
        guard let knobs = currentRun?.knobs, !knobs.isEmpty else { return nil }
        return knobs[Swift.min(selectedKnob, knobs.count - 1)]
    }

    /// The run whose fronts the Pareto panel shows.
    public var shownParetoRun: RunState? { paretoRun.flatMap { runs[$0] } }

    /// The Pareto round on show: the scrubbed one, else the newest.
    public var shownParetoRound: ParetoRound? {
        guard let rounds = shownParetoRun?.paretoRounds, !rounds.isEmpty else { return nil }
        return rounds[Swift.min(paretoRound ?? rounds.count - 1, rounds.count - 1)]
    }
}
