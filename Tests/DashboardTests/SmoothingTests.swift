import Testing
import Dashboard
import Foundation

@Suite struct SmoothingTests {
    /// A decaying curve with spikes and jitter.
    let ys: [Double] = (0..<300).map { (i: Int) -> Double in
        let spike: Double = i % 7 == 0 ? 0.3 : 0
        let jitter: Double = i % 3 == 0 ? -0.05 : 0.02
        return 1 / Double(i + 1) + spike + jitter
    }

    func smoothedPoints(_ series: MetricSeries) -> [Double] {
        let store = series.smoothed!
        let columns = store.columns(edges: (0...store.count).map { Double($0) - 0.5 }).columns
        return columns.compactMap { $0?.yLast } + series.provisional.map(\.y)
    }

    @Test func emaIsTensorBoardsDebiasedAverage() {
        var series = MetricSeries(smoothing: Smoothing(kind: .ema, level: 2))
        for (i, y) in ys.enumerated() { series.append(x: Double(i), y: y) }
        // TensorBoard: last = last·w + (1−w)·y; debias = 1 − w^n; smoothed = last / debias.
        var last = 0.0, expected: [Double] = []
        for (n, y) in ys.enumerated() {
            last = last * 0.9 + 0.1 * y
            expected.append(last / (1 - pow(0.9, Double(n + 1))))
        }
        let got = smoothedPoints(series)
        #expect(got.count == ys.count && zip(got, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func twemaWeighsByDistanceInSteps() {
        // Points every 10 steps with half-life 10: each older point weighs half as much.
        var series = MetricSeries(smoothing: Smoothing(kind: .twema, level: 1))
        series.append(x: 0, y: 0)
        series.append(x: 10, y: 1)
        // (0.5·0.5·0 + 0.5·1) / (0.5·0.5 + 0.5) = 0.5 / 0.75
        #expect(abs(series.smoothed!.last!.y - 2.0 / 3) < 1e-12)
    }

    @Test func gaussianFinalPointsUseTheWholeWindowAndTheTailIsProvisional() {
        let level = 1  // σ = 2 points, window ±6
        var series = MetricSeries(smoothing: Smoothing(kind: .gaussian, level: level))
        for (i, y) in ys.prefix(50).enumerated() { series.append(x: Double(i), y: y) }
        #expect(series.smoothed!.count == 44 && series.provisional.count == 6)
        func expected(_ i: Int) -> Double {
            var sum = 0.0, total = 0.0
            for j in max(0, i - 6)...min(49, i + 6) {
                let w = exp(-Double((j - i) * (j - i)) / 8)
                sum += w * ys[j]
                total += w
            }
            return sum / total
        }
        let got = smoothedPoints(series)
        for i in 0..<50 { #expect(abs(got[i] - expected(i)) < 1e-12, "point \(i)") }
    }

    @Test func resmoothingMatchesSmoothingWhileStreaming() {
        var streamed = MetricSeries(smoothing: Smoothing(kind: .gaussian, level: 3))
        var later = MetricSeries()
        for (i, y) in ys.enumerated() {
            streamed.append(x: Double(i), y: y)
            later.append(x: Double(i), y: y)
        }
        later.resmooth(Smoothing(kind: .gaussian, level: 3))
        #expect(later == streamed)
        later.resmooth(.none)
        #expect(later.smoothed == nil && later.provisional.isEmpty)
    }

    @Test func nonFiniteValuesPassThroughWithoutPoisoningTheAverage() {
        var series = MetricSeries(smoothing: Smoothing(kind: .ema, level: 0))
        for y in [1.0, .nan, 1.0] { series.append(x: Double(series.raw.count), y: y) }
        let got = smoothedPoints(series)
        #expect(got[0] == 1 && got[1].isNaN && got[2] == 1)
    }
}
