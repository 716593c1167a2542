import TensorCore

/// A symmetric linear map on `[dimension]` vectors, applied by a closure (a Hessian-vector product,
/// or a dense matrix in tests), counting how often it is applied.
public final class SymmetricOperator {
    public let dimension: Int
    public let dtype: DType
    private let body: (Tensor) -> Tensor
    /// Products computed so far.
    public private(set) var products = 0

    public init(dimension: Int, dtype: DType, _ body: @escaping (Tensor) -> Tensor) {
        self.dimension = dimension; self.dtype = dtype; self.body = body
    }

    /// A dense symmetric `[n, n]` matrix as an operator.
    public convenience init(matrix: Tensor) {
        precondition(matrix.rank == 2 && matrix.shape[0] == matrix.shape[1], "needs a square matrix, got \(matrix.shape)")
        self.init(dimension: matrix.shape[0], dtype: matrix.dtype) { BLAS.matvec(matrix, $0) }
    }

    /// A·v for `v` `[dimension]`.
    public func callAsFunction(_ v: Tensor) -> Tensor {
        products += 1
        return body(v.converted(to: dtype))
    }
}

// MARK: - Vector helpers (Double accumulation, any dtype)

func dot(_ a: Tensor, _ b: Tensor) -> Double {
    switch (a.storage, b.storage) {
    case (.float32(let x), .float32(let y)): return zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    case (.float64(let x), .float64(let y)): return zip(x, y).reduce(0.0) { $0 + $1.0 * $1.1 }
    default: return zip(a.doubles, b.doubles).reduce(0.0) { $0 + $1.0 * $1.1 }
    }
}

func norm(_ a: Tensor) -> Double { a.squaredNorm().squareRoot() }

/// x − Σ (qᵢ·x) qᵢ, twice ("twice is enough" for numerical orthogonality).
func orthogonalized(_ x: Tensor, against basis: [Tensor]) -> Tensor {
    var v = x
    for _ in 0..<2 {
        for q in basis { v = v - q.scaled(by: dot(q, v)) }
    }
    return v
}
