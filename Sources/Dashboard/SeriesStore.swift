/// A summary of consecutive points of a series: their x extent, y extremes, mean and ends.
public struct SeriesBucket: Sendable, Equatable {
    public var xMin: Double
    public var xMax: Double
    public var yMin: Double
    public var yMax: Double
    public var ySum: Double
    public var count: Int
    /// y of the first and the last point (a line drawn through buckets connects these).
    public var yFirst: Double
    public var yLast: Double

    /// The bucket of one point.
    public init(x: Double, y: Double) {
        xMin = x; xMax = x; yMin = y; yMax = y; ySum = y; count = 1; yFirst = y; yLast = y
    }

    /// Mean of the points' y.
    public var yMean: Double { ySum / Double(count) }

    /// This bucket followed by `later`.
    public func merged(with later: SeriesBucket) -> SeriesBucket {
        var b = self
        b.xMin = Swift.min(xMin, later.xMin)
        b.xMax = Swift.max(xMax, later.xMax)
        b.yMin = Self.minimum(yMin, later.yMin)
        b.yMax = Self.maximum(yMax, later.yMax)
        b.ySum += later.ySum
        b.count += later.count
        b.yLast = later.yLast
        return b
    }

    // NaN never wins a comparison, so a NaN point does not hide the finite extremes around it.
    static func minimum(_ a: Double, _ b: Double) -> Double { a.isNaN ? b : (b.isNaN ? a : Swift.min(a, b)) }
    static func maximum(_ a: Double, _ b: Double) -> Double { a.isNaN ? b : (b.isNaN ? a : Swift.max(a, b)) }
}

/// One metric's points at every resolution, with bounded memory on endless streams.
///
/// Level k holds the most recent `capacity` buckets of 2ᵏ points each (level 0: the raw points), so
/// memory is `capacity × levels` buckets with levels ≈ log₂(points / capacity) + 1. A query for any
/// x range reads at most about 2·`capacity` buckets from the finest level that still covers the
/// range, whatever the total number of points, and min/max merge exactly, so a spike stays visible
/// at every zoom level. Points must arrive in non-decreasing x (steps).
public struct SeriesStore: Sendable, Equatable {
    /// Buckets kept per level.
    public let capacity: Int
    /// Points appended so far.
    public private(set) var count = 0
    private var levels: [Level] = []

    struct Level: Sendable, Equatable {
        /// Ring of completed buckets, oldest first from `start`.
        var ring: [SeriesBucket] = []
        var start = 0
        /// The bucket still filling (fewer than 2ᵏ points).
        var partial: SeriesBucket?
        var partialCount = 0
        /// Points summarized by buckets that fell out of the ring (they live on in coarser levels).
        var droppedPoints = 0

        var completed: Int { ring.count }

        func bucket(_ i: Int) -> SeriesBucket { ring[(start + i) % ring.count] }

        /// The completed buckets that overlap `range`, by binary search (a level's buckets follow
        /// each other in x).
        func indices(overlapping range: ClosedRange<Double>) -> Range<Int> {
            var lo = 0, hi = completed
            while lo < hi {
                let mid = (lo + hi) / 2
                if bucket(mid).xMax < range.lowerBound { lo = mid + 1 } else { hi = mid }
            }
            var end = lo
            hi = completed
            while end < hi {
                let mid = (end + hi) / 2
                if bucket(mid).xMin <= range.upperBound { end = mid + 1 } else { hi = mid }
            }
            return lo..<end
        }

        mutating func push(_ b: SeriesBucket, capacity: Int, pointsPerBucket: Int) {
            if ring.count < capacity {
                ring.append(b)
            } else {
                ring[start] = b
                start = (start + 1) % capacity
                droppedPoints += pointsPerBucket
            }
        }
    }

    /// An empty store keeping `capacity` buckets per level.
    public init(capacity: Int = 2048) {
        precondition(capacity >= 2 && capacity % 2 == 0, "capacity must be even and at least 2")
        self.capacity = capacity
    }

    /// The smallest and largest x seen.
    public private(set) var xRange: ClosedRange<Double>?
    /// The most recent point.
    public private(set) var last: (x: Double, y: Double)?
    /// The smallest and largest finite y seen (a run's best value of a metric).
    public private(set) var yExtremes: ClosedRange<Double>?

    public static func == (a: SeriesStore, b: SeriesStore) -> Bool {
        a.capacity == b.capacity && a.count == b.count && a.levels == b.levels
    }

