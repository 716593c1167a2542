/// One metric of one run as the dashboard keeps it: every point in a bounded multi-resolution store,
/// the most recent points at full resolution, and the smoothed line for the current smoothing.
public struct MetricSeries: Sendable, Equatable {
    /// Every point, at every resolution.
    public private(set) var raw: SeriesStore
    /// The newest points exactly as they arrived (metric-vs-metric plots, re-smoothing).
    public private(set) var recent: PointRing
    /// The smoothed points (nil without smoothing).
    public private(set) var smoothed: SeriesStore?
    private var smoother: Smoother?

    /// How many raw points a series keeps exactly.
    public static let recentCapacity = 65_536

    public init(smoothing: Smoothing = .none, storeCapacity: Int = 2048, recentCapacity: Int = recentCapacity) {
        raw = SeriesStore(capacity: storeCapacity)
        recent = PointRing(capacity: recentCapacity)
        if smoothing.kind != .none {
            smoother = Smoother(smoothing)
            smoothed = SeriesStore(capacity: storeCapacity)
        }
    }

    /// Appends a point (x not below the previous point's).
    public mutating func append(x: Double, y: Double) {
        raw.append(x: x, y: y)
        recent.append(x: x, y: y)
        guard smoother != nil else { return }
        for p in smoother!.push(x: x, y: y) { smoothed!.append(x: p.x, y: p.y) }
    }

    /// The smoothed points not final yet (a Gaussian's newest 3σ), to draw after `smoothed`.
    public var provisional: [(x: Double, y: Double)] { smoother?.provisional().map { ($0.x, $0.y) } ?? [] }

    /// The smoothing in force.
    public var smoothing: Smoothing { smoother?.settings ?? .none }

    /// Recomputes the smoothed line for new settings: exactly from the recent points, and from the
    /// bucket means of the coarse store for history older than them.
    public mutating func resmooth(_ settings: Smoothing) {
        guard settings != smoothing else { return }
        guard settings.kind != .none else {
            smoother = nil
            smoothed = nil
            return
        }
        var smoother = Smoother(settings)
        var store = SeriesStore(capacity: raw.capacity)
        if let firstRecent = recent.first, let range = raw.xRange, range.lowerBound < firstRecent.x {
            for b in raw.buckets(covering: range.lowerBound...firstRecent.x, budget: 4 * raw.capacity) where b.xMax < firstRecent.x {
                for p in smoother.push(x: b.xMax, y: b.yMean) { store.append(x: p.x, y: p.y) }
            }
        }
        recent.forEach { x, y in
            for p in smoother.push(x: x, y: y) { store.append(x: p.x, y: p.y) }
        }
        self.smoother = smoother
        smoothed = store
    }
}

/// The newest `capacity` points of a series, oldest first.
public struct PointRing: Sendable, Equatable {
    public let capacity: Int
    private var xs: [Double] = []
    private var ys: [Double] = []
    private var start = 0

    public init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    public var count: Int { xs.count }

    public mutating func append(x: Double, y: Double) {
        if xs.count < capacity {
            xs.append(x); ys.append(y)
        } else {
            xs[start] = x; ys[start] = y
            start = (start + 1) % capacity
        }
    }

    /// The i-th oldest point kept.
    public subscript(i: Int) -> (x: Double, y: Double) {
        let j = (start + i) % xs.count
        return (xs[j], ys[j])
    }

    public var first: (x: Double, y: Double)? { xs.isEmpty ? nil : self[0] }

    /// Calls `body` on every point, oldest first.
    public func forEach(_ body: (Double, Double) -> Void) {
        for i in 0..<xs.count { let p = self[i]; body(p.x, p.y) }
    }

    /// The y at exactly step `x`, by binary search (points are in increasing x).
    public func value(at x: Double) -> Double? {
        var lo = 0, hi = xs.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let p = self[mid]
            if p.x == x { return p.y }
            if p.x < x { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }
}
