import TensorCore

/// The output of a Lanczos run: the tridiagonal coefficients and, when kept, the basis.
public struct LanczosDecomposition {
    /// Diagonal of T, one per step.
    public var alphas: [Double]
    /// Off-diagonal of T (β₁ … β_{m−1}); the last β (the residual norm) is `residualNorm`.
    public var betas: [Double]
    public var residualNorm: Double
    /// Orthonormal Lanczos vectors q₁ … q_m, each `[n]` (empty unless kept).
    public var basis: [Tensor]

    /// Eigenvalues (ascending) and eigenvectors (as rows of `[m, m]`) of T.
    public func ritz() -> (values: [Double], vectors: [[Double]]) {
        let m = alphas.count
        var t = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            t[i * m + i] = alphas[i]
            if i + 1 < m { t[i * m + i + 1] = betas[i]; t[(i + 1) * m + i] = betas[i] }
        }
        guard m > 0, let eig = BLAS.symmetricEigen(Tensor(shape: [m, m], t)) else { return ([], []) }
        let rows = eig.vectors.doubles
        return (eig.values, (0..<m).map { Array(rows[($0 * m)..<($0 * m + m)]) })
    }
}

/// A Lanczos process that grows its Krylov space one product at a time, with full
/// reorthogonalization against every previous vector and against `locked` (eigenvectors already
/// found, which deflates them out of the operator).
public struct LanczosProcess {
    public let matrix: SymmetricOperator
    public let locked: [Tensor]
    public private(set) var basis: [Tensor]
    public private(set) var alphas: [Double] = []
    public private(set) var betas: [Double] = []
    /// ‖w‖ after the last step: the norm of the next, not yet normalized, direction.
    public private(set) var residualNorm = 0.0
    /// True once the space is invariant (or the whole deflated space is spanned): no step can add to it.
    public private(set) var isExhausted = false
    private let keepBasis: Bool
    private var current: Tensor

    public init(_ matrix: SymmetricOperator, start: Tensor, locked: [Tensor] = [], keepBasis: Bool = true) {
        self.matrix = matrix
        self.locked = locked
        self.keepBasis = keepBasis
        var q = orthogonalized(start.converted(to: matrix.dtype), against: locked)
        q = q.scaled(by: 1 / max(norm(q), 1e-300))
        current = q
        basis = [q]
    }

    /// Steps taken (operator products used).
    public var steps: Int { alphas.count }

    /// Takes one step; does nothing once exhausted.
    public mutating func advance() {
        guard !isExhausted else { return }
        var w = matrix(current)
        let alpha = dot(current, w)
        alphas.append(alpha)
        // Full reorthogonalization: subtract every previous direction (covers α q_j and β q_{j−1}).
        w = orthogonalized(w, against: locked + basis)
        residualNorm = norm(w)
        if residualNorm <= 1e-10 * max(abs(alpha), 1e-300) || steps >= matrix.dimension - locked.count {
            isExhausted = true
            return
        }
        betas.append(residualNorm)
        current = w.scaled(by: 1 / residualNorm)
        basis.append(current)  // kept for full reorthogonalization even when not returned
    }

    /// The decomposition so far.
    public var decomposition: LanczosDecomposition {
        LanczosDecomposition(alphas: alphas, betas: Array(betas.prefix(max(alphas.count - 1, 0))), residualNorm: residualNorm,
                             basis: keepBasis ? Array(basis.prefix(alphas.count)) : [])
    }
}

/// Runs up to `steps` Lanczos steps on `matrix` from `start` (see `LanczosProcess`).
public func lanczos(_ matrix: SymmetricOperator, start: Tensor, steps: Int, keepBasis: Bool = true,
                    locked: [Tensor] = []) -> LanczosDecomposition {
    var process = LanczosProcess(matrix, start: start, locked: locked, keepBasis: keepBasis)
    while process.steps < steps && !process.isExhausted { process.advance() }
    return process.decomposition
}

