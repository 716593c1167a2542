import Testing
import TensorCore

/// A GEMM cut into row pieces (one per thread) must give the bits of one call, on any values
/// (each shape's split is checked once, on other values).
@Suite struct GemmRowSplitTests {
    @Test func piecesCoverTheRowsInOrderAsEvenlyAsTheTilesAllow() {
        for (m, threads) in [(2822, 2), (97, 2), (2822, 3), (1000, 4), (400, 2)] {
            let split = GemmRowSplit(Float.self, m: m, n: 128, k: 97, transposeA: false, transposeB: false, threads: threads)
            // With more OpenBLAS threads (`swift test` without the Makefile's OPENBLAS_NUM_THREADS=1)
            // OpenBLAS cuts the product itself.
            #expect(split.pieces == (BLAS.threads == 1 ? threads : 1), "\(m) rows, \(threads) threads")
            let pieces = (0..<split.pieces).map(split.rows(ofPiece:))
            #expect(pieces.first?.lowerBound == 0 && pieces.last?.upperBound == m)
            #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
            let largestTile = 96
            #expect(pieces.allSatisfy { abs($0.count - m / split.pieces) <= largestTile }, "\(pieces)")
        }
    }

    @Test func smallProductsAndOneThreadRunWhole() {
        #expect(GemmRowSplit(Float.self, m: 2822, n: 128, k: 97, transposeA: false, transposeB: false, threads: 1).pieces == 1)
        #expect(GemmRowSplit(Float.self, m: 64, n: 16, k: 16, transposeA: false, transposeB: false, threads: 2).pieces == 1, "too little work per thread")
        #expect(GemmRowSplit(Double.self, m: 1, n: 4096, k: 4096, transposeA: false, transposeB: false, threads: 2).pieces == 1, "one row cannot be cut")
    }

    @Test(arguments: DType.allCases)
    func piecesGiveTheBitsOfTheWholeProduct(_ dtype: DType) throws {
        var rng = SeededRNG(seed: 11)
        // The grokking step's three products, and odd sizes that leave partial tiles.
        for (m, n, k, transposeA, transposeB) in [(2822, 97, 128, false, true), (2822, 128, 97, false, false),
                                                 (97, 128, 2822, true, false), (1531, 83, 211, true, true)] {
            let a = rng.normalTensor(transposeA ? [k, m] : [m, k], std: 1, dtype: dtype)
            let b = rng.normalTensor(transposeB ? [n, k] : [k, n], std: 1, dtype: dtype)
            let whole = BLAS.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
            for threads in [2, 3, 4] {
                let pieces = dtype == .float32 ? piecewise(Float.self, a, b, transposeA, transposeB, m, n, k, threads)
                                               : piecewise(Double.self, a, b, transposeA, transposeB, m, n, k, threads)
                #expect(pieces == whole, "\(m)×\(k)·\(k)×\(n) (\(transposeA), \(transposeB)) in \(threads) pieces")
            }
        }
    }

    private func piecewise<T: TensorScalar>(_: T.Type, _ a: Tensor, _ b: Tensor, _ transposeA: Bool, _ transposeB: Bool,
                                            _ m: Int, _ n: Int, _ k: Int, _ threads: Int) -> Tensor {
        let split = GemmRowSplit(T.self, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, threads: threads)
        // Cut for real (this shape's row multiple was found), unless OpenBLAS runs threads itself.
        #expect(BLAS.threads != 1 || split.pieces == threads, "\(m)×\(k)·\(k)×\(n) in \(split.pieces) pieces, not \(threads)")
        var c = [T](repeating: .nan, count: m * n)
        a.withUnsafeElements(as: T.self) { a in
            b.withUnsafeElements(as: T.self) { b in
                c.withUnsafeMutableBufferPointer { c in
                    for piece in 0..<split.pieces {
                        T.gemm(rows: split.rows(ofPiece: piece), transposeA: transposeA, transposeB: transposeB, n: n, k: k,
                               a, lda: transposeA ? m : k, b, ldb: transposeB ? k : n, c.baseAddress!)
                    }
                }
            }
        }
        return T.tensor(shape: [m, n], c)
    }
}
