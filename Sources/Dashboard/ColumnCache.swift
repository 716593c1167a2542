import Synchronization
import TerminalUI

/// The columns of the curves' lines from the last frames, so a frame recomputes only the lines
/// whose data or view changed: with many finished runs on screen, most lines are the same from
/// frame to frame. A line is found again by its run, metric, store, the store's point count and
/// the column edges; what two frames in a row did not ask for is dropped.
final class ColumnCache: Sendable {
    struct Key: Hashable {
        var run: String
        var metric: String
        /// Which store of the series: raw (nil) or smoothed with these settings.
        var smoothing: Smoothing?
        var points: Int
        var low: Double
        var high: Double
        var columns: Int
        /// A hash of every edge (log and symlog axes place them unevenly).
        var edges: Int
    }

    /// A line's columns, and their y extents on the last scale asked for.
    private struct Line {
        var columns: [SeriesBucket?]
        var extents: (scale: AxisScale, values: [ClosedRange<Double>?])?
    }

    private struct Entries {
        var lines = FrameRetained<Key, Line>()
        /// The last edges asked for and their hash: every line of a chart shares one edges array,
        /// which compares equal by identity at once, so it is hashed once per chart, not per line.
        var edges: [Double] = []
        var edgesHash = 0
    }

    private let entries = Mutex(Entries())

    /// Starts a frame: what the frame before last used and the last did not is let go.
    func startFrame() {
        entries.withLock { $0.lines.startFrame() }
    }

    /// The store's columns over `edges`, computed once while its points and the edges stay the same.
    func columns(run: String, metric: String, smoothing: Smoothing?, store: SeriesStore, edges: [Double]) -> [SeriesBucket?] {
        line(run: run, metric: metric, smoothing: smoothing, store: store, edges: edges, scale: nil).columns
    }

    /// The store's columns over `edges` and their y extents on `scale` (`DashboardView.extents`),
    /// each computed once while the points, the edges and the scale stay the same.
    func columnsAndExtents(run: String, metric: String, smoothing: Smoothing?, store: SeriesStore, edges: [Double],
                           scale: AxisScale) -> (columns: [SeriesBucket?], extents: [ClosedRange<Double>?]) {
        let line = line(run: run, metric: metric, smoothing: smoothing, store: store, edges: edges, scale: scale)
        return (line.columns, line.extents!.values)
    }

    private func line(run: String, metric: String, smoothing: Smoothing?, store: SeriesStore, edges: [Double], scale: AxisScale?) -> Line {
        let edgesHash = entries.withLock { e -> Int in
            if e.edges != edges {
                var hasher = Hasher()
                for edge in edges { hasher.combine(edge) }
                e.edges = edges
                e.edgesHash = hasher.finalize()
            }
            return e.edgesHash
        }
        let key = Key(run: run, metric: metric, smoothing: smoothing, points: store.count, low: edges.first ?? 0, high: edges.last ?? 0,
                      columns: edges.count, edges: edgesHash)
        func withExtents(_ line: Line) -> Line {
            guard let scale, line.extents?.scale != scale else { return line }
            var line = line
            line.extents = (scale, DashboardView.extents(line.columns, scale: scale))
            return line
        }
        if let hit = entries.withLock({ e -> Line? in
            guard let found = e.lines.value(key) else { return nil }
            let line = withExtents(found)
            e.lines.keep(line, key)
            return line
        }) {
            return hit
        }
        let computed = withExtents(Line(columns: store.columns(edges: edges).columns))
        entries.withLock { $0.lines.keep(computed, key) }
        return computed
    }
}
