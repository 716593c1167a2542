import TensorCore

/// A stochastic trace estimate with its standard error.
public struct TraceEstimate: Equatable {
    public var value: Double
    public var standardError: Double
    /// Operator products used.
    public var products: Int
}

/// Hutchinson's estimator: tr(A) ≈ mean of zᵀAz over Rademacher probes z.
public func hutchinsonTrace(_ matrix: SymmetricOperator, probes: Int, rng: inout SeededRNG) -> TraceEstimate {
    precondition(probes >= 2, "a standard error needs at least 2 probes")
    let before = matrix.products
    let samples = (0..<probes).map { _ -> Double in
        let z = rng.rademacherTensor([matrix.dimension], dtype: matrix.dtype)
        return dot(z, matrix(z))
    }
    let (mean, stderr) = meanAndStandardError(samples)
    return TraceEstimate(value: mean, standardError: stderr, products: matrix.products - before)
}

/// Hutch++ (Meyer, Musco, Musco, Woodruff 2021): the trace of A on a sketched top subspace exactly,
/// plus Hutchinson on the deflated remainder. `products` is split in thirds; the standard error is
/// that of the remainder's Hutchinson part.
public func hutchPlusPlusTrace(_ matrix: SymmetricOperator, products budget: Int, rng: inout SeededRNG) -> TraceEstimate {
    precondition(budget >= 6, "Hutch++ needs at least 6 products")
    let before = matrix.products
    let sketch = budget / 3, remainder = budget - 2 * sketch
    // Q: orthonormal basis of A·S for a Rademacher sketch S.
    var basis: [Tensor] = []
    for _ in 0..<sketch {
        let y = orthogonalized(matrix(rng.rademacherTensor([matrix.dimension], dtype: matrix.dtype)), against: basis)
        let length = norm(y)
        if length > 1e-12 { basis.append(y.scaled(by: 1 / length)) }
    }
    let exactPart = basis.reduce(0.0) { $0 + dot($1, matrix($1)) }
    let samples = (0..<max(remainder, 2)).map { _ -> Double in
        let z = orthogonalized(rng.rademacherTensor([matrix.dimension], dtype: matrix.dtype), against: basis)
        return dot(z, matrix(z))
    }
    let (mean, stderr) = meanAndStandardError(samples)
    return TraceEstimate(value: exactPart + mean, standardError: stderr, products: matrix.products - before)
}

func meanAndStandardError(_ xs: [Double]) -> (Double, Double) {
    let mean = xs.reduce(0, +) / Double(xs.count)
    let variance = xs.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(xs.count - 1, 1))
    return (mean, (variance / Double(xs.count)).squareRoot())
}
