import Synchronization

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

    private struct Entries {
        var current: [Key: [SeriesBucket?]] = [:]
        var previous: [Key: [SeriesBucket?]] = [:]
    }

    private let entries = Mutex(Entries())

    /// Starts a frame: what the frame before last used and the last did not is let go.
    func startFrame() {
        entries.withLock { e in
            e.previous = e.current
            e.current = [:]
        }
    }

    /// The store's columns over `edges`, computed once while its points and the edges stay the same.
    func columns(run: String, metric: String, smoothing: Smoothing?, store: SeriesStore, edges: [Double]) -> [SeriesBucket?] {
        var hasher = Hasher()
        for edge in edges { hasher.combine(edge) }
        let key = Key(run: run, metric: metric, smoothing: smoothing, points: store.count, low: edges.first ?? 0, high: edges.last ?? 0,
                      columns: edges.count, edges: hasher.finalize())
        if let hit = entries.withLock({ e -> [SeriesBucket?]? in
            guard let found = e.current[key] ?? e.previous[key] else { return nil }
            e.current[key] = found
            return found
        }) {
            return hit
        }
        let computed = store.columns(edges: edges).columns
        entries.withLock { $0.current[key] = computed }
        return computed
    }
}