/// Top eigenpairs of a symmetric operator.
public struct Eigenpairs {
    /// Eigenvalues, descending (largest algebraic first).
    public var values: [Double]
    /// Unit eigenvectors `[n]`, in the same order.
    public var vectors: [Tensor]
    /// Residual norms ‖A·v − λv‖ (Lanczos' estimate).
    public var residuals: [Double]
    /// Operator products used.
    public var products: Int
}

/// The `k` largest (algebraic) eigenpairs by Lanczos with full reorthogonalization.
///
/// Starts from `warmStart` (e.g. the previous step's eigenvectors, summed) when given, else from a
/// random vector; grows the Krylov space until every wanted Ritz pair has residual ≤
/// `tolerance`·|λ₁| or `maxSteps` is reached. Warm starts near the answer converge in few products.
///
/// One Krylov space holds a single copy of a repeated eigenvalue. With `findMultiplicities`, the
/// found vectors are locked and Lanczos reruns on the deflated operator until its top Ritz value no
/// longer beats the k-th found one, so repeated eigenvalues appear as often as they occur (this costs
/// at least one extra run; tracking during training leaves it off).
public func topEigenpairs(_ matrix: SymmetricOperator, k: Int, maxSteps: Int = 100, tolerance: Double = 1e-6,
                          warmStart: [Tensor] = [], findMultiplicities: Bool = false, rng: inout SeededRNG) -> Eigenpairs {
    let before = matrix.products
    let wanted = min(k, matrix.dimension)
    var found: Eigenpairs
    if warmStart.count >= wanted, let refined = subspaceRefinement(matrix, k: wanted, start: warmStart, tolerance: tolerance,
                                                                   maxBasis: min(max(6 * wanted, 12), matrix.dimension)) {
        found = refined
    } else {
        found = lockedRun(matrix, k: wanted, maxSteps: maxSteps, tolerance: tolerance, warmStart: warmStart,
                          locked: [], rng: &rng)
    }
    while findMultiplicities && found.values.count < matrix.dimension {
        let extra = lockedRun(matrix, k: wanted, maxSteps: maxSteps, tolerance: tolerance, warmStart: [],
                              locked: found.vectors, rng: &rng)
        guard let best = extra.values.first, found.values.count < wanted || best > found.values[wanted - 1] + tolerance * abs(found.values[0]) else {
            break
        }
        // Merge, keep the k largest, and look again in the space orthogonal to all of them.
        let merged = zip(found.values + extra.values, zip(found.vectors + extra.vectors, found.residuals + extra.residuals))
            .sorted { $0.0 > $1.0 }.prefix(wanted)
        found = Eigenpairs(values: merged.map(\.0), vectors: merged.map(\.1.0), residuals: merged.map(\.1.1), products: 0)
    }
    found.products = matrix.products - before
    return found
}

/// Refines approximate eigenvectors (the previous step's, when tracking) by Rayleigh–Ritz on a growing
/// subspace: start from span(start), and while some wanted Ritz pair has a residual above tolerance,
/// add the residual directions (block Davidson without preconditioner). Near the answer this costs
/// about k products. Returns nil when the subspace would exceed `maxBasis` (the caller falls back to Lanczos).
private func subspaceRefinement(_ matrix: SymmetricOperator, k: Int, start: [Tensor], tolerance: Double,
                                maxBasis: Int) -> Eigenpairs? {
    var basis: [Tensor] = [], images: [Tensor] = []
    func add(_ candidates: [Tensor]) {
        for c in candidates {
            let v = orthogonalized(c.converted(to: matrix.dtype), against: basis)
            let length = norm(v)
            guard length > 1e-8 * max(norm(c), 1e-300) else { continue }
            let q = v.scaled(by: 1 / length)
            basis.append(q)
            images.append(matrix(q))
        }
    }
    add(start)
    while basis.count >= k {
        let m = basis.count
        var h = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in i..<m { let x = dot(basis[i], images[j]); h[i * m + j] = x; h[j * m + i] = x } }
        guard let eig = BLAS.symmetricEigen(Tensor(shape: [m, m], h)) else { return nil }
        let rows = eig.vectors.doubles
        var values: [Double] = [], vectors: [Tensor] = [], residualVectors: [Tensor] = []
        for i in (0..<m).reversed().prefix(k) {
            var y = Tensor.zeros([matrix.dimension], dtype: matrix.dtype), ay = y
            for j in 0..<m {
                y = y + basis[j].scaled(by: rows[i * m + j])
                ay = ay + images[j].scaled(by: rows[i * m + j])
            }
            values.append(eig.values[i])
            vectors.append(y)
            residualVectors.append(ay - y.scaled(by: eig.values[i]))
        }
        let residuals = residualVectors.map(norm)
        let scale = max(abs(values.first ?? 0), 1e-300)
        if residuals.allSatisfy({ $0 <= tolerance * scale }) {
            return Eigenpairs(values: values, vectors: vectors, residuals: residuals, products: 0)
        }
        guard basis.count + k <= maxBasis else { return nil }
        let before = basis.count
        add(zip(residualVectors, residuals).filter { $0.1 > tolerance * scale }.map(\.0))
        if basis.count == before { return nil }
    }
    return nil
}

