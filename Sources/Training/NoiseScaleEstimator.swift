/// The simple gradient noise scale B_simple = tr(Σ) / |G|² (McCandlish et al. 2018, "An Empirical
/// Model of Large-Batch Training"), estimated from gradient norms at two batch sizes (their
/// appendix A.1). Batches drawn without replacement from N examples have
/// E|G_B|² = |G|² + tr(Σ)·(1/B − 1/N) (Σ the per-example covariance with the n − 1 divisor), so
///
///     tr(Σ) ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
///     |G|²  ≈ |G_big|² − tr(Σ)·(1/B_big − 1/N)
///
/// which for N → ∞ is the paper's (B_big·|G_big|² − B_small·|G_small|²) / (B_big − B_small); with the
/// whole train set as the big batch (full-batch training) |G|² is exactly |G_big|².
///
/// Each is unbiased but noisy, so the estimate is the ratio of their sums over the last
/// `capacity` measurements (the paper averages each with an EMA before dividing), and its spread
/// is the jackknife standard error of that ratio over the same measurements.
public struct NoiseScaleEstimator: Sendable, Equatable {
    /// One measurement's unbiased estimates of tr(Σ) and |G|².
    public struct Measurement: Sendable, Equatable {
        public var trace: Double
        public var squaredNorm: Double

        public init(trace: Double, squaredNorm: Double) { self.trace = trace; self.squaredNorm = squaredNorm }
    }

    public let capacity: Int
    /// The recent measurements, oldest first.
    public private(set) var measurements: [Measurement] = []

    public init(capacity: Int = 16) { self.capacity = capacity }

    /// The two estimates from squared gradient norms at batch sizes `small` < `big`, drawn from
    /// `population` examples (nil: an unlimited stream).
    public static func measurement(small: Int, smallSquaredNorm: Double, big: Int, bigSquaredNorm: Double,
                                   population: Int? = nil) -> Measurement {
        precondition(small < big && small > 0, "needs 0 < small < big batch sizes")
        let bs = Double(small), bb = Double(big)
        let trace = (smallSquaredNorm - bigSquaredNorm) / (1 / bs - 1 / bb)
        let remaining: Double = population.map { 1 / bb - 1 / Double($0) } ?? 1 / bb
        return Measurement(trace: trace, squaredNorm: bigSquaredNorm - trace * remaining)
    }

    public mutating func add(_ measurement: Measurement) {
        measurements.append(measurement)
        if measurements.count > capacity { measurements.removeFirst() }
    }

    /// B_simple and its jackknife standard error; nil before two measurements, while the
    /// gradient's estimated squared norm is not positive (noise swamps the signal), or while the
    /// estimated tr(Σ) is not (the noise is below what the two batch sizes resolve; a negative
    /// "batch size" would only mislead).
    public var estimate: (scale: Double, spread: Double)? {
        let n = measurements.count
        guard n >= 2 else { return nil }
        let trace = measurements.map(\.trace).reduce(0, +), norm = measurements.map(\.squaredNorm).reduce(0, +)
        guard norm > 0, trace > 0 else { return nil }
        let leaveOneOut = measurements.map { (trace - $0.trace) / (norm - $0.squaredNorm) }
        let mean = leaveOneOut.reduce(0, +) / Double(n)
        let variance = leaveOneOut.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) * Double(n - 1) / Double(n)
        return (trace / norm, variance.squareRoot())
    }
}
