import TensorCore

/// A scaling law L(N) = a·N^(−α) + c fitted to (size, loss) points, with bootstrap intervals.
///
/// The fit minimizes the relative squared error Σ ((L_i − L(N_i)) / L_i)² — what
/// `scipy.optimize.curve_fit` minimizes with `sigma = L` — over a, c ≥ 0 and α in [0.001, 5]:
/// for a fixed α the best a and c are a weighted linear least-squares problem (closed form, with
/// c or a pinned at 0 when the unconstrained optimum leaves the bounds), so only α is searched
/// (a log grid, then golden-section search around the best grid point).
public struct PowerLawFit: Sendable, Equatable {
    public var a: Double
    public var alpha: Double
    public var c: Double
    /// The relative squared error at the optimum.
    public var error: Double

    /// L(N).
    public func callAsFunction(_ size: Double) -> Double { a * Double.pow(size, -alpha) + c }

    /// The best fit to `sizes` and `losses` (all positive, at least 3 points); nil otherwise.
    public static func fit(sizes: [Double], losses: [Double]) -> PowerLawFit? {
        guard sizes.count == losses.count, sizes.count >= 3, zip(sizes, losses).allSatisfy({ $0 > 0 && $1 > 0 && $0.isFinite && $1.isFinite }) else {
            return nil
        }
        func solve(_ alpha: Double) -> PowerLawFit {
            let x = sizes.map { Double.pow($0, -alpha) }, w = losses.map { 1 / ($0 * $0) }
            var s = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
            for i in x.indices {
                s += w[i]; sx += w[i] * x[i]; sy += w[i] * losses[i]; sxx += w[i] * x[i] * x[i]; sxy += w[i] * x[i] * losses[i]
            }
            let det = s * sxx - sx * sx
            var a = det > 0 ? (s * sxy - sx * sy) / det : 0, c = (sy - a * sx) / s
            if c < 0 { c = 0; a = sxy / sxx }
            if a < 0 { a = 0; c = sy / s }
            let error = x.indices.map { i in let r = (losses[i] - a * x[i] - c) / losses[i]; return r * r }.reduce(0, +)
            return PowerLawFit(a: a, alpha: alpha, c: c, error: error)
        }
        let grid = (0...400).map { Double.pow(10, -3 + Double($0) / 400 * (3 + 0.69897)) }  // 0.001 … 5
        let fits = grid.map(solve)
        let best = fits.indices.min { fits[$0].error < fits[$1].error }!
        var low = grid[max(best - 1, 0)], high = grid[min(best + 1, grid.count - 1)]
        let ratio = (5.0.squareRoot() - 1) / 2
        var x1 = high - ratio * (high - low), x2 = low + ratio * (high - low)
        var f1 = solve(x1), f2 = solve(x2)
        for _ in 0..<100 where high - low > 1e-12 * high {
            if f1.error <= f2.error {
                high = x2; x2 = x1; f2 = f1; x1 = high - ratio * (high - low); f1 = solve(x1)
            } else {
                low = x1; x1 = x2; f1 = f2; x2 = low + ratio * (high - low); f2 = solve(x2)
            }
        }
        return [fits[best], f1, f2].min { $0.error < $1.error }
    }

    /// Percentile intervals (5–95%) of α, c and L at each of `queries`, from `resamples` refits to
    /// the fitted curve with the relative residuals resampled with replacement (a residual
    /// bootstrap: with a handful of sizes, resampling the points themselves would drop sizes).
    public func bootstrap(sizes: [Double], losses: [Double], queries: [Double], resamples: Int = 200,
                          seed: UInt64 = 0x5CA1E) -> (alpha: ClosedRange<Double>, c: ClosedRange<Double>, at: [ClosedRange<Double>]) {
        var rng = SeededRNG(seed: seed)
        let fitted = sizes.map { self($0) }
        let residuals = zip(losses, fitted).map { $0 / $1 - 1 }
        var alphas: [Double] = [], cs: [Double] = [], predictions = [[Double]](repeating: [], count: queries.count)
        for _ in 0..<resamples {
            let sample = fitted.map { $0 * (1 + residuals[Int(rng.next() % UInt64(residuals.count))]) }
            guard let refit = Self.fit(sizes: sizes, losses: sample) else { continue }
            alphas.append(refit.alpha)
            cs.append(refit.c)
            for (i, q) in queries.enumerated() { predictions[i].append(refit(q)) }
        }
        func interval(_ values: [Double], _ point: Double) -> ClosedRange<Double> {
            guard !values.isEmpty else { return point...point }
            let sorted = values.sorted()
            return sorted[Int(0.05 * Double(sorted.count - 1))]...sorted[Int((0.95 * Double(sorted.count - 1)).rounded())]
        }
        return (interval(alphas, alpha), interval(cs, c), queries.indices.map { interval(predictions[$0], self(queries[$0])) })
    }
}
