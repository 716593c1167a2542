import TensorCore

/// The eigenvalue of largest magnitude of a symmetric linear operator on `[n]` vectors, and its
/// unit eigenvector, by power iteration from a seeded random start.
///
/// Stops when the Rayleigh quotient changes by less than `tolerance` (relative) or after
/// `maxIterations` products; `products` reports how many operator applications it used.
public func powerIteration(dimension n: Int, dtype: DType = .float64, maxIterations: Int = 1000, tolerance: Double = 1e-10,
                           rng: inout SeededRNG, apply: (Tensor) -> Tensor) -> (value: Double, vector: Tensor, products: Int) {
    var v = rng.normalTensor([n], std: 1, dtype: dtype)
    v = v.scaled(by: 1 / max(v.squaredNorm().squareRoot(), 1e-300))
    var value = 0.0
    for iteration in 1...max(1, maxIterations) {
        let w = apply(v)
        let next = zip(v.doubles, w.doubles).reduce(0) { $0 + $1.0 * $1.1 }  // Rayleigh quotient vᵀAv
        let norm = w.squaredNorm().squareRoot()
        if norm == 0 { return (0, v, iteration) }
        let converged = iteration > 1 && abs(next - value) <= tolerance * max(abs(next), 1e-300)
        value = next
        v = w.scaled(by: 1 / norm)
        if converged { return (value, v, iteration) }
    }
    return (value, v, maxIterations)
}