/// One Lanczos solve for the top `k` pairs of the operator deflated of `locked`: the Krylov space
/// grows a step at a time until every wanted Ritz pair has converged.
private func lockedRun(_ matrix: SymmetricOperator, k: Int, maxSteps: Int, tolerance: Double, warmStart: [Tensor],
                       locked: [Tensor], rng: inout SeededRNG) -> Eigenpairs {
    let available = matrix.dimension - locked.count
    guard available > 0 else { return Eigenpairs(values: [], vectors: [], residuals: [], products: 0) }
    var start = rng.normalTensor([matrix.dimension], std: warmStart.isEmpty ? 1 : 1e-3, dtype: matrix.dtype)
    for v in warmStart { start = start + v.converted(to: matrix.dtype) }
    let wanted = min(k, available)
    var process = LanczosProcess(matrix, start: start, locked: locked)
    while true {
        process.advance()
        guard process.steps >= wanted || process.isExhausted else { continue }
        let decomposition = process.decomposition
        let (values, vectors) = decomposition.ritz()
        let m = values.count
        let order = Array((0..<m).reversed().prefix(wanted))
        // Residual of Ritz pair i: |β_m · (last component of its eigenvector of T)|.
        let residuals = order.map { abs(decomposition.residualNorm * vectors[$0][m - 1]) }
        let scale = max(abs(values.last ?? 0), abs(values.first ?? 0), 1e-300)
        let converged = residuals.allSatisfy { $0 <= tolerance * scale }
        if converged || process.isExhausted || process.steps >= min(maxSteps, available) {
            let ritzVectors = order.map { i -> Tensor in
                var y = Tensor.zeros([matrix.dimension], dtype: matrix.dtype)
                for (j, q) in decomposition.basis.enumerated() { y = y + q.scaled(by: vectors[i][j]) }
                return y.scaled(by: 1 / max(norm(y), 1e-300))
            }
            return Eigenpairs(values: order.map { values[$0] }, vectors: ritzVectors, residuals: residuals, products: 0)
        }
    }
}

/// The `k` eigenpairs of largest magnitude by power iteration with deflation (the simple
/// alternative to Lanczos): each pair is found on A − Σ λⱼ vⱼvⱼᵀ.
public func topEigenpairsByPowerIteration(_ matrix: SymmetricOperator, k: Int, maxIterations: Int = 2000,
                                          tolerance: Double = 1e-10, rng: inout SeededRNG) -> Eigenpairs {
    let before = matrix.products
    var values: [Double] = [], vectors: [Tensor] = []
    for _ in 0..<min(k, matrix.dimension) {
        let found = powerIteration(dimension: matrix.dimension, dtype: matrix.dtype, maxIterations: maxIterations,
                                   tolerance: tolerance, rng: &rng) { v in
            var w = matrix(v)
            for (lambda, u) in zip(values, vectors) { w = w - u.scaled(by: lambda * dot(u, v)) }
            return w
        }
        values.append(found.value)
        vectors.append(found.vector)
    }
    let residuals = zip(values, vectors).map { lambda, v in norm(matrix(v) - v.scaled(by: lambda)) }
    return Eigenpairs(values: values, vectors: vectors, residuals: residuals, products: matrix.products - before)
}