    /// Appends a point; x must not be smaller than the previous point's.
    public mutating func append(x: Double, y: Double) {
        xRange = xRange.map { $0.lowerBound...Swift.max($0.upperBound, x) } ?? x...x
        last = (x, y)
        if y.isFinite { yExtremes = yExtremes.map { Swift.min($0.lowerBound, y)...Swift.max($0.upperBound, y) } ?? y...y }
        count += 1
        let point = SeriesBucket(x: x, y: y)
        if levels.isEmpty { levels.append(Level()) }
        for k in levels.indices {
            let merged = levels[k].partial.map { $0.merged(with: point) } ?? point
            let points = levels[k].partialCount + 1
            if points == 1 << k {
                levels[k].push(merged, capacity: capacity, pointsPerBucket: 1 << k)
                levels[k].partial = nil
                levels[k].partialCount = 0
            } else {
                levels[k].partial = merged
                levels[k].partialCount = points
            }
        }
        // Before the coarsest level drops its first bucket, build the next one from it (pairs of its
        // buckets), so that some level always covers the whole history.
        if let top = levels.last, top.completed == capacity, top.droppedPoints == 0 {
            var next = Level()
            for i in stride(from: 0, to: capacity - 1, by: 2) { next.ring.append(top.bucket(i).merged(with: top.bucket(i + 1))) }
            next.partial = top.partial
            next.partialCount = top.partialCount
            levels.append(next)
        }
    }

    /// Buckets kept in memory over all levels (the bound the tests hold).
    public var storedBuckets: Int { levels.reduce(0) { $0 + $1.completed + ($1.partial == nil ? 0 : 1) } }

    /// Aggregates of the points with x in `range`, one per column of `columns` equal-width x slices
    /// (nil for a column with no point), and how many points they summarize.
    public func columns(_ columns: Int, over range: ClosedRange<Double>) -> (columns: [SeriesBucket?], points: Int) {
        guard columns > 0 else { return ([], 0) }
        let width = range.upperBound - range.lowerBound
        return self.columns(edges: (0...columns).map { range.lowerBound + width * Double($0) / Double(columns) })
    }

    /// Aggregates of the points between consecutive `edges` (increasing x; `edges.count − 1` columns of
    /// any widths, as a log axis needs), nil for a column with no point, and how many points they
    /// summarize. Where only coarse buckets cover the range, each spans all the columns it overlaps.
    public func columns(edges: [Double]) -> (columns: [SeriesBucket?], points: Int) {
        let columns = edges.count - 1
        guard columns > 0 else { return ([], 0) }
        var out = [SeriesBucket?](repeating: nil, count: columns)
        guard count > 0, let low = edges.first, let high = edges.last, low <= high else { return (out, 0) }
        let buckets = buckets(covering: low...high, budget: 4 * columns)
        var points = 0
        // Buckets come in increasing x, so the column of each bucket's start only moves right: one
        // pass over buckets and edges together. The column holding x is the last edge at or below it.
        var first = 0
        for b in buckets where b.xMax >= low && b.xMin <= high {
            points += b.count
            let start = Swift.max(b.xMin, low), end = Swift.min(b.xMax, high)
            while first + 1 < columns && edges[first + 1] <= start { first += 1 }
            var last = first
            while last + 1 < columns && edges[last + 1] <= end { last += 1 }
            // A bucket wider than a column (old data kept only coarsely) spans every column it overlaps.
            for c in first...last { out[c] = out[c].map { $0.merged(with: b) } ?? b }
        }
        return (out, points)
    }

    /// The buckets of the finest level that covers `range` with at most about `budget` buckets in it.
    public func buckets(covering range: ClosedRange<Double>, budget: Int) -> [SeriesBucket] {
        for level in levels.indices {
            let l = levels[level]
            // The level covers the range when nothing before range.lowerBound was dropped from it.
            let oldest = l.completed > 0 ? l.bucket(0).xMin : (l.partial?.xMin ?? .infinity)
            let covers = l.droppedPoints == 0 || oldest <= range.lowerBound
            guard covers || level == levels.count - 1 else { continue }
            let inRange = l.indices(overlapping: range)
            let partial = l.partial.flatMap { $0.xMax >= range.lowerBound && $0.xMin <= range.upperBound ? $0 : nil }
            guard inRange.count + (partial == nil ? 0 : 1) <= budget || level == levels.count - 1 else { continue }
            var selected: [SeriesBucket] = []
            selected.reserveCapacity(inRange.count + 1)
            for i in inRange { selected.append(l.bucket(i)) }
            if let partial { selected.append(partial) }
            return selected
        }
        return []
    }
}
