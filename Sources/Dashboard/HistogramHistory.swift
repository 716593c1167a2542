import Telemetry

/// One tag's histograms over steps (a layer's weights), bounded: when full, every other entry is
/// dropped, so the kept ones stay spread over the whole run, the first and the newest always kept.
public struct HistogramHistory: Sendable, Equatable {
    /// One histogram and its distribution bands.
    public struct Entry: Sendable, Equatable {
        public var step: Int
        /// `counts.count + 1` non-decreasing edges.
        public var edges: [Double]
        public var counts: [Double]
        /// The value at each of `DistributionBands.basisPoints`, min first, max last.
        public var bands: [Double]
    }

    public private(set) var entries: [Entry] = []
    /// Histograms received, kept or not: more than `entries.count` once thinned.
    public private(set) var received = 0
    public let capacity: Int

    public init(capacity: Int = 256) { self.capacity = Swift.max(2, capacity) }

    /// Whether older histograms were dropped to stay within `capacity`.
    public var isThinned: Bool { received > entries.count }

    public mutating func append(_ event: HistogramEvent) {
        received += 1
        let entry = Entry(step: event.step, edges: event.edges, counts: event.counts,
                          bands: DistributionBands.values(edges: event.edges, counts: event.counts))
        // A rewritten step (a restarted writer) replaces the histogram it had.
        if let last = entries.last, last.step == event.step {
            entries[entries.count - 1] = entry
            return
        }
        if entries.count >= capacity {
            // Every other one, from the first (the weights at initialization stay to compare with);
            // the newest is appended after, so the latest histogram is always there.
            entries = stride(from: 0, to: entries.count, by: 2).map { entries[$0] }
        }
        entries.append(entry)
    }
}

/// The distribution bands TensorBoard's distributions dashboard draws: the values below which
/// 0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32 and 100 % of the mass lies (a normal
/// distribution's −∞, −1.5σ, −σ, −σ/2, median, σ/2, σ, 1.5σ, +∞).
public enum DistributionBands {
    /// Basis points of the bands, from the minimum to the maximum.
    public static let basisPoints: [Double] = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]

    /// The value at each basis point of a histogram with `edges` (`counts.count + 1` of them),
    /// interpolated linearly inside the bucket that crosses it: TensorBoard's `compress_histogram`.
    public static func values(edges: [Double], counts: [Double]) -> [Double] {
        guard counts.count + 1 == edges.count, let low = edges.first, let high = edges.last else {
            return basisPoints.map { _ in 0 }
        }
        let total = counts.reduce(0, +)
        var cumulative: [Double] = []
        cumulative.reserveCapacity(counts.count)
        var sum = 0.0
        for c in counts {
            sum += c * basisPoints[basisPoints.count - 1] / (total > 0 ? total : 1)
            cumulative.append(sum)
        }
        var result: [Double] = []
        var point = 0
        bands: while point < basisPoints.count {
            let target = basisPoints[point]
            // The first bucket whose cumulative weight passes the target (numpy's searchsorted, side right).
            var i = cumulative.firstIndex { $0 > target } ?? cumulative.count
            while i < cumulative.count {
                let here = cumulative[i], before = i > 0 ? cumulative[i - 1] : 0
                if here == before {
                    i += 1
                    continue
                }
                let left = i == 0 || before == 0 ? low : Swift.max(edges[i], low)
                let right = Swift.min(edges[i + 1], high)
                result.append(left + (target - before) * (right - left) / (here - before))
                point += 1
                continue bands
            }
            break
        }
        while result.count < basisPoints.count { result.append(high) }
        return result
    }
}
