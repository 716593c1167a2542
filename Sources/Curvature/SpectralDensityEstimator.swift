import TensorCore

/// A spectral density estimate by stochastic Lanczos quadrature.
public struct DensityEstimate {
    /// Ritz values over all probes, and their quadrature weights (summing to 1 over all probes).
    public var nodes: [Double]
    public var weights: [Double]
    /// The Gaussian-broadened density on `grid` (integrates to about 1).
    public var grid: [Double]
    public var density: [Double]
    /// The broadening σ used.
    public var width: Double
    public var probes: Int
    public var iterations: Int
    /// Operator products used.
    public var products: Int
    /// The first two spectral moments, tr(H)/n and tr(H²)/n, as the quadrature estimates them:
    /// the mean over probes of each probe's Σ τⱼ θⱼᵏ.
    public var moments: [Double]
    /// The standard error of each moment over the probes (0 with one probe): how far one SLQ call
    /// may be from the true moments.
    public var momentStandardErrors: [Double]
}

/// Stochastic Lanczos quadrature (Ubaru, Chen, Saad 2017; the PyHessian and Ghorbani et al.
/// estimator): for each Rademacher probe, `iterations` Lanczos steps give Ritz nodes θⱼ with weights
/// τⱼ = (first component of the j-th eigenvector of T)²; the density is Σ τⱼ N(x; θⱼ, σ²) averaged
/// over probes, with σ = `relativeWidth` × the node range unless `width` is given.
public func spectralDensity(_ matrix: SymmetricOperator, probes: Int = 10, iterations: Int = 80, gridPoints: Int = 200,
                            relativeWidth: Double = 0.01, width: Double? = nil, rng: inout SeededRNG) -> DensityEstimate {
    let before = matrix.products
    var nodes: [Double] = [], weights: [Double] = []
    var probeMoments: [[Double]] = []
    for _ in 0..<probes {
        let start = rng.rademacherTensor([matrix.dimension], dtype: matrix.dtype)
        let decomposition = lanczos(matrix, start: start, steps: iterations, keepBasis: false)
        let (values, vectors) = decomposition.ritz()
        var moments = [0.0, 0.0]
        for (i, theta) in values.enumerated() {
            let tau = vectors[i][0] * vectors[i][0]
            nodes.append(theta)
            weights.append(tau / Double(probes))
            moments[0] += tau * theta
            moments[1] += tau * theta * theta
        }
        probeMoments.append(moments)
    }
    let moments = (0..<2).map { k in probeMoments.reduce(0) { $0 + $1[k] } / Double(max(probes, 1)) }
    let standardErrors = (0..<2).map { k -> Double in
        guard probes > 1 else { return 0 }
        let variance = probeMoments.reduce(0) { $0 + ($1[k] - moments[k]) * ($1[k] - moments[k]) } / Double(probes - 1)
        return (variance / Double(probes)).squareRoot()
    }
    let low = nodes.min() ?? 0, high = nodes.max() ?? 0
    let sigma = width ?? max(relativeWidth * (high - low), 1e-12)
    let from = low - 3 * sigma, to = high + 3 * sigma
    let grid = (0..<gridPoints).map { from + (to - from) * Double($0) / Double(max(gridPoints - 1, 1)) }
    let normalization = 1 / (sigma * (2 * Double.pi).squareRoot())
    let density = grid.map { x in
        zip(nodes, weights).reduce(0.0) { sum, node in
            let z = (x - node.0) / sigma
            return sum + node.1 * normalization * Double.exp(-0.5 * z * z)
        }
    }
    return DensityEstimate(nodes: nodes, weights: weights, grid: grid, density: density, width: sigma, probes: probes,
                           iterations: iterations, products: matrix.products - before, moments: moments,
                           momentStandardErrors: standardErrors)
}

/// Every eigenvalue (ascending) of a small operator, by building its dense matrix column by column
/// (n products) and diagonalizing it with LAPACK `dsyevd` — exact mode, and the tests' oracle.
public func denseSpectrum(_ matrix: SymmetricOperator) -> (values: [Double], vectors: Tensor)? {
    let n = matrix.dimension
    var columns: [Double] = []
    columns.reserveCapacity(n * n)
    for i in 0..<n {
        var e = [Double](repeating: 0, count: n)
        e[i] = 1
        columns += matrix(Tensor(shape: [n], e).converted(to: matrix.dtype)).doubles
    }
    let matrix = Tensor(shape: [n, n], columns)
    return BLAS.symmetricEigen((matrix + matrix.transposed()).scaled(by: 0.5))
}
