import Synchronization
import TerminalUI

/// The drawn lines of each chart from the last frames, so a frame draws only the lines that changed
/// and those above them: with many finished runs on a chart, most of its lines are the same dots
/// from frame to frame. A chart is found again by its title, place, y range and scale; its lines by
/// their identities (run, metric, points, look and x columns). Kept per chart: the plot with every
/// line drawn, and the plot under the first line that differed last time (a live run's line), which
/// is where the next frame most likely starts drawing again. What two frames in a row did not ask
/// for is dropped.
final class LineLayerCache: Sendable {
    struct ChartKey: Hashable {
        var title: String
        var x: Int, y: Int, width: Int, height: Int
        var low: Double, high: Double
        var scale: AxisScale
    }

    private struct Entry {
        var identities: [Int?]
        var kept: DrawnLines?
        var all: DrawnLines?
    }

    private let entries = Mutex(FrameRetained<ChartKey, Entry>())

    /// Starts a frame: what the frame before last used and the last did not is let go.
    func startFrame() { entries.withLock { $0.startFrame() } }

    /// The lines of a chart already drawn that a frame can start from, and how many lines to keep
    /// drawn for the next one (all of them when none changed, else those under the first change).
    func reusable(_ key: ChartKey, identities: [Int?]) -> (drawn: DrawnLines?, keeping: Int) {
        entries.withLock { e in
            guard let entry = e.value(key) else { return (nil, Self.known(identities)) }
            var same = 0
            while same < identities.count, same < entry.identities.count, let a = identities[same], a == entry.identities[same] { same += 1 }
            let keeping = Swift.min(same, Self.known(identities))
            if same == identities.count, let all = entry.all, all.count == same { return (all, keeping) }
            if let kept = entry.kept, kept.count <= same { return (kept, keeping) }
            return (nil, keeping)
        }
    }

    /// Keeps what a chart's render drew, for the next frames.
    func keep(_ key: ChartKey, identities: [Int?], kept: DrawnLines?, all: DrawnLines?) {
        let known = Self.known(identities)
        entries.withLock { $0.keep(Entry(identities: identities, kept: kept, all: known == identities.count ? all : nil), key) }
    }

    /// How many lines from the bottom have an identity.
    private static func known(_ identities: [Int?]) -> Int { identities.firstIndex { $0 == nil } ?? identities.count }
}
