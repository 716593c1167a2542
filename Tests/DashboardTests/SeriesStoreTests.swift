import Testing
import Dashboard

/// A noisy decaying curve with a few spikes, one point per step.
func makeSeries(_ n: Int, seed: UInt64 = 1) -> [(Double, Double)] {
        var state = seed
        return (0..<n).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407  // a fixed LCG: deterministic noise
            var y = 1 / Double(i + 1).squareRoot() + 0.01 * (Double(state >> 11) / Double(1 << 53) - 0.5)
            if i % 9973 == 4242 { y = 50 }  // spikes
            return (Double(i), y)
        }
}

func store(_ points: [(Double, Double)], capacity: Int) -> SeriesStore {
    var s = SeriesStore(capacity: capacity)
    for (x, y) in points { s.append(x: x, y: y) }
    return s
}

/// One million points, built once for the suite.
let millionPoints = makeSeries(1_000_000)
let millionStore = store(millionPoints, capacity: 256)

@Suite struct SeriesStoreTests {
    @Test func smallSeriesAreExactPerPoint() {
        let points = makeSeries(100)
        let s = store(points, capacity: 256)
        let (columns, total) = s.columns(100, over: 0...99)
        #expect(total == 100)
        for (i, column) in columns.enumerated() {
            #expect(column?.count == 1 && column?.yMin == points[i].1 && column?.yMax == points[i].1)
        }
    }

    @Test func memoryStaysBoundedOnLongStreams() {
        let s = millionStore
        #expect(s.count == 1_000_000)
        // log₂(10⁶ / 256) ≈ 12 levels beyond the first, each at most `capacity` buckets.
        #expect(s.storedBuckets <= 256 * 14)
    }

    @Test(arguments: [(0.0, 999_999.0), (123_456.0, 130_000.0), (990_000.0, 999_999.0), (4000.0, 4500.0)])
    func extremesSurviveAtEveryZoom(_ from: Double, _ to: Double) {
        let points = millionPoints, s = millionStore
        let inRange = points.filter { $0.0 >= from && $0.0 <= to }
        let (columns, total) = s.columns(120, over: from...to)
        let present = columns.compactMap { $0 }
        #expect(total >= inRange.count, "every point in range is summarized")
        #expect(present.map(\.yMax).max()! >= inRange.map(\.1).max()!)
        #expect(present.map(\.yMin).min()! <= inRange.map(\.1).min()!)
        // Each spike in range shows in the column of its x (or the next, where a bucket straddles the border).
        for spike in inRange where spike.1 == 50 {
            let column = Int((spike.0 - from) / (to - from) * 120)
            let nearby = columns[max(0, column - 1)...min(119, column + 1)].compactMap { $0?.yMax }
            #expect(nearby.contains(50), "spike at \(spike.0) lost")
        }
    }

    @Test func queriesReadABoundedNumberOfBuckets() {
        let s = millionStore
        #expect(s.buckets(covering: 0...999_999, budget: 480).count <= 480)
        #expect(s.buckets(covering: 999_000...999_999, budget: 480).count <= 480)
        // A recent window at full resolution when it fits the budget.
        #expect(s.buckets(covering: 999_900...999_999, budget: 480).count == 100)
    }

    @Test func nanPointsDoNotHideFiniteExtremes() {
        var s = SeriesStore(capacity: 4)
        for (x, y) in [(0.0, 1.0), (1, .nan), (2, 3), (3, -2), (4, .nan)] { s.append(x: x, y: y) }
        let (columns, _) = s.columns(1, over: 0...4)
        #expect(columns[0]?.yMax == 3 && columns[0]?.yMin == -2)
    }
}
