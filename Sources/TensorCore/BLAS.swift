import COpenBLAS

// The only file that imports OpenBLAS (ARCHITECTURE.md, import rules).

/// OpenBLAS entry points used by the engine.
public enum BLAS {
    /// Sets the number of OpenBLAS threads (the engine uses 1 by default: small GEMMs lose with
    /// threads, and one thread keeps results bit-reproducible).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// The current number of OpenBLAS threads.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Matrix product `op(a) · op(b)` of rank-2 tensors, where op transposes when asked:
    /// `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, the result `[m, n]`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let lda = a.shape[1], ldb = b.shape[1]
        switch (a.storage, b.storage) {
        case (.float32(let x), .float32(let y)):
            return Tensor(shape: [m, n], storage: .float32(product(m, n, k) { out in
                Float.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, x, lda: lda, y, ldb: ldb, out)
            }))
        case (.float64(let x), .float64(let y)):
            return Tensor(shape: [m, n], storage: .float64(product(m, n, k) { out in
                Double.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, x, lda: lda, y, ldb: ldb, out)
            }))
        default:
            preconditionFailure("matmul on dtypes \(a.dtype) and \(b.dtype)")
        }
    }

    /// Matrix-vector product `op(a) · x`: `op(a)` is `[m, k]`, `x` is `[k]`, the result `[m]`.
    public static func matvec(_ a: Tensor, _ x: Tensor, transposeA: Bool = false) -> Tensor {
        precondition(a.rank == 2 && x.rank == 1, "matvec needs a rank-2 matrix and a vector, got \(a.shape) and \(x.shape)")
        let rows = a.shape[0], columns = a.shape[1]
        let m = transposeA ? columns : rows, k = transposeA ? rows : columns
        precondition(x.count == k, "matvec: \(a.shape)\(transposeA ? "ᵀ" : "") · [\(x.count)]")
        let trans = transposeA ? CblasTrans : CblasNoTrans
        switch (a.storage, x.storage) {
        case (.float32(let p), .float32(let v)):
            return Tensor(shape: [m], storage: .float32(product(m, 1, k) { out in
                cblas_sgemv(CblasRowMajor, trans, Int32(rows), Int32(columns), 1, p, Int32(columns), v, 1, 0, out, 1)
            }))
        case (.float64(let p), .float64(let v)):
            return Tensor(shape: [m], storage: .float64(product(m, 1, k) { out in
                cblas_dgemv(CblasRowMajor, trans, Int32(rows), Int32(columns), 1, p, Int32(columns), v, 1, 0, out, 1)
            }))
        default:
            preconditionFailure("matvec on dtypes \(a.dtype) and \(x.dtype)")
        }
    }

    /// An `[m, n]` result buffer filled by `gemm` (β = 0, so it need not be zeroed first), or
    /// zeros when the inner extent is empty.
    private static func product<T: TensorScalar>(_ m: Int, _ n: Int, _ k: Int,
                                                 _ gemm: (UnsafeMutablePointer<T>) -> Void) -> [T] {
        guard m > 0 && n > 0 && k > 0 else { return [T](repeating: 0, count: m * n) }
        return [T](unsafeUninitializedCapacity: m * n) { out, initialized in
            gemm(out.baseAddress!)
            initialized = m * n
        }
    }

    /// All eigenvalues (ascending) and unit eigenvectors of a symmetric `[n, n]` matrix, by LAPACK
    /// `dsyevd` in Float64: row i of the `[n, n]` result is the eigenvector of `values[i]`.
    /// Returns nil when LAPACK reports failure.
    public static func symmetricEigen(_ matrix: Tensor) -> (values: [Double], vectors: Tensor)? {
        precondition(matrix.rank == 2 && matrix.shape[0] == matrix.shape[1], "symmetricEigen needs a square matrix, got \(matrix.shape)")
        let n = matrix.shape[0]
        if n == 0 { return ([], matrix.converted(to: .float64)) }
        // Column-major LAPACK on a symmetric matrix: the row-major buffer is its own transpose.
        var a = matrix.doubles
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workQuery = [Double](repeating: 0, count: 1)
        var iworkQuery = [Int32](repeating: 0, count: 1)
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info)
        guard info == 0 else { return nil }
        lwork = Int32(workQuery[0])
        liwork = iworkQuery[0]
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { return nil }
        // LAPACK wrote eigenvector j as column j in column-major order: row j of the row-major buffer.
        return (w, Tensor(shape: [n, n], a))
    }
}

extension Float {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, _ c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(n))
    }
}

extension Double {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int, _ c: UnsafeMutablePointer<Double>) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(n))
    }
}
